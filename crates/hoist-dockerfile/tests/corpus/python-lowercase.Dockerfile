arg PYTHON=3.12
from python:${PYTHON}-slim as base
env PIP_NO_CACHE_DIR=1
run apt-get update \
    # comments and blank lines inside a continuation are skipped

    && apt-get install -y --no-install-recommends \
        libpq5 \
    && rm -rf /var/lib/apt/lists/*

From base As Test
copy requirements-dev.txt .
run pip install -r requirements-dev.txt
cmd ["pytest"]

FROM base AS prod
COPY --chown=1000 . /srv
USER 1000
