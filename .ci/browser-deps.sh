#!/usr/bin/env bash
# Installs what tests/test_browser.py needs: Debian's Chromium and ChromeDriver, a CJK font (or
# Chinese renders as boxes), and axe-core from the npm registry into .ci/node_modules.
# Idempotent: when everything is already there it only checks and returns.
set -euo pipefail
cd "$(dirname "$0")"

AXE_VERSION=4.14.1
DEBIAN_PACKAGES=(chromium chromium-driver fonts-wqy-zenhei)

bash apt-install.sh "${DEBIAN_PACKAGES[@]}"  # cwd is .ci

installed_axe=$(node -p "require('./node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [ "$installed_axe" != "$AXE_VERSION" ]; then
  npm install --prefix . --no-save --no-audit --no-fund --loglevel=error \
    "axe-core@$AXE_VERSION" >/dev/null
fi
# Keeps the installed packages out of git without touching the project's .gitignore.
echo '*' > node_modules/.gitignore

echo "browser deps: $(/usr/bin/chromium --version 2>/dev/null | head -1), axe-core $AXE_VERSION"
