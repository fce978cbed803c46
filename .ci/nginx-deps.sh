#!/usr/bin/env bash
# Installs what tests/test_proxy.py needs: Debian's nginx (the binary only; the test writes its own
# configuration from deploy/nginx.conf and starts nginx itself, so the Debian service is not used).
# Idempotent: when nginx is already there it only checks and returns.
set -euo pipefail

DEBIAN_PACKAGES=(nginx)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  # Where services may start (no policy-rc.d), Debian's own nginx also starts on port 80; the
  # tests never use it.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

echo "nginx deps: $(/usr/sbin/nginx -v 2>&1)"
