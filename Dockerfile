# syntax=docker/dockerfile:1
# lnpilot image: one entry point (`lnpilot`) for the API/dashboard (default), the daemon (`run`)
# and one-off commands (`db backup`, `config check`, ...). Multi-stage: the build stage makes the
# wheel and a venv; the runtime stage copies only the venv. Every runtime dependency, numba and
# llvmlite included, has manylinux wheels for amd64 and arm64 (checked by tests/deploy), so
# `docker buildx build --platform linux/amd64,linux/arm64 .` compiles nothing.
ARG PYTHON_IMAGE=python:3.11-slim-trixie

FROM ${PYTHON_IMAGE} AS build
# The version comes from the git tag; the build context carries no .git, so CI passes it in.
ARG VERSION=0.0.0
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SETUPTOOLS_SCM_PRETEND_VERSION=${VERSION}
WORKDIR /src
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY src ./src
# Runtime dependencies only, pinned by the lock file (its dev tools are not installed).
RUN python -m venv /opt/lnpilot \
    && /opt/lnpilot/bin/pip install --upgrade "pip>=24" \
    && /opt/lnpilot/bin/pip wheel --no-deps --wheel-dir /dist . \
    && /opt/lnpilot/bin/pip install --only-binary=:all: --constraint requirements.lock /dist/lnpilot-*.whl \
    && /opt/lnpilot/bin/lnpilot --version

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.0.0
LABEL org.opencontainers.image.title="lnpilot" \
      org.opencontainers.image.description="Autopilot for Lightning routing nodes" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"
# postgresql-client: `lnpilot db backup` on PostgreSQL runs pg_dump (its major version must be at
# least the server's: trixie ships 17). Versions float with the base image's security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1000 lnpilot \
    && useradd --uid 1000 --gid 1000 --home-dir /data --no-create-home --shell /usr/sbin/nologin lnpilot \
    && mkdir -p /data \
    && chown 1000:1000 /data \
    && chmod 0700 /data
COPY --from=build /opt/lnpilot /opt/lnpilot
ENV PATH=/opt/lnpilot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LNPILOT_DATA_DIR=/data \
    LNPILOT_LOG_FORMAT=json \
    NUMBA_CACHE_DIR=/data/cache/numba \
    MPLCONFIGDIR=/data/cache/matplotlib
# Everything lnpilot writes (SQLite store, vault, backups, numba cache) lives in this one volume.
VOLUME ["/data"]
WORKDIR /data
USER 1000:1000
EXPOSE 8000
# Liveness of the API; the daemon service in compose overrides this with its own check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["lnpilot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
