#!/usr/bin/env bash
# Install Debian's redis-server and postgresql for the cluster tests when missing and we are
# root. Without them the cluster tests skip naming what is missing, except under CI=true,
# where they fail.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null 2>&1 \
  || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's ${missing[*]} for the cluster tests ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "note: Debian's ${missing[*]} not installed and we are not root;" \
       "cluster tests will be skipped (install with: sudo apt-get install ${missing[*]})."
fi
