#!/usr/bin/env bash
# Installs what tests/test_proxy.py needs: Debian's nginx (the binary only; the test writes its own
# configuration from deploy/nginx.conf and starts nginx itself, so the Debian service is not used).
# Idempotent: when nginx is already there it only checks and returns.
set -euo pipefail

DEBIAN_PACKAGES=(nginx)

bash "$(dirname "$0")/apt-install.sh" "${DEBIAN_PACKAGES[@]}"

echo "nginx deps: $(/usr/sbin/nginx -v 2>&1)"
