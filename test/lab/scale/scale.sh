#!/usr/bin/env bash
# Scale mode: `scale.sh up [count]` makes namespace v6m-scale-srv answer on every address of
# 198.18.0.0/15 and 2001:db8:5ca0::/44 (ip route add local ... dev lo) with listeners on
# 25/80/443 and the synthetic DNS server (192.0.2.129 port 53) for `count` domains; the crawler
# or a benchmark runs in v6m-scale-vantage. `scale.sh down` removes both. Needs root.
# V6M_SCALE_NAME (default v6m-scale) names the namespaces <name>-srv and <name>-vantage and
# the state folder /run/<name>, so that two scale labs (a test and a benchmark) can coexist.
# SCALE_HOPS=2 puts a router namespace <name>-rtr between them, so that the servers are two hops
# from the vantage (a traceroute sees the router); the DNS server is then at 192.0.2.134.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
NAME=${V6M_SCALE_NAME:-v6m-scale}
[[ $NAME =~ ^[a-z0-9-]{1,20}$ ]] || { echo "scale: V6M_SCALE_NAME must be 1-20 of a-z 0-9 -, not '$NAME'" >&2; exit 2; }
STATE=${V6M_SCALE_STATE:-/run/$NAME}
SRV=$NAME-srv
CLI=$NAME-vantage
RTR=$NAME-rtr
HOPS=${SCALE_HOPS:-1}
[[ $HOPS =~ ^[12]$ ]] || { echo "scale: SCALE_HOPS must be 1 or 2, not '$HOPS'" >&2; exit 2; }
DNS_ADDR=192.0.2.129
[ "$HOPS" = 2 ] && DNS_ADDR=192.0.2.134

down() {
  set +e
  local pids=""
  for ns in $SRV $CLI $RTR; do
    ip netns list | grep -qw "$ns" && pids="$pids $(ip netns pids "$ns")"
  done
  if [ -n "${pids// /}" ]; then
    kill -TERM $pids 2>/dev/null
    for _ in $(seq 1 30); do
      pids=$(for p in $pids; do if [ -d "/proc/$p" ]; then echo "$p"; fi; done)
      [ -z "$pids" ] && break
      sleep 0.1
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  fi
  for ns in $SRV $CLI $RTR; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$STATE"
  set -e
}

# vantage 192.0.2.130 -- .129 router .133 -- .134 server (IPv6 2001:db8:5c::2 -- ::1 / 5d::1 -- 5d::2).
wire_router() {
  ip netns add $RTR
  ip -n $RTR link set dev lo up
  ip netns exec $RTR sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip link add name to-rtr netns $CLI type veth peer name to-vantage netns $RTR
  ip link add name to-rtr netns $SRV type veth peer name to-srv netns $RTR
  ip -n $CLI addr add 192.0.2.130/30 dev to-rtr
  ip -n $CLI addr add 2001:db8:5c::2/64 dev to-rtr nodad
  ip -n $RTR addr add 192.0.2.129/30 dev to-vantage
  ip -n $RTR addr add 2001:db8:5c::1/64 dev to-vantage nodad
  ip -n $RTR addr add 192.0.2.133/30 dev to-srv
  ip -n $RTR addr add 2001:db8:5d::1/64 dev to-srv nodad
  ip -n $SRV addr add $DNS_ADDR/30 dev to-rtr
  ip -n $SRV addr add 2001:db8:5d::2/64 dev to-rtr nodad
  for ns in $CLI $RTR $SRV; do
    for dev in $(ip -n $ns -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -v '^lo$'); do ip -n $ns link set dev "$dev" up; done
  done
  ip -n $CLI route add 198.18.0.0/15 via 192.0.2.129
  ip -n $CLI route add 192.0.2.132/30 via 192.0.2.129
  ip -n $CLI -6 route add 2001:db8:5ca0::/44 via 2001:db8:5c::1
  ip -n $CLI -6 route add 2001:db8:5d::/64 via 2001:db8:5c::1
  ip -n $RTR route add 198.18.0.0/15 via $DNS_ADDR
  ip -n $RTR -6 route add 2001:db8:5ca0::/44 via 2001:db8:5d::2
  ip -n $SRV route add local 198.18.0.0/15 dev lo
  ip -n $SRV -6 route add local 2001:db8:5ca0::/44 dev lo
  ip -n $SRV route add 192.0.2.128/30 via 192.0.2.133
  ip -n $SRV -6 route add 2001:db8:5c::/64 via 2001:db8:5d::1
  # Every probe of a traceroute gets its ICMP error: the kernel's per-host rate limit (one a
  # second after a burst) would make the lab, not the prober, the bottleneck; and the global
  # limit's burst (default 50).
  for ns in $RTR $SRV; do
    ip netns exec $ns sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=100000 net.ipv6.icmp.ratelimit=0
  done
}

