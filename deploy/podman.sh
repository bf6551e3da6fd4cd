# Sourced by the image scripts: podman as it works on the project's machines
# (hybrid cgroups): runc rather than crun, cgroupfs rather than systemd, and no
# default ulimits (the kernel refuses them there). Installs podman, runc and
# debootstrap with apt-get when root and they are missing.

pm_setup() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "missing: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
      return 1
    fi
    echo "== installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  fi
  local conf=/etc/containers/containers.conf
  if [ "$(id -u)" = 0 ] && ! grep -q '^default_ulimits *= *\[\]' "$conf" 2>/dev/null; then
    mkdir -p /etc/containers
    if grep -q '^\[containers\]' "$conf" 2>/dev/null; then
      sed -i '/^\[containers\]/a default_ulimits = []' "$conf"
    else
      printf '[containers]\ndefault_ulimits = []\n' >>"$conf"
    fi
  fi
}

pm() {
  podman --runtime runc --cgroup-manager cgroupfs "$@"
}

pm_setup
