# hoist's own image, built by hoist: `cargo xtask build tester`, `cargo xtask build release`.
#
# The bases are Docker Hub's official images and are pulled as usual. On a machine that cannot
# pull them, `cargo xtask provision-base-images` makes stand-ins under the same names from
# Debian's packages (docs/self-hosting.md); this file is the same either way.
#
# No `# syntax=` line: the engine's built-in Dockerfile frontend handles `RUN --mount`, and a
# syntax line would make every build fetch the frontend image from Docker Hub.
ARG RUST_IMAGE=rust:1.95-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# The workspace's sources, in the official Rust image's layout (CARGO_HOME=/usr/local/cargo).
FROM ${RUST_IMAGE} AS source
WORKDIR /src
COPY . .

# Compiles the `hoist` binary, exactly the locked dependency versions.
FROM source AS builder
RUN --mount=type=cache,id=hoist-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=hoist-release-target,target=/src/target \
    cargo build --release --locked --bin hoist \
    && cp target/release/hoist /usr/local/bin/hoist

# A small runtime image: `hoist` plus git (bump commits and tags, deploy tags). Run it on a
# mounted project: docker run --rm -v "$PWD":/work -w /work IMAGE bump patch --dry-run
FROM ${DEBIAN_IMAGE} AS release
LABEL org.opencontainers.image.title="hoist"
LABEL org.opencontainers.image.version="0.1.0"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY --from=builder /usr/local/bin/hoist /usr/local/bin/hoist
ENTRYPOINT ["hoist"]

# hoist's tests that need no Docker engine: every crate's unit tests, the Dockerfile corpus, the
# version engine's properties, and the git, GitOps and channel tests (real git repositories with
# bare remotes; fake kubectl/helm). Compiled here, run by the image's command: `docker run --rm IMAGE`.
FROM source AS tester
RUN cargo test --locked --workspace --lib --bins \
    --test corpus --test properties --test tags --test gitops --test channels --no-run
CMD ["cargo", "test", "--locked", "--workspace", "--lib", "--bins", \
     "--test", "corpus", "--test", "properties", "--test", "tags", "--test", "gitops", "--test", "channels"]
