#!/usr/bin/env bash
# Installs what `make bench` needs beyond Python: wrk (Debian package). As root it uses apt-get;
# otherwise it says what to install.
set -euo pipefail

command -v wrk >/dev/null 2>&1 && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation de wrk pour les mesures"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
else
  echo "Il manque wrk pour les mesures : sudo apt-get install -y wrk, puis relancez make bench." >&2
  exit 1
fi