up() {
  local count=${1:-100000}
  [ "$(id -u)" = 0 ] || { echo "scale: needs root (network namespaces)" >&2; exit 2; }
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v dig >/dev/null || missing+=(dnsutils)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v sysctl >/dev/null || missing+=(procps)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  down
  trap 'down; exit 130' INT TERM
  mkdir -p "$STATE/logs"
  for ns in $SRV $CLI; do
    ip netns add "$ns"
    ip -n "$ns" link set dev lo up
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done
  # Thousands of connections arrive at once: a SYN dropped by a full accept queue costs the
  # client a 1 s retransmission (a lab artefact), so the queues are deep (hostd asks for 8192).
  ip netns exec $SRV sysctl -q -w net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192
  # A UDP probe to a closed port (NTP on 123) is answered by a port unreachable, not silence: without
  # these the server's per-host ICMP limit (and the global one's burst of 50) dropped 97 % of them.
  ip netns exec $SRV sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 \
    net.ipv4.icmp_msgs_burst=100000 net.ipv6.icmp.ratelimit=0
  if [ "$HOPS" = 2 ]; then
    wire_router
  else
    ip link add name to-vantage netns $SRV type veth peer name to-srv netns $CLI
    ip -n $SRV addr add $DNS_ADDR/30 dev to-vantage
    ip -n $SRV addr add 2001:db8:5c::1/64 dev to-vantage nodad
    ip -n $CLI addr add 192.0.2.130/30 dev to-srv
    ip -n $CLI addr add 2001:db8:5c::2/64 dev to-srv nodad
    ip -n $SRV link set dev to-vantage up
    ip -n $CLI link set dev to-srv up
    # Every address of the ranges is local in the server namespace (AnyIP).
    ip -n $SRV route add local 198.18.0.0/15 dev lo
    ip -n $SRV -6 route add local 2001:db8:5ca0::/44 dev lo
    ip -n $CLI route add 198.18.0.0/15 via $DNS_ADDR
    ip -n $CLI -6 route add 2001:db8:5ca0::/44 via 2001:db8:5c::1
  fi
  if ip -n $SRV route show | grep -q '^default' || ip -n $CLI route show | grep -q '^default'; then
    echo "scale: refused: a default route appeared" >&2; down; exit 1
  fi

  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj "/CN=scale host" \
    -keyout "$STATE/key.pem" -out "$STATE/cert.pem" 2>/dev/null
  cat >"$STATE/hostd.json" <<JSON
{ "tlsKey": "$STATE/key.pem", "tlsCert": "$STATE/cert.pem", "readyFile": "$STATE/hostd.ready", "backlog": 8192,
  "listeners": [
    { "address": "::", "port": 80, "kind": "http", "name": "scale" },
    { "address": "::", "port": 443, "kind": "https", "name": "scale" },
    { "address": "::", "port": 25, "kind": "smtp-starttls", "name": "scale" } ] }
JSON
  cd "$repo"
  setsid ip netns exec $SRV node --import tsx "$here/../hostd.ts" "$STATE/hostd.json" >"$STATE/logs/hostd.log" 2>&1 &
  setsid ip netns exec $SRV node --import tsx "$here/dns-server.ts" --address $DNS_ADDR --port 53 --count "$count" \
    --workers "${SCALE_DNS_WORKERS:-1}" --ready-file "$STATE/dns.ready" >"$STATE/logs/dns.log" 2>&1 &
  for _ in $(seq 1 300); do
    [ -f "$STATE/hostd.ready" ] && [ -f "$STATE/dns.ready" ] && break
    sleep 0.1
  done
  if ! [ -f "$STATE/hostd.ready" ] || ! [ -f "$STATE/dns.ready" ]; then
    echo "scale: not ready after 30 s" >&2; tail -n 5 "$STATE"/logs/*.log >&2; down; exit 1
  fi
  echo "scale: $count domains; DNS $DNS_ADDR:53 in $SRV; run clients in $CLI"
}

case "${1:-}" in
  up) up "${2:-100000}" ;;
  down) down ;;
  *) echo "usage: scale.sh up [count] | down" >&2; exit 2 ;;
esac
