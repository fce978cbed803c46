#!/bin/sh
# Container entry point. The first argument says what this container is:
#   web (default)   migrate (safe on every start), load the seed page unless SEED_ON_START=0, then
#                   exec gunicorn on 0.0.0.0:$PORT; further arguments go to gunicorn
#   scheduler       exec the notice scheduler (`flask --app service scheduler`); run one per database
#   init-db, seed, create-token, import-roster, ...
#                   any other `flask --app service` command, e.g. an init container's migration
#   anything else   exec'd as given (e.g. `sh` for a shell)
# Each mode execs its process, so it is PID 1 and receives SIGTERM itself (graceful stop).
set -eu

cd "$(dirname "$0")/.."  # /app in the image

mode=${1:-web}
[ "$#" -gt 0 ] && shift

case "$mode" in
  web)
    export BIND="${BIND:-0.0.0.0:${PORT:-8000}}"
    flask --app service init-db
    if [ "${SEED_ON_START:-1}" != "0" ]; then
      flask --app service seed
    fi
    exec gunicorn -c deploy/gunicorn.conf.py "$@" "service:create_app()"
    ;;
  scheduler)
    exec flask --app service scheduler "$@"
    ;;
  -*)
    echo "entrypoint: unknown option $mode; the first argument is web, scheduler or a command" >&2
    exit 64
    ;;
  *)
    if flask --app service "$mode" --help >/dev/null 2>&1; then
      exec flask --app service "$mode" "$@"
    fi
    exec "$mode" "$@"
    ;;
esac
