# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN <<EOF
set -eux
# FROM inside a heredoc is a body line, not an instruction
echo "FROM node:20 AS fake" > /tmp/not-a-dockerfile
npm ci --omit=dev
EOF

FROM deps AS build
COPY <<-EOT /app/.npmrc
	registry=https://registry.npmjs.org/
	FROM this-is-text AS still-text
	EOT
RUN <<BUILD cat <<'CONF' > /app/build.conf
npm run build
BUILD
mode=production
FROM nope
CONF

FROM gcr.example/distroless/nodejs20 AS release
COPY --from=build /app/dist /app
CMD ["/app/server.js"]
