# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended

ARG RUST_VERSION=1.85
ARG APP=server

FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-bookworm AS Chef
WORKDIR /app
RUN cargo install cargo-chef --locked

FROM chef AS Planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG TARGETPLATFORM
ARG APP
COPY --from=planner /app/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/app/target,sharing=locked \
    cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --bin ${APP} && cp target/release/${APP} /usr/local/bin/app

FROM --platform=linux/amd64 debian:bookworm-slim as RUNTIME
COPY --from=builder /usr/local/bin/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
