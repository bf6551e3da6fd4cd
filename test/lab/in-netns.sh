#!/usr/bin/env bash
# Runs a command inside a lab namespace with the cgroup tree mounted again:
# `ip netns exec` remounts /sys without it, and chDB reads its memory limit
# and use there (without it the store turns that reader off, services/runtime/chdb-cgroups.ts).
# Usage: in-netns.sh NS CMD...
set -euo pipefail
ns=$1
shift
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mounts='mount -t cgroup2 none /sys/fs/cgroup'
else
  mounts='mount -t tmpfs none /sys/fs/cgroup && mkdir -p /sys/fs/cgroup/memory && mount -t cgroup -o memory cgroup /sys/fs/cgroup/memory'
fi
exec ip netns exec "$ns" sh -c "{ $mounts; } 2>/dev/null; exec \"\$@\"" sh "$@"
