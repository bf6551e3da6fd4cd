#!/usr/bin/env bash
# `npm run image`: builds deploy/Containerfile into localhost/ipv6matrix:dev
# (and :<package version>) with podman, first building the base image offline
# when no registry provides it (deploy/base-image.sh). Podman's layer cache
# keeps a rebuild after a source change to the COPY layers: the dependency
# layers are rebuilt only when package.json, the lock file or the Containerfile
# change. Prints the image id on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/podman.sh

bash deploy/base-image.sh
version=$(node -p 'require("./package.json").version')
# --network host: the build's RUN steps (apt-get, npm install) reach the
# package mirrors as the host does, with no container network to set up.
# The host's CA bundle goes in as a build secret when its TLS goes through a
# proxy with a CA of its own (NODE_EXTRA_CA_CERTS or npm's cafile).
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
case "$ca" in null | undefined) ca="" ;; esac
if [ -z "$ca" ] || [ ! -f "$ca" ]; then
  ca=$(mktemp)
  trap 'rm -f "$ca"' EXIT
fi
pm build --network host --layers --secret "id=ca_bundle,src=$ca" -f deploy/Containerfile \
  -t localhost/ipv6matrix:dev -t "localhost/ipv6matrix:$version" . >&2
pm image inspect --format '{{.Id}}' localhost/ipv6matrix:dev
