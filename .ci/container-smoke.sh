#!/usr/bin/env bash
# CI: set up podman/buildah and the offline debian:bookworm-slim base (shared/tools/container-base,
# beside this repository's clone), then build the image and smoke-test it (deploy/smoke-image.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${CONTAINER_BASE:-$here/../../shared/tools/container-base}
[[ -f $base ]] || { echo "container-smoke: $base not found (shared/ must sit beside the repository)" >&2; exit 1; }

# Captured first: `eval "$(failing command)"` would hide the failure.
environment=$(bash "$base")
eval "$environment"
exec bash "$here/../deploy/smoke-image.sh"
