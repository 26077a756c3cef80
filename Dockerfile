# syntax=docker/dockerfile:1
# hoist's own image. The base images are Debian's; on a machine that cannot pull them,
# `.ci/run` makes them locally (see docs/self-hosting.md).
ARG RUST_IMAGE=local/rust:bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin hoist && cp target/release/hoist /usr/local/bin/hoist

FROM ${DEBIAN_IMAGE} AS release
LABEL org.opencontainers.image.version="0.1.0"
COPY --from=builder /usr/local/bin/hoist /usr/local/bin/hoist
ENTRYPOINT ["hoist"]

FROM builder AS tester
RUN cargo test --locked --workspace --no-run
CMD ["cargo", "test", "--locked", "--workspace", "--lib", "--bins"]
