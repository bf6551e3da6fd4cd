#!/usr/bin/env bash
# Regenerates gen/ from proto/ with buf and the local ts-proto plugin, and the
# descriptor set that gRPC server reflection serves. Never edit gen/ by hand.
#   scripts/generate.sh           write gen/
#   scripts/generate.sh --check   fail if gen/ differs from what proto/ gives
set -euo pipefail
cd "$(dirname "$0")/.."
buf=./node_modules/.bin/buf
$buf lint
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  $buf generate --output "$tmp"
  $buf build -o "$tmp/gen/descriptor.binpb"
  if ! diff -r "$tmp/gen" gen >/dev/null; then
    echo "gen/ is stale: run 'npm run generate' and commit the result" >&2
    diff -r "$tmp/gen" gen | head -20 >&2 || true
    exit 1
  fi
  echo "gen/ is up to date"
else
  $buf generate
  $buf build -o gen/descriptor.binpb
fi
