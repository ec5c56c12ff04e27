#!/usr/bin/env bash
# private-containerd.sh — a throw-away containerd of our own, for tests, the demo and the labs.
#
#   private-containerd.sh start   DIR [NAMESPACE]   start one (namespace default: jrunc)
#   private-containerd.sh stop    DIR               stop it and remove everything it made (safe to repeat)
#   private-containerd.sh env     DIR               print `export` lines: eval "$(private-containerd.sh env DIR)"
#   private-containerd.sh restart DIR               start containerd again on the same config (after kill -9)
#   private-containerd.sh status  DIR               exit 0 and print the pid if it is running
#
# Why a private one: the workbook must never disturb a containerd the machine already runs, and every test
# must start from nothing. So DIR holds containerd's root, state, sockets, config and log; the only things a
# containerd 1.6 and its shims put elsewhere are fixed paths we cannot configure:
#   /run/containerd/s/<sha256>        shim sockets (sha256 of "<grpc address>/<namespace>/<id>")
#   /run/containerd/runc/<namespace>  runc state of the Go runc shim (--root)
#   /sys/fs/cgroup/…/<namespace>/<id> cgroups that ctr asks runc to create
#   /run/containerd/fifo/<random>/    ctr's stdio fifos (ctr run --fifo-dir DIR/… avoids them)
# `stop` cleans those too, but only the entries that provably belong to DIR: runc state whose bundle lies in
# DIR, sockets and fifos that our shims hold or that our bundles name, processes whose command line names
# DIR/containerd.sock. The folders /run/containerd/{s,runc,fifo} themselves stay: they are shared.
#
# Keep DIR short: unix socket paths must stay below 108 bytes (DIR/containerd.sock.ttrpc is the longest).
#
# Environment:
#   JRUNC_SHIM_DIR   directory put first on containerd's PATH, so runtime io.containerd.jrunc.v2 resolves to
#                    JRUNC_SHIM_DIR/containerd-shim-jrunc-v2 (default: <repo>/shim/target)
#   JRUNC_CONTAINERD_BIN  a folder with another containerd, its ctr and its containerd-shim-runc-v2 (e.g. one that
#                    `verify.sh containerd 2.1` unpacked): used instead of those on PATH, and put on containerd's
#                    PATH right after JRUNC_SHIM_DIR so that io.containerd.runc.v2 is that line's Go shim too.
#                    Recorded at start: stop, restart and env keep using the same binaries.
#   CRI=1            keep the CRI plugin enabled (off by default: it is slow to start and not needed by ctr),
#                    with CRI handlers runc and jrunc, the sandbox image SANDBOX_IMAGE, CNI folders under DIR/cni,
#                    and the images of build-images.sh imported into namespace k8s.io (no registry is needed)
#   CRI_JRUNC=0      with CRI=1: leave handler jrunc out of the config (to test a registration script on it)
#   CRI_DEFAULT_RUNTIME  with CRI=1: the handler for pods that name none (default runc). A kubelet without an API
#                    server cannot look up a RuntimeClass, so its pods all run under this one (jrunc: our shim)
#   CRI_IMAGES       the OCI archive to import (default: built by build-images.sh into <repo>/shim/target/images)
#   SANDBOX_IMAGE    the sandbox ("pause") image CRI starts every pod with (default localhost/jrunc/pause:1.0)
#   LOG_LEVEL        containerd's log level (default info; debug also makes containerd pass -debug to shims)
#   START_TIMEOUT    seconds to wait for containerd to answer (default 20)
#
# Messages go to stderr so that callers can keep stdout clean (only `env` and `status` print on stdout).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEFAULT_SHIM_DIR=$(realpath -m "$SCRIPT_DIR/../target")
# Both constants are compiled into containerd 1.6 and the runc v2 shim; they are not configurable.
SHIM_SOCKET_DIR=/run/containerd/s
RUNC_STATE_ROOT=/run/containerd/runc
SYSTEM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# containerd and ctr: the system's, or those of JRUNC_CONTAINERD_BIN (use_binaries sets them for one DIR).
CONTAINERD=containerd
CTR=ctr
CONTAINERD_BIN=""

