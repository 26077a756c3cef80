FROM golang:1.22-alpine
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM alpine:3.20
RUN apk add --no-cache ca-certificates

FROM scratch
COPY --from=1 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=0 /out/app /app
ENTRYPOINT ["/app"]
