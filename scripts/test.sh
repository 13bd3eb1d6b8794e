#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL (or DATABASE_URL) names one.
# Under CI=true a PostgreSQL run is required, never skipped.
set -euo pipefail
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=weizhili.settings.test

echo "== checks: ruff, mypy (calendar, text), migrations"
$BIN/ruff check weizhili tests bench scripts
$BIN/mypy --strict --no-error-summary weizhili/calendar
$BIN/mypy --strict --ignore-missing-imports --no-error-summary weizhili/text
$BIN/weizhili makemigrations --check --dry-run >/dev/null || { echo "models and migrations differ: run makemigrations"; exit 1; }

pg_url="${TEST_DATABASE_URL:-${DATABASE_URL:-}}"
if [[ "${CI:-}" == "true" && -z "$pg_url" ]]; then
  echo "CI=true but no TEST_DATABASE_URL/DATABASE_URL: the PostgreSQL run is required" >&2
  exit 1
fi

echo "== tests on SQLite"
env -u DATABASE_URL -u TEST_DATABASE_URL $BIN/pytest "$@"

if [[ -n "$pg_url" ]]; then
  echo "== tests on PostgreSQL ($pg_url)"
  TEST_DATABASE_URL="$pg_url" $BIN/pytest "$@"
else
  echo "== PostgreSQL run skipped: set TEST_DATABASE_URL=postgres://user@host:5432/db to include it"
fi
