#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing and we are root.
# Without it the browser tests skip with a message, except under CI=true, where they fail.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
  echo "note: Debian's 'chromium' package is not installed and we are not root;" \
       "browser tests will be skipped (install it with: sudo apt-get install chromium)."
fi
