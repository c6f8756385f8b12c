#!/usr/bin/env bash
# Installs missing Debian packages. With no argument: what the test suite runs for real
# (Redis, Chromium, PostgreSQL, npm). With `--npm`: only npm, which `make run` needs too.
set -euo pipefail
missing=()
command -v npm >/dev/null || missing+=(npm)
if [ "${1:-}" != "--npm" ]; then
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