log() { echo "private-containerd: $*" >&2; }
die() { echo "private-containerd: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------------------------
# Paths and records

# Absolute, normalised DIR. Restricted characters keep it safe inside TOML strings and our greps.
resolve_dir() {
  local d=$1
  [[ -n "$d" ]] || die "DIR is empty"
  d=$(realpath -m -- "$d")
  [[ "$d" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "DIR must use only letters, digits and . _ - / (got: $d)"
  case "$d" in
    / | /run | /run/containerd* | /var | /var/lib | /var/lib/containerd* | /tmp | /root | /home | /usr* | /etc* | /bin* | /sbin* | /lib* | /proc* | /sys* | /dev*)
      die "refusing DIR=$d: use a folder of its own, e.g. /run/jrunc/NAME" ;;
  esac
  local longest="$d/containerd.sock.ttrpc"
  ((${#longest} < 108)) || die "DIR is too long: $longest is ${#longest} bytes, unix sockets allow 107"
  echo "$d"
}

sock_of() { echo "$1/containerd.sock"; }

# The pid is only trusted while that process still is containerd running on DIR's config (pids get reused).
is_our_containerd() {
  local pid=$1 dir=$2
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline_has_pair "$pid" "$dir/config.toml" --config && is_alive "$pid"
}

recorded_pid() {
  local dir=$1 pid
  pid=$(cat "$dir/containerd.pid" 2>/dev/null) || return 1
  is_our_containerd "$pid" "$dir" || return 1
  echo "$pid"
}

# A zombie (state Z) counts as dead: pid 1 on some machines never reaps, and a zombie holds nothing.
is_alive() {
  local stat=""
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ -n "$stat" && "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# True if process PID has one of FLAGS followed by VALUE (or FLAG=VALUE) on its command line.
cmdline_has_pair() {
  local pid=$1 value=$2 prev="" arg flag
  shift 2
  local -a args=()
  { mapfile -t -d '' args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  for arg in "${args[@]}"; do
    for flag in "$@"; do
      [[ "$prev" == "$flag" && "$arg" == "$value" ]] && return 0
      [[ "$arg" == "$flag=$value" ]] && return 0
    done
    prev=$arg
  done
  return 1
}

# Live processes whose command line names our socket: the shims (-address SOCK) and stray ctr clients
# (--address SOCK, -a SOCK). Nothing else on the machine can carry this path.
pids_using_socket() {
  local sock=$1 p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    if cmdline_has_pair "$pid" "$sock" -address --address -a && is_alive "$pid"; then
      echo "$pid"
    fi
  done
  return 0
}

# Clients configured from a file inside DIR, such as a kubelet a test started with --config=DIR/kubelet/…: when the
# test's JVM died, nothing else stops them, and a kubelet would go on asking this containerd for pods.
pids_configured_in() {
  local dir=$1 p arg
  local -a args
  for p in /proc/[0-9]*; do
    { mapfile -t -d '' args <"$p/cmdline"; } 2>/dev/null || continue
    for arg in "${args[@]}"; do
      if [[ "$arg" == "--config=$dir/"* ]] && is_alive "${p#/proc/}"; then echo "${p#/proc/}"; break; fi
    done
  done
  return 0
}

# containerd processes started on DIR's config (also finds one whose pid file got lost).
containerd_pids() {
  local dir=$1 p
  for p in /proc/[0-9]*; do
    if is_our_containerd "${p#/proc/}" "$dir"; then echo "${p#/proc/}"; fi
  done
  return 0
}

answers() {
  local sock=$1
  [[ -S "$sock" ]] || return 1
  timeout 5 "$CTR" --address "$sock" --connect-timeout 2s version >/dev/null 2>&1
}

# Send SIG to PIDS, wait up to SECS for them to die; prints the survivors.
signal_and_wait() {
  local sig=$1 secs=$2; shift 2
  local pid left i
  for pid in "$@"; do kill "-$sig" "$pid" 2>/dev/null || true; done
  for ((i = 0; i < secs * 10; i++)); do
    left=()
    for pid in "$@"; do is_alive "$pid" && left+=("$pid"); done
    ((${#left[@]})) || return 0
    sleep 0.1
  done
  echo "${left[@]}"
}

# ---------------------------------------------------------------------------------------------------------------
# start

check_prerequisites() {
  [[ $(id -u) == 0 ]] || die "must run as root (containerd, runc and the shims need it)"
  local tool missing=()
  for tool in "$CONTAINERD" "$CTR" runc; do
    PATH="$PATH:$SYSTEM_PATH" command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}: apt-get install -y containerd runc"
}

# Which containerd and ctr serve DIR: those recorded when it started, else JRUNC_CONTAINERD_BIN, else PATH's.
use_binaries() {
  local dir=$1 bin=${JRUNC_CONTAINERD_BIN:-}
  if [[ -f "$dir/containerd-bin" ]]; then
    bin=$(cat "$dir/containerd-bin")
    if [[ ! -x "$bin/ctr" ]]; then
      log "the containerd this folder was started with ($bin) is gone; using the one on PATH"
      return 0
    fi
  fi
  if [[ -n "$bin" ]]; then
    bin=$(realpath -m -- "$bin")
    [[ -x "$bin/containerd" && -x "$bin/ctr" ]] || die "JRUNC_CONTAINERD_BIN=$bin has no executable containerd and ctr"
    CONTAINERD_BIN=$bin CONTAINERD=$bin/containerd CTR=$bin/ctr
  fi
}

# The major version of the containerd we run (1 or 2): it decides the configuration file's version.
containerd_major() {
  local v
  v=$("$CONTAINERD" --version 2>/dev/null | awk '{ print $3 }')
  v=${v#v}
  [[ "$v" =~ ^([0-9]+)\. ]] || die "cannot tell the version of $CONTAINERD (it says: $("$CONTAINERD" --version 2>&1 | head -n 1))"
  echo "${BASH_REMATCH[1]}"
}

write_config() {
  local dir=$1 cri=$2 level=$3
  if (($(containerd_major) >= 2)); then
    write_config_v3 "$dir" "$cri" "$level" >"$dir/config.toml.tmp"
  else
    write_config_v2 "$dir" "$cri" "$level" >"$dir/config.toml.tmp"
  fi
  mv "$dir/config.toml.tmp" "$dir/config.toml"
}

# containerd 1.6 and 1.7 read configuration version 2: CRI is one plugin, io.containerd.grpc.v1.cri.
write_config_v2() {
  local dir=$1 cri=$2 level=$3 disabled
  # Snapshotters that cannot work here only add log noise. (The v1 runtime must stay: 1.6's tasks service
  # refuses to load without it.)
  disabled='"io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"'
  [[ "$cri" == 1 ]] || disabled="\"io.containerd.grpc.v1.cri\", $disabled"
  cat <<EOF
# Written by shim/scripts/private-containerd.sh: a private containerd that keeps everything under $dir.
version = 2
root = "$dir/root"
state = "$dir/state"
oom_score = 0
disabled_plugins = [$disabled]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  level = "$level"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$dir/opt"
  # The deprecated v1 runtime (unused; ours is v2) would otherwise keep runc state in /run/containerd/runc.
  [plugins."io.containerd.runtime.v1.linux"]
    runtime_root = "$dir/runc-v1"
EOF
  [[ "$cri" == 1 ]] || return 0
  cat <<EOF

  [plugins."io.containerd.grpc.v1.cri"]
    # This machine refuses a negative oom_score_adj, which CRI would otherwise give to sandboxes.
    restrict_oom_score_adj = true
    # Network namespaces under our state dir instead of /var/run/netns.
    netns_mounts_under_state_dir = true
    # Built locally and imported at start (import_cri_images): CRI must never try to pull it.
    sandbox_image = "${SANDBOX_IMAGE:-localhost/jrunc/pause:1.0}"
    # The host's AppArmor (if any) is not ours to load profiles into.
    disable_apparmor = true
    # Our own CNI folders (empty: pods here use the host network), so the host's /etc/cni stays untouched.
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$dir/cni/bin"
      conf_dir = "$dir/cni/net.d"
    # Declaring any runtime replaces CRI's default table, so runc is declared again beside ours.
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "${CRI_DEFAULT_RUNTIME:-runc}"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
EOF
  [[ "${CRI_JRUNC:-1}" != 0 ]] || return 0
  cat <<EOF
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jrunc]
        runtime_type = "io.containerd.jrunc.v2"
EOF
}

# containerd 2.x reads configuration version 3 (it migrates a version 2 file at every start, with a warning).
# CRI is three plugins there: io.containerd.cri.v1.runtime (runtimes, CNI, sandboxes), io.containerd.cri.v1.images
# (the pause image is a pinned image) and io.containerd.grpc.v1.cri (the service itself).
write_config_v3() {
  local dir=$1 cri=$2 level=$3 disabled
  # 2.x has no aufs snapshotter and no v1 runtime any more.
  disabled='"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"'
  if [[ "$cri" != 1 ]]; then
    disabled="\"io.containerd.grpc.v1.cri\", \"io.containerd.cri.v1.runtime\", \"io.containerd.cri.v1.images\", $disabled"
  fi
  cat <<EOF
# Written by shim/scripts/private-containerd.sh: a private containerd that keeps everything under $dir.
version = 3
root = "$dir/root"
state = "$dir/state"
oom_score = 0
disabled_plugins = [$disabled]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  level = "$level"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$dir/opt"
  # NRI is on by default in 2.x: it would listen on /var/run/nri/nri.sock, one path for every containerd.
  [plugins."io.containerd.nri.v1.nri"]
    disable = true
    socket_path = "$dir/nri.sock"
EOF
  [[ "$cri" == 1 ]] || return 0
  cat <<EOF

  [plugins."io.containerd.cri.v1.images".pinned_images]
    # Built locally and imported at start (import_cri_images): CRI must never try to pull it.
    sandbox = "${SANDBOX_IMAGE:-localhost/jrunc/pause:1.0}"

  [plugins."io.containerd.cri.v1.runtime"]
    # This machine refuses a negative oom_score_adj, which CRI would otherwise give to sandboxes.
    restrict_oom_score_adj = true
    # Network namespaces under our state dir instead of /var/run/netns.
    netns_mounts_under_state_dir = true
    # The host's AppArmor (if any) is not ours to load profiles into.
    disable_apparmor = true
    # Our own CNI folders (empty: pods here use the host network), so the host's /etc/cni stays untouched.
    [plugins."io.containerd.cri.v1.runtime".cni]
      bin_dirs = ["$dir/cni/bin"]
      conf_dir = "$dir/cni/net.d"
    # Declaring any runtime replaces CRI's default table, so runc is declared again beside ours.
    [plugins."io.containerd.cri.v1.runtime".containerd]
      default_runtime_name = "${CRI_DEFAULT_RUNTIME:-runc}"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
EOF
  [[ "${CRI_JRUNC:-1}" != 0 ]] || return 0
  cat <<EOF
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.jrunc]
        runtime_type = "io.containerd.jrunc.v2"
EOF
}

# Launch containerd on DIR's existing config and wait until it answers.
launch() {
  local dir=$1 shim_dir sock timeout pid i
  shim_dir=$(cat "$dir/shim-dir")
  sock=$(sock_of "$dir")
  timeout=${START_TIMEOUT:-20}
  echo "---- containerd started by private-containerd.sh at $(date -Is)" >>"$dir/containerd.log"
  # setsid: a Ctrl-C meant for the caller must not reach containerd; the caller's cleanup stops it.
  # JRUNC_SHIM_DIR first on PATH: containerd resolves runtime io.containerd.jrunc.v2 through its PATH (and
  # JRUNC_CONTAINERD_BIN next: io.containerd.runc.v2 is then the Go shim that came with that containerd).
  # XDG_RUNTIME_DIR: where containerd unpacks a checkpoint for a restore (and never removes it); ours, not /tmp.
  mkdir -p "$dir/tmp"
  (
    cd "$dir"
    XDG_RUNTIME_DIR="$dir/tmp" PATH="$shim_dir:${CONTAINERD_BIN:+$CONTAINERD_BIN:}$PATH:$SYSTEM_PATH" \
      exec setsid "$CONTAINERD" --config "$dir/config.toml"
  ) </dev/null >>"$dir/containerd.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/containerd.pid"
  for ((i = 0; i < timeout * 5; i++)); do
    if answers "$sock"; then
      # setsid forks when it happens to be a process group leader: record the real containerd then.
      if ! is_our_containerd "$pid" "$dir"; then
        pid=$(containerd_pids "$dir" | head -n 1)
        [[ -n "$pid" ]] || die "containerd answers on $sock but its process was not found"
        echo "$pid" >"$dir/containerd.pid"
      fi
      return 0
    fi
    if ! is_alive "$pid"; then
      log "containerd exited during start-up; last lines of $dir/containerd.log:"
      tail -n 25 "$dir/containerd.log" >&2
      return 1
    fi
    sleep 0.2
  done
  log "containerd did not answer on $sock within ${timeout}s; last lines of $dir/containerd.log:"
  tail -n 25 "$dir/containerd.log" >&2
  return 1
}

# The sandbox and busybox images (build-images.sh, no registry) into namespace k8s.io, where CRI looks for them.
import_cri_images() {
  local dir=$1 images
  images=${CRI_IMAGES:-}
  if [[ -z "$images" ]]; then
    images=$("$SCRIPT_DIR/build-images.sh") || return 1
  fi
  [[ -f "$images" ]] || { log "no image archive at $images"; return 1; }
  log "importing $(basename "$images") into namespace k8s.io"
  timeout 60 "$CTR" --address "$(sock_of "$dir")" --namespace k8s.io images import "$images" >&2
}

cmd_start() {
  local dir ns shim_dir pid
  dir=$(resolve_dir "$1")
  ns=${2:-jrunc}
  [[ "$ns" =~ ^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$ ]] || die "invalid namespace: $ns"
  use_binaries "$dir"
  check_prerequisites
  if pid=$(recorded_pid "$dir"); then
    die "a containerd is already running for $dir (pid $pid); stop it first: $0 stop $dir"
  fi
  if [[ -d "$dir" && -n "$(ls -A "$dir")" ]]; then
    # Leftovers of an earlier run that was not stopped (a crashed test): clean them, but only if they are ours.
    [[ -f "$dir/config.toml" || -f "$dir/namespace" ]] \
      || die "$dir exists and was not made by this script; choose another DIR"
    log "cleaning up what an earlier run left in $dir"
    cmd_stop "$dir"
    CONTAINERD=containerd CTR=ctr CONTAINERD_BIN=""
    use_binaries "$dir"
  fi
  shim_dir=$(realpath -m "${JRUNC_SHIM_DIR:-$DEFAULT_SHIM_DIR}")
  [[ -x "$shim_dir/containerd-shim-jrunc-v2" ]] \
    || log "note: $shim_dir/containerd-shim-jrunc-v2 does not exist (yet): runtime io.containerd.jrunc.v2 will not resolve"

  log "starting $("$CONTAINERD" --version | awk '{ print "containerd " $3 }') in $dir (namespace $ns$([[ "${CRI:-0}" == 1 ]] && echo ", CRI plugin enabled"))"
  mkdir -p "$dir"
  chmod 0711 "$dir"
  echo "$ns" >"$dir/namespace"
  if [[ -n "$CONTAINERD_BIN" ]]; then echo "$CONTAINERD_BIN" >"$dir/containerd-bin"; fi
  echo "$shim_dir" >"$dir/shim-dir"
  [[ "${CRI_DEFAULT_RUNTIME:-runc}" =~ ^[A-Za-z0-9_-]+$ ]] || die "CRI_DEFAULT_RUNTIME is not a handler name: $CRI_DEFAULT_RUNTIME"
  write_config "$dir" "${CRI:-0}" "${LOG_LEVEL:-info}"
  # On any failure from here, leave nothing running: stop also cleans a partial start.
  if ! launch "$dir"; then
    cmd_stop "$dir" || true
    die "containerd did not start"
  fi
  if [[ "${CRI:-0}" == 1 ]] && ! import_cri_images "$dir"; then
    cmd_stop "$dir" || true
    die "could not import the CRI images"
  fi
  log "containerd is up: pid $(cat "$dir/containerd.pid"), address $(sock_of "$dir")"
}

cmd_restart() {
  local dir pid
  dir=$(resolve_dir "$1")
  use_binaries "$dir"
  [[ -f "$dir/config.toml" ]] || die "no config in $dir: use start"
  if pid=$(recorded_pid "$dir"); then
    log "stopping containerd pid $pid (SIGTERM; shims and containers keep running)"
    if [[ -n "$(signal_and_wait TERM 10 "$pid")" ]]; then
      [[ -z "$(signal_and_wait KILL 5 "$pid")" ]] || die "containerd pid $pid did not die"
    fi
  fi
  log "restarting containerd in $dir"
  launch "$dir" || die "containerd did not restart"
  log "containerd is up again: pid $(cat "$dir/containerd.pid")"
}

# ---------------------------------------------------------------------------------------------------------------
# stop

# Namespaces this containerd may have used: the recorded one, what containerd lists, and bundle folders.
namespaces_of() {
  local dir=$1 sock d
  {
    cat "$dir/namespace" 2>/dev/null || true
    sock=$(sock_of "$dir")
    if answers "$sock"; then timeout 10 "$CTR" --address "$sock" namespaces ls -q 2>/dev/null || true; fi
    for d in "$dir"/state/io.containerd.runtime.v2.task/*/; do [[ -d "$d" ]] && basename "$d"; done
  } | awk 'NF && !seen[$0]++'
}

# runc state entries (ROOT ID) whose bundle lies under DIR: runc records `bundle=<path>` in its state.json,
# which tells our containers apart from those of any other containerd using the same namespace name.
our_runc_containers() {
  local dir=$1 state bundle
  for state in "$RUNC_STATE_ROOT"/*/*/state.json; do
    [[ -f "$state" ]] || continue
    bundle=$(grep -oE '"bundle=[^"]*"' "$state" | head -n 1 | sed -e 's/^"bundle=//' -e 's/"$//')
    [[ "$bundle" == "$dir/"* ]] || continue
    echo "$(dirname "$(dirname "$state")") $(basename "$(dirname "$state")")"
  done
}

cgroup_paths_of_runc_state() {
  grep -oE '"cgroup_paths":\{[^}]*\}' "$1" 2>/dev/null | grep -oE '"/sys/fs/cgroup[^"]*"' | tr -d '"' || true
}

# Unix socket paths that process PID listens on (from /proc/net/unix, by the inodes of its fds).
sockets_of_pid() {
  local pid=$1 fd target inodes=()
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    [[ "$target" =~ ^socket:\[([0-9]+)\]$ ]] && inodes+=("${BASH_REMATCH[1]}")
  done
  ((${#inodes[@]})) || return 0
  awk -v list=" ${inodes[*]} " 'NR > 1 && NF >= 8 && index(list, " " $7 " ") { print $8 }' /proc/net/unix
}

# ctr's default FIFO folders (/run/containerd/fifo/<random>/) that process PID has open: a shim holds its
# container's stdio fifos until the task is deleted. (The testkit passes --fifo-dir DIR/fifo instead.)
fifo_dirs_of_pid() {
  local pid=$1 fd target
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    [[ "$target" =~ ^(/run/containerd/fifo/[0-9]+)/[^/]+$ ]] && echo "${BASH_REMATCH[1]}"
  done
  return 0
}

# Mount points at or under DIR, deepest first (mountinfo escapes blanks as \040 and so on).
mounts_under() {
  local dir=$1
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo \
    | while IFS= read -r m; do printf '%b\n' "$m"; done \
    | awk -F/ '{ print NF "\t" $0 }' | sort -rn -k1,1 | cut -f2- | awk '!seen[$0]++'
}

# Adds to cmd_stop's arrays `sockets` and `fifo_dirs` (bash functions see their caller's locals).
remember_sockets_and_fifos() {
  local pid
  for pid in "$@"; do
    mapfile -t -O "${#sockets[@]}" sockets < <(sockets_of_pid "$pid")
    mapfile -t -O "${#fifo_dirs[@]}" fifo_dirs < <(fifo_dirs_of_pid "$pid")
  done
}

cmd_stop() {
  local dir sock ns pid left failed=0 root id bundle_dir f p m addr round
  dir=$(resolve_dir "$1")
  sock=$(sock_of "$dir")
  local -a namespaces=() ids=() cgroups=() sockets=() logged=() pids=() mounts=() fifo_dirs=()

  if [[ ! -e "$dir" ]]; then
    # Nothing recorded; still make sure nothing is left running on that socket path.
    mapfile -t pids < <(pids_using_socket "$sock")
    if ((${#pids[@]})); then
      log "killing leftover processes of $sock: ${pids[*]}"
      signal_and_wait KILL 5 "${pids[@]}" >/dev/null || true
    fi
    log "nothing to clean at $dir"
    return 0
  fi
  # Never clean a folder this script did not make (a mistyped DIR must not be deleted).
  if [[ -n "$(ls -A "$dir")" && ! -e "$dir/namespace" && ! -e "$dir/config.toml" && ! -e "$dir/containerd.pid" ]]; then
    die "$dir was not made by this script (no namespace, config.toml or containerd.pid in it); not touching it"
  fi
  use_binaries "$dir"
  log "stopping the private containerd in $dir"
  mapfile -t pids < <(pids_configured_in "$dir")
  if ((${#pids[@]})); then
    log "stopping clients configured from $dir (a kubelet?): ${pids[*]}"
    left=$(signal_and_wait TERM 10 "${pids[@]}")
    # shellcheck disable=SC2086 # $left is a list of pids
    if [[ -n "$left" ]]; then signal_and_wait KILL 5 $left >/dev/null || true; fi
  fi
  mapfile -t namespaces < <(namespaces_of "$dir")
  # Before containerd deletes tasks: the shims still hold their sockets and ctr's fifos open.
  mapfile -t pids < <(pids_using_socket "$sock")
  if ((${#pids[@]})); then remember_sockets_and_fifos "${pids[@]}"; fi

  # 1. Ask containerd to kill and delete every task and container while it still answers.
  if answers "$sock"; then
    for ns in "${namespaces[@]}"; do
      local -a tasks=() containers=()
      mapfile -t tasks < <(timeout 10 "$CTR" --address "$sock" --namespace "$ns" task ls -q 2>/dev/null || true)
      for id in "${tasks[@]}"; do
        [[ -n "$id" ]] || continue
        log "killing and deleting task $ns/$id"
        timeout 10 "$CTR" --address "$sock" --namespace "$ns" task kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
        timeout 15 "$CTR" --address "$sock" --namespace "$ns" task rm --force "$id" >/dev/null 2>&1 \
          || log "ctr task rm $ns/$id failed; cleaning it by hand below"
      done
      mapfile -t containers < <(timeout 10 "$CTR" --address "$sock" --namespace "$ns" containers ls -q 2>/dev/null || true)
      for id in "${containers[@]}"; do
        [[ -n "$id" ]] || continue
        timeout 10 "$CTR" --address "$sock" --namespace "$ns" containers rm "$id" >/dev/null 2>&1 || true
      done
    done
  fi

  # Containers whose task was never deleted still have a bundle (and its shim's address) in our state dir.
  for bundle_dir in "$dir"/state/io.containerd.runtime.v2.task/*/*/; do
    [[ -d "$bundle_dir" ]] || continue
    ids+=("$(basename "$(dirname "$bundle_dir")")/$(basename "$bundle_dir")")
    if [[ -f "$bundle_dir/address" ]]; then
      addr=$(cat "$bundle_dir/address")
      sockets+=("${addr#unix://}")
    fi
  done

  # 2. Stop containerd: the pid we recorded, or any containerd running on our config file.
  mapfile -t pids < <({ recorded_pid "$dir" || true; containerd_pids "$dir"; } | awk 'NF && !seen[$0]++')
  if ((${#pids[@]})); then
    log "stopping containerd (pid ${pids[*]})"
    left=$(signal_and_wait TERM 10 "${pids[@]}")
    if [[ -n "$left" ]]; then
      log "containerd did not exit on SIGTERM; SIGKILL $left"
      # shellcheck disable=SC2086 # $left is a list of pids
      left=$(signal_and_wait KILL 5 $left)
      if [[ -n "$left" ]]; then log "could not kill containerd pid $left"; failed=1; fi
    fi
  fi

  # 3. runc state of our containers: kill their processes, then let runc delete its state and cgroups.
  while read -r root id; do
    [[ -n "$id" ]] || continue
    ns=$(basename "$root")
    ids+=("$ns/$id")
    mapfile -t -O "${#cgroups[@]}" cgroups < <(cgroup_paths_of_runc_state "$root/$id/state.json")
    log "runc: killing and deleting container $ns/$id"
    timeout 10 runc --root "$root" kill "$id" KILL >/dev/null 2>&1 || true
    timeout 10 runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    # If runc gave up, the entry is still provably ours (its bundle label): remove it.
    if [[ -e "$root/$id" ]]; then rm -rf --one-file-system "${root:?}/$id"; fi
    rmdir "$root" 2>/dev/null || true   # see below
  done < <(our_runc_containers "$dir")

  # The namespace folders go only when empty, i.e. when no other containerd has containers in them.
  for ns in "${namespaces[@]}"; do
    if [[ -n "$ns" && -d "$RUNC_STATE_ROOT/$ns" ]]; then rmdir "$RUNC_STATE_ROOT/$ns" 2>/dev/null || true; fi
  done

  # 4. Processes still in our containers' cgroups (runc could not kill them): kill them. Only cgroups named
  #    in runc state that is provably ours; the bundle-derived ones below are merely removed when empty.
  for p in "${cgroups[@]}"; do
    [[ -f "$p/cgroup.procs" ]] || continue
    mapfile -t pids < <(cat "$p/cgroup.procs" 2>/dev/null || true)
    if ((${#pids[@]})); then
      log "killing processes left in cgroup $p: ${pids[*]}"
      signal_and_wait KILL 5 "${pids[@]}" >/dev/null || true
    fi
  done
  local -A seen=()
  for f in "${ids[@]}"; do
    [[ -z "${seen[$f]:-}" ]] || continue
    seen[$f]=1
    for p in /sys/fs/cgroup/*/"$f" /sys/fs/cgroup/"$f"; do
      if [[ -d "$p" ]]; then cgroups+=("$p"); fi
    done
  done

  # 5. Shims (and ctr clients) of this containerd: the only processes whose command line names our socket.
  mapfile -t pids < <(pids_using_socket "$sock")
  if ((${#pids[@]})); then
    remember_sockets_and_fifos "${pids[@]}"
    log "killing shim/ctr processes of $sock: ${pids[*]}"
    left=$(signal_and_wait KILL 5 "${pids[@]}")
    if [[ -n "$left" ]]; then log "could not kill pid $left"; failed=1; fi
  fi

  # 6. Shim sockets: those named in bundles, those our shims listened on, and sha256(<sock>/<ns>/<id>).
  #    Only names of that exact form inside /run/containerd/s are ever removed.
  for f in "${ids[@]}"; do
    sockets+=("$SHIM_SOCKET_DIR/$(printf '%s' "$sock/$f" | sha256sum | cut -d' ' -f1)")
  done
  #    And those our shims said they served (their own log line in our containerd.log): a shim SIGKILLed after
  #    its container was removed leaves its socket file behind, as the Go shim does (containerd#11292).
  if [[ -f "$dir/containerd.log" ]]; then
    mapfile -t logged < <(grep -o "shim serving $SHIM_SOCKET_DIR/[0-9a-f]\{64\}" "$dir/containerd.log" | awk '{ print $3 }' | sort -u)
    sockets+=("${logged[@]}")
  fi
  for f in "${sockets[@]}"; do
    [[ "$f" =~ ^$SHIM_SOCKET_DIR/[0-9a-f]{64}$ ]] || continue
    # A per-pod jrunc shim's advertisement (/run/jrunc-shim/s/<its socket's name>), left by a SIGKILLed shim.
    if [[ -f "/run/jrunc-shim/s/${f##*/}" ]]; then
      log "removing pod shim advertisement /run/jrunc-shim/s/${f##*/}"
      rm -f "/run/jrunc-shim/s/${f##*/}"
    fi
    [[ -S "$f" ]] || continue
    log "removing shim socket $f"
    rm -f "$f"
  done

  # A shared-mode shim's advertisement (/run/jrunc-shim/<namespace><address, / as _>): ours has our address in it.
  for f in /run/jrunc-shim/*"${sock//\//_}"; do
    [[ -f "$f" ]] || continue
    log "removing shared shim advertisement $f"
    rm -f "$f"
  done

  # ctr's fifo folders that our shims held open, if they hold nothing but fifos.
  for f in "${fifo_dirs[@]}"; do
    [[ -d "$f" && -z "$(find "$f" -mindepth 1 ! -type p -print -quit)" ]] || continue
    log "removing ctr fifo folder $f"
    rm -rf "$f"
  done

  # 7. Mounts under DIR (bundle rootfs, CRI netns, a test's own), deepest first; lazily if busy.
  for ((round = 0; round < 5; round++)); do
    mapfile -t mounts < <(mounts_under "$dir")
    ((${#mounts[@]})) || break
    for m in "${mounts[@]}"; do
      log "unmounting $m"
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
  mapfile -t mounts < <(mounts_under "$dir")
  if ((${#mounts[@]})); then
    log "still mounted under $dir: ${mounts[*]}"
    failed=1
  fi

  # 8. Cgroups: our containers' (deepest first), then the namespace level unless another containerd still
  #    has containers in that namespace (rmdir refuses a cgroup that has processes or children anyway).
  for p in "${cgroups[@]}"; do
    if [[ -d "$p" ]]; then find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
  for ns in "${namespaces[@]}"; do
    [[ -n "$ns" && ! -e "$RUNC_STATE_ROOT/$ns" ]] || continue
    for p in /sys/fs/cgroup/*/"$ns" /sys/fs/cgroup/"$ns"; do
      if [[ -d "$p" ]]; then find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
    done
  done
  for p in "${cgroups[@]}"; do
    if [[ -d "$p" ]]; then log "cgroup still present (busy?): $p"; fi
  done

  # 9. Finally DIR itself (never crossing into a mount that refused to go), and its parent if now empty.
  if ((failed)); then
    log "not removing $dir: see above"
    return 1
  fi
  # --one-file-system does not stop at a bind mount of the same filesystem: never rm with anything mounted.
  if [[ -n "$(mounts_under "$dir")" ]]; then
    log "something got mounted under $dir meanwhile; not removing it"
    return 1
  fi
  rm -rf --one-file-system "$dir"
  if [[ "$(basename "$(dirname "$dir")")" == jrunc ]]; then rmdir "$(dirname "$dir")" 2>/dev/null || true; fi
  log "stopped and cleaned $dir"
}

# ---------------------------------------------------------------------------------------------------------------

cmd_env() {
  local dir ns pid
  dir=$(resolve_dir "$1")
  [[ -f "$dir/namespace" ]] || die "no private containerd in $dir (start it first)"
  ns=$(cat "$dir/namespace")
  pid=$(recorded_pid "$dir" || true)
  printf 'export CONTAINERD_ADDRESS=%q\n' "$(sock_of "$dir")"
  printf 'export CONTAINERD_NAMESPACE=%q\n' "$ns"
  printf 'export JRUNC_CONTAINERD_DIR=%q\n' "$dir"
  printf 'export JRUNC_CONTAINERD_TTRPC_ADDRESS=%q\n' "$(sock_of "$dir").ttrpc"
  printf 'export JRUNC_CONTAINERD_STATE=%q\n' "$dir/state"
  printf 'export JRUNC_CONTAINERD_LOG=%q\n' "$dir/containerd.log"
  printf 'export JRUNC_CONTAINERD_PID=%q\n' "$pid"
  printf 'export JRUNC_SHIM_DIR=%q\n' "$(cat "$dir/shim-dir" 2>/dev/null || echo "$DEFAULT_SHIM_DIR")"
  use_binaries "$dir"
  if [[ -n "$CONTAINERD_BIN" ]]; then
    printf 'export JRUNC_CONTAINERD_BIN=%q\n' "$CONTAINERD_BIN"
    # shellcheck disable=SC2016 # $PATH is expanded by the caller's eval, not here
    printf 'export PATH=%q:"$PATH"\n' "$CONTAINERD_BIN"
  fi
}

cmd_status() {
  local dir pid
  dir=$(resolve_dir "$1")
  use_binaries "$dir"
  if pid=$(recorded_pid "$dir") && answers "$(sock_of "$dir")"; then
    echo "$pid"
    return 0
  fi
  log "no running private containerd in $dir"
  return 1
}

[[ $# -ge 2 ]] || usage
case "$1" in
  start) [[ $# -le 3 ]] || usage; cmd_start "$2" "${3:-}" ;;
  stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
  env) [[ $# -eq 2 ]] || usage; cmd_env "$2" ;;
  restart) [[ $# -eq 2 ]] || usage; cmd_restart "$2" ;;
  status) [[ $# -eq 2 ]] || usage; cmd_status "$2" ;;
  *) usage ;;
esac
