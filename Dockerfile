# The public-notice registry on Debian's python3 (bookworm, 3.11) in a venv.
#
#   docker run -p 8000:8000 IMAGE              # web: init-db, seed, gunicorn on 0.0.0.0:8000, SQLite in /app/var
#   docker run IMAGE scheduler                 # the notice scheduler instead (one per database)
#   docker run IMAGE create-token --role admin --label ops    # any `flask --app service` command
#
# Settings are environment variables: deploy/env.example documents every one.

# ---- build: wheels for requirements.txt, installed into /opt/venv ------------------------------
# Every pinned requirement ships a manylinux wheel for CPython 3.11, so no compiler is needed here;
# add gcc and python3-dev to this stage (only) if a future requirement must be compiled.
FROM debian:bookworm-slim AS build

# Versions come from the bookworm base: stable's security updates replace superseded packages on
# the mirrors, so exact pins would break the build rather than make it reproducible.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --no-cache-dir --wheel-dir /tmp/wheels -r /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /tmp/wheels \
       -r /tmp/requirements.txt \
    && /opt/venv/bin/pip uninstall -y -q pip setuptools \
    && rm -rf /tmp/wheels

# ---- final: python3 and the venv, no compilers, no pip -----------------------------------------
FROM debian:bookworm-slim

LABEL org.opencontainers.image.title="notice-registry" \
      org.opencontainers.image.description="Public notice registry (公示登记处): Flask + gunicorn"

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 registry \
    && useradd --uid 10001 --gid registry --no-log-init --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin registry

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# Code and configuration belong to root and are read-only for the service; only /app/var is its.
COPY service service
COPY schemas schemas
COPY seeds seeds
COPY deploy/gunicorn.conf.py deploy/entrypoint.sh deploy/
RUN chmod 0755 deploy/entrypoint.sh \
    && /opt/venv/bin/python -m compileall -q service schemas seeds \
    && mkdir -p /app/var \
    && chown 10001:10001 /app/var

ENV PATH=/opt/venv/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLASK_APP=service \
    PORT=8000 \
    DATABASE_URL=sqlite:////app/var/registry.db

USER 10001:10001
VOLUME ["/app/var"]
EXPOSE 8000
# Liveness (/healthz does not touch the database; orchestrators gate traffic on /readyz). A
# scheduler container serves no HTTP: it passes while its process runs (compose checks its metrics).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; b'scheduler' in open('/proc/1/cmdline', 'rb').read() or urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
