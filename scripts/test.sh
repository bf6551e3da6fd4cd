#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing (Debian
# packages when root, npm packages), then typecheck, lint, contract checks and
# every test with node's test runner. No test is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests start for real: NATS, the lab's DNS servers and tools.
# podman, runc, debootstrap: the image test builds and runs deploy/Containerfile; unzip: helm for the chart test;
# ntpdig (ntpsec's one-shot NTP client): the lab crawl test's independent check of the NTP probe.
packages=(nats-server nsd unbound dnsutils iproute2 nftables iptables openssl procps sqlite3 scamper iputils-ping time podman runc debootstrap unzip ntpsec-ntpdig)
commands=(nats-server nsd unbound dig ip nft iptables openssl pkill sqlite3 scamper ping /usr/bin/time podman runc debootstrap unzip ntpdig)
missing=()
for i in "${!commands[@]}"; do
  command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}")
done
# A Perl module, not a command: the geo tests rebuild their MaxMind DB files with it.
perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null || missing+=(libmaxmind-db-writer-perl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm install, not npm ci: chdb lists platform packages that were never published
# (macOS, arm64), so no lock file can hold them and npm ci refuses every lock.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm install"
  npm install --no-audit --no-fund
fi

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== lint"
npx biome check --error-on-warnings .
echo "== contracts"
bash scripts/generate.sh --check
node --import tsx deploy/grafana/src/generate.ts --check
# Against the last release of the contracts (a copy kept in proto-baseline/), not the previous
# commit: a break spread over two commits must fail too. A new release adds a folder and moves this.
./node_modules/.bin/buf breaking --against proto-baseline/v0.1.0
echo "buf breaking: no breaking change against the protos of v0.1.0"

echo "== tests"
mapfile -t files < <(find services test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
node --import tsx --test --test-concurrency=1 "$@" "${files[@]}"
