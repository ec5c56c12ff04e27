# lib.sh — sourced by the provisioning scripts: messages, apt, waiting. Not meant to be run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the scripts that source this file

PROVISION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$PROVISION_DIR/versions.env"
if [[ -n "${JRUNC_K8S_VERSION:-}" ]]; then K8S_VERSION=${JRUNC_K8S_VERSION#v}; fi
JRUNC_REPO=${JRUNC_REPO:-$(cd "$PROVISION_DIR/../.." && pwd)}
JRUNC_CGROUP_DRIVER=${JRUNC_CGROUP_DRIVER:-systemd}
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'provision: FAILED: %s\n' "$*" >&2; exit 1; }

need_root() { [[ $(id -u) == 0 ]] || die "run as root (vagrant's shell provisioner does)"; }

case "$JRUNC_CGROUP_DRIVER" in
  systemd | cgroupfs) ;;
  *) die "JRUNC_CGROUP_DRIVER must be systemd or cgroupfs, not $JRUNC_CGROUP_DRIVER" ;;
esac

APT_UPDATED=0
apt_install() {
  if ((!APT_UPDATED)); then
    apt-get update -qq
    APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND every 2 s until it succeeds.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs; i += 2)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 2
  done
  die "timed out after ${secs}s waiting for $what"
}

# The pids of our shims: their argv[0] is containerd-shim-jrunc-v2 (the launcher's `exec -a`); their process name
# (comm) is java's, so `pgrep -x` would not find them.
jrunc_shims() { pgrep -f '^containerd-shim-jrunc-v2 ' || true; }

# `ps --forest` of the given pids and everything below them.
forest_of() {
  local roots=" $* "
  ps -eo pid,ppid,pgid,sid,stat,args --forest | awk -v roots="$roots" '
    NR == 1 { print; next }
    index(roots, " " $1 " ") || ($2 in keep) { keep[$1] = 1; print }'
}
