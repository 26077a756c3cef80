#.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.
FROM registry.example.com/python:3.10-slim as runner
#.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.-.

ENV PYTHONPATH /code
ENV PATH /.venv/bin:/node/bin:${PATH}
WORKDIR /code

FROM runner AS builder
SHELL ["/bin/bash", "-c"]
RUN python -m venv /.venv; \
    mkdir -p /{c,n}ode/data

RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=web/requirements.prod.txt,target=/requirements.txt \
    pip install -r /requirements.txt

FROM runner AS release
ENV IMAGE_VERSION v0.5.146
COPY --from=builder /.venv /.venv
COPY web/nuremberg /code/nuremberg
USER 1000

FROM release AS tester
COPY --from=builder /.venv /.venv
RUN --mount=type=bind,source=web/requirements.in,target=/requirements.in \
    pip install pytest pytest-django
USER 1000

FROM registry.example.com/tools:bump AS b2v
RUN pip install bump2version

FROM registry.example.com/rust:1 AS just
RUN cargo install just

FROM registry.example.com/solr:8.11-slim AS solr
ENV SOLR_CORE nuremberg_dev
COPY solr_conf /opt/solr/solr_conf
RUN --mount=type=bind,source=./dist/var-solr.tgz,target=/mnt/var-solr.tgz \
	cd / && \
	tar xvfpz /mnt/var-solr.tgz
