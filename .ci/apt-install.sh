#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet (apt-get update only
# then); quick when all are there. Used by the test dependency scripts beside it.
set -euo pipefail

missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  # Where services may start (no policy-rc.d), a package's own service may start too (Debian's
  # nginx on port 80); the tests never use those.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
