ARG ALPINE=alpine:3.20
FROM --platform=$BUILDPLATFORM ${ALPINE} AS fetch
RUN wget -O /tmp/tool.tgz https://downloads.example/tool.tgz

FROM --platform=$TARGETPLATFORM ${ALPINE}
COPY --from=fetch /tmp/tool.tgz /tmp/

FROM --platform=linux/arm64 busybox:1.36 AS Arm.Build_1
COPY --from=1 /tmp/tool.tgz /
