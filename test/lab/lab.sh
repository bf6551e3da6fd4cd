#!/usr/bin/env bash
# The lab's entry point: `lab.sh up [scenario]` builds the simulated internet (after clearing
# whatever an earlier run left), `lab.sh down` removes it, `lab.sh status` lists what is there.
# Clean-up also runs when `up` fails or is interrupted. Needs root; installs what it uses.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
STATE=${V6M_LAB_STATE:-/run/v6m-lab}
PREFIX=v6m-

die() { echo "lab: $*" >&2; exit 2; }

require_root() {
  [ "$(id -u)" = 0 ] || die "needs root to create network namespaces (run as root)"
  local probe="${PREFIX}probe-$$"
  ip netns add "$probe" 2>/dev/null || die "cannot create network namespaces here (ip netns add failed)"
  ip netns del "$probe"
}

# Debian packages for each command the lab runs.
install_deps() {
  local -A pkg=([ip]=iproute2 [nft]=nftables [nsd]=nsd [unbound]=unbound [dig]=dnsutils [ping]=iputils-ping
    [tracepath]=iputils-tracepath [openssl]=openssl [sysctl]=procps)
  local missing=()
  for cmd in "${!pkg[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg[$cmd]}"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "lab: installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# Lab namespaces; scale mode's (v6m-scale-*) only with `all`.
lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep "^${PREFIX}" | while read -r ns; do
    case "$ns" in "${PREFIX}scale-"*) [ "${1:-lab}" = all ] && echo "$ns" ;; *) echo "$ns" ;; esac
  done
}

# Pids of processes inside lab namespaces, plus those in pid files that still live in one.
lab_pids() {
  local ns
  for ns in $(lab_namespaces "${1:-lab}"); do ip netns pids "$ns" 2>/dev/null || true; done
  if [ -d "$STATE/pids" ]; then
    for f in "$STATE"/pids/*.pid; do
      [ -f "$f" ] || continue
      local pid; pid=$(cat "$f")
      case "$(ip netns identify "$pid" 2>/dev/null)" in "${PREFIX}"*) echo "$pid" ;; esac
    done
  fi
}

down() {
  set +e
  local pids
  pids=$(lab_pids "${1:-lab}" | sort -u)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 30); do
      pids=$(for p in $pids; do if [ -d "/proc/$p" ]; then echo "$p"; fi; done)
      [ -z "$pids" ] && break
      sleep 0.1
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  fi
  for ns in $(lab_namespaces "${1:-lab}"); do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$STATE"
  set -e
}

status() {
  echo "namespaces: $(lab_namespaces all | tr '\n' ' ')"
  echo "processes: $(lab_pids all | sort -u | tr '\n' ' ')"
  [ -f "$STATE/state.json" ] && cat "$STATE/state.json" || echo "state: none"
}

case "${1:-}" in
  up)
    require_root
    install_deps
    down
    trap 'echo "lab: interrupted, cleaning up" >&2; down; exit 130' INT TERM
    if ! (cd "$repo" && node --import tsx "$here/up.ts" "${2:-default}"); then
      echo "lab: up failed, cleaning up (logs were in $STATE/logs)" >&2
      [ -d "$STATE/logs" ] && tail -n 5 "$STATE"/logs/*.log >&2 || true
      down
      exit 1
    fi
    ;;
  down) down "${2:-lab}" ;;
  status) status ;;
  *) echo "usage: lab.sh up [scenario] | down [all] | status" >&2; exit 2 ;;
esac
