#!/usr/bin/env bash
# `npm run demo`: brings the default lab up, crawls its domains from the vantage namespace with
# the lab's config, exports the four summaries, and tears the lab down (also on failure or Ctrl-C).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
scenario=${1:-default}
trap 'bash "$here/lab.sh" down' EXIT
trap 'exit 130' INT TERM

bash "$here/lab.sh" up "$scenario"
state=${V6M_LAB_STATE:-/run/v6m-lab}/state.json
field() { node -e "process.stdout.write(String(JSON.parse(require('fs').readFileSync('$state','utf8'))['$1']))"; }
vantage=$(field vantage)
config=$(field configPath)
domains=$(field domainsFile)

cd "$repo"
in_vantage() { bash "$here/in-netns.sh" "$vantage" "$@"; }
echo "== crawl of $domains from $vantage"
in_vantage node bin/ipv6matrix.mjs crawl --config "$config" "$domains"
for table in hostdata reachability domains penetration; do
  echo "== $table"
  in_vantage node bin/ipv6matrix.mjs export "$table" --config "$config" || echo "(export $table failed)"
done
echo "== compared with the hand-written expectations in $(field expectedFile)"
node --import tsx "$here/check-expected.ts" "$(field expectedFile)" "$config"
