# The registry on Debian's python3; SQLite in the /app/var volume unless DATABASE_URL says otherwise.
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

COPY service service
COPY schemas schemas
COPY seeds seeds
COPY deploy deploy

RUN useradd --system --uid 10001 --home-dir /app registry \
    && mkdir -p /app/var && chown registry /app/var
USER registry

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    BIND=0.0.0.0:8000 \
    DATABASE_URL=sqlite:////app/var/registry.db
VOLUME /app/var
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
ENTRYPOINT ["deploy/entrypoint.sh"]
