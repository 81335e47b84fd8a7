#!/usr/bin/env bash
# Fails on a merge-conflict marker left in any tracked file. A bare "=======" once broke a CSS
# rule and put the registration page's spam trap on screen. In Markdown and reStructuredText
# that line is a heading underline, so only the unambiguous markers are looked for there.
set -uo pipefail
cd "$(dirname "$0")/.."
found=$(
  git grep -nE '^(<<<<<<<|>>>>>>>)( |$)' -- . ':!static/vendor' 
  git grep -nE '^=======$' -- . ':!*.md' ':!*.rst' ':!static/vendor'
)
if [ -n "$found" ]; then
  echo "Marqueurs de conflit de fusion dans des fichiers suivis :" >&2
  echo "$found" >&2
  exit 1
fi
