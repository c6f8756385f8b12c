#!/usr/bin/env bash
# Installs missing Debian packages. With no argument: what the test suite runs for real
# (Redis, Chromium, PostgreSQL, nginx, npm). With `--npm`: only npm, which `make run` needs too.
set -euo pipefail
missing=()
command -v npm >/dev/null || missing+=(npm)
if [ "${1:-}" != "--npm" ]; then
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  # The reverse proxy the distributed set-up starts in front of Daphne (deploy/nginx/).
  [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
# RUNLEVEL=1: the packages' scripts start no service (nginx would take port 80); the project
# starts its own servers on loopback ports.
$sudo env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
