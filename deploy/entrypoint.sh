#!/bin/sh
# Container entry: migrate (safe on every start), load the seed page unless told not to, then serve.
set -e
flask --app service init-db
if [ "${SEED_ON_START:-1}" = "1" ]; then
  flask --app service seed
fi
exec gunicorn -c deploy/gunicorn.conf.py "service:create_app()" "$@"
