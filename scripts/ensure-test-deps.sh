#!/usr/bin/env bash
# Installs what the tests need beyond Python: Debian's Chromium (browser tests), PostgreSQL
# (the second database run) and Redis (rate limits shared by several servers). As root it uses apt-get; otherwise it says what to install.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# WeasyPrint (the dossier PDF) loads Pango through its C library.
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation des dépendances de test : ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  # The Debian package starts a cluster of its own; the tests use a private, throwaway one.
  if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
    for cluster in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do
      pg_ctlcluster "${cluster%/*}" "${cluster#*/}" stop 2>/dev/null || true
    done
  fi
  # Likewise for Redis: the tests start a throwaway one on a private port (tests/redisserver.py).
  if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
  fi
else
  echo "Il manque pour les tests : ${missing[*]}." >&2
  echo "Installez-les (par exemple : sudo apt-get install -y ${missing[*]}) puis relancez make test." >&2
  exit 1
fi
