#!/usr/bin/env bash
# register-jrunc.sh [CONFIG] — make containerd's CRI plugin offer the runtime handler `jrunc` (our shim).
#
# Adds to CONFIG (default /etc/containerd/config.toml; created as `version = 2` if missing) one marked block:
#
#   [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jrunc]
#     runtime_type = "io.containerd.jrunc.v2"
#
# so that a pod with `runtimeClassName: jrunc` (RuntimeClass handler jrunc) runs under containerd-shim-jrunc-v2,
# which containerd looks for on its PATH. Run it again at any time: it rewrites its own block and leaves the rest
# of the file as it was (a second run changes nothing). Delete the block to undo; the first change also keeps the
# original as CONFIG.before-jrunc. Restart containerd afterwards (systemctl restart containerd).
#
# Why not a drop-in file under `imports`: containerd 1.6 replaces a whole plugin section with an imported one, so a
# drop-in holding only this table would wipe the rest of the CRI settings. And one more trap this script handles:
# declaring any runtime replaces CRI's built-in runtimes table, so if CONFIG declares none, the block also declares
# the default runtime (runc) again; otherwise every pod without a RuntimeClass would fail.
#
# Checks the result with `containerd config dump` (the config exactly as containerd will read it) before and after
# writing, and refuses a config whose format it does not know (containerd 2.x's version 3) or that already declares
# the handler outside the block.
#
# Environment:
#   HANDLER            the CRI handler name (default jrunc; RuntimeClass.handler must match it)
#   RUNTIME_TYPE       the containerd runtime (default io.containerd.jrunc.v2 → binary containerd-shim-jrunc-v2)
#   JRUNC_OPTIONS      a TOML file with runc's options for the shim (e.g. `SystemdCgroup = true`), passed as the
#                      handler's options.ConfigPath: for a runtime type other than runc's, CRI sends the shim only
#                      this path (runtimeoptions.v1.Options), and the shim reads runc's options from the file
#   SHIM_SEARCH_PATH   where containerd will look for the shim, for a warning if it is not there (default: the PATH
#                      systemd gives containerd.service)
#   CONTAINERD         the containerd binary (default: containerd on PATH)
set -euo pipefail

CONFIG=${1:-/etc/containerd/config.toml}
HANDLER=${HANDLER:-jrunc}
JRUNC_OPTIONS=${JRUNC_OPTIONS:-}
RUNTIME_TYPE=${RUNTIME_TYPE:-io.containerd.jrunc.v2}
SHIM_SEARCH_PATH=${SHIM_SEARCH_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
CONTAINERD=${CONTAINERD:-containerd}
CRI='plugins."io.containerd.grpc.v1.cri"'
BEGIN="# BEGIN $HANDLER: written by register-jrunc.sh (run it again to rewrite this block; delete the block to undo)"
END="# END $HANDLER"

log() { echo "register-jrunc: $*" >&2; }
die() { echo "register-jrunc: error: $*" >&2; exit 1; }

[[ $# -le 1 ]] || { echo "usage: $0 [CONFIG]" >&2; exit 2; }
[[ "$HANDLER" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "HANDLER must be a DNS label (RuntimeClass handler rules): $HANDLER"
[[ "$RUNTIME_TYPE" =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid RUNTIME_TYPE: $RUNTIME_TYPE"
[[ -z "$JRUNC_OPTIONS" || "$JRUNC_OPTIONS" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "JRUNC_OPTIONS must be an absolute path of plain characters: $JRUNC_OPTIONS"
command -v "$CONTAINERD" >/dev/null || die "containerd not found (CONTAINERD=$CONTAINERD)"

# The effective config, as containerd would read FILE. Fails on a file containerd cannot parse.
dump() {
  local out
  out=$(cd / && "$CONTAINERD" --config "$1" config dump 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s\n' "$out"
}

# The value of KEY in TOML table TABLE (exact header text) of a `config dump`: one line per match.
dumped_value() {
  local table=$1 key=$2
  awk -v hdr="[$table]" -v key="$key" '
    { line = $0; sub(/^[ \t]+/, "", line) }
    line == hdr { inside = 1; next }
    inside && substr(line, 1, 1) == "[" { inside = 0 }
    inside && index(line, key " = ") == 1 { print substr(line, length(key) + 4) }'
}

# FILE without our block, and without blank lines at its end (the block brings its own blank line).
without_block() {
  awk -v begin="$BEGIN" -v end="$END" '
    $0 == begin { skipping = 1; next }
    skipping { if ($0 == end) skipping = 0; next }
    $0 == "" { blanks++; next }
    { while (blanks > 0) { print ""; blanks-- } print }' "$1"
}

if [[ ! -e "$CONFIG" ]]; then
  log "$CONFIG does not exist; starting from an empty version 2 config"
  mkdir -p "$(dirname "$CONFIG")"
  printf 'version = 2\n' >"$CONFIG"
fi
[[ -f "$CONFIG" ]] || die "$CONFIG is not a file"

before=$(dump "$CONFIG") || die "containerd cannot read $CONFIG as it is (see above); fix it first"
# The file's own top-level version (the dump would show a converted version 1 config as version 2).
version=$(awk '/^[[:space:]]*\[/ { exit } { gsub(/[[:space:]]/, "") } /^version=/ { print substr($0, 9); exit }' "$CONFIG")
[[ "$version" == 2 ]] || die "$CONFIG is a version ${version:-1} config; this script knows containerd 1.6/1.7's version 2 (CRI plugin io.containerd.grpc.v1.cri)"

work=$(mktemp "${CONFIG}.jrunc.XXXXXX")
trap 'rm -f "$work"' EXIT
without_block "$CONFIG" >"$work"

if grep -qE "^[[:space:]]*\\[$(printf '%s' "$CRI" | sed 's/[].[]/\\&/g')\\.containerd\\.runtimes\\.\"?$HANDLER\"?\\]" "$work"; then
  die "$CONFIG already declares runtime $HANDLER outside this script's block; remove that table, or leave the config as it is"
fi

# Does the file (without our block) declare any CRI runtime? If not, CRI's built-in table (runc) is in force, and
# our table would replace it: declare the default runtime again, as containerd's defaults have it.
default_runtime=$(printf '%s\n' "$before" | dumped_value "$CRI.containerd" default_runtime_name | tr -d '"' | head -n 1)
redeclare_default=0
if ! grep -qE '^[[:space:]]*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.' "$work"; then
  [[ -n "$default_runtime" ]] || die "no default_runtime_name in containerd's view of $CONFIG"
  redeclare_default=1
fi

binary="containerd-shim-$(printf '%s' "$RUNTIME_TYPE" | awk -F. '{ print $(NF-1) "-" $NF }')"
{
  echo
  echo "$BEGIN"
  if ((redeclare_default)); then
    echo "# The config declared no runtime, so CRI used its built-in \"$default_runtime\". Declaring $HANDLER below replaces"
    echo "# that built-in table; \"$default_runtime\" is declared again so that pods without a RuntimeClass keep working."
    echo "[$CRI.containerd.runtimes.$default_runtime]"
    echo "  runtime_type = \"io.containerd.runc.v2\""
  fi
  echo "# RuntimeClass handler \"$HANDLER\": containerd starts $binary (named after the runtime type's last two"
  echo "# parts), which it looks up on its PATH."
  echo "[$CRI.containerd.runtimes.$HANDLER]"
  echo "  runtime_type = \"$RUNTIME_TYPE\""
  if [[ -n "$JRUNC_OPTIONS" ]]; then
    echo "# CRI sends a non-runc runtime only this path; the shim reads runc's options (SystemdCgroup, …) from the file."
    echo "[$CRI.containerd.runtimes.$HANDLER.options]"
    echo "  ConfigPath = \"$JRUNC_OPTIONS\""
  fi
  echo "$END"
} >>"$work"

# What containerd will make of the result.
after=$(dump "$work") || die "the merged config does not parse (left $CONFIG unchanged)"
got=$(printf '%s\n' "$after" | dumped_value "$CRI.containerd.runtimes.$HANDLER" runtime_type)
[[ "$got" == "\"$RUNTIME_TYPE\"" ]] || die "after the merge containerd sees runtime_type ${got:-nothing} for $HANDLER (left $CONFIG unchanged)"
if [[ -n "$JRUNC_OPTIONS" ]]; then
  got=$(printf '%s\n' "$after" | dumped_value "$CRI.containerd.runtimes.$HANDLER.options" ConfigPath)
  [[ "$got" == "\"$JRUNC_OPTIONS\"" ]] || die "after the merge containerd sees ConfigPath ${got:-nothing} for $HANDLER (left $CONFIG unchanged)"
fi
if [[ -n "$default_runtime" ]]; then
  got=$(printf '%s\n' "$after" | dumped_value "$CRI.containerd.runtimes.$default_runtime" runtime_type)
  [[ -n "$got" ]] || die "after the merge the default runtime $default_runtime is gone (left $CONFIG unchanged)"
fi

if cmp -s "$work" "$CONFIG"; then
  log "$CONFIG already registers handler $HANDLER → $RUNTIME_TYPE; nothing to change"
else
  [[ -e "$CONFIG.before-jrunc" ]] || cp -p "$CONFIG" "$CONFIG.before-jrunc"
  chmod --reference="$CONFIG" "$work"
  mv "$work" "$CONFIG"
  log "registered handler $HANDLER → $RUNTIME_TYPE in $CONFIG$( ((redeclare_default)) && echo " (and declared the default runtime $default_runtime again)")"
  log "restart containerd to load it (systemctl restart containerd)"
fi

if ! PATH="$SHIM_SEARCH_PATH" command -v "$binary" >/dev/null; then
  log "warning: $binary is not in $SHIM_SEARCH_PATH: until it is, containerd fails pods of handler $HANDLER with"
  log "         \"failed to start shim: failed to resolve runtime path: runtime \"$RUNTIME_TYPE\" binary not installed \"$binary\"\""
  log "         (vagrant/provision/install-shim.sh puts a symlink in /usr/local/bin)"
fi
if [[ -n "$JRUNC_OPTIONS" && ! -f "$JRUNC_OPTIONS" ]]; then
  log "warning: $JRUNC_OPTIONS does not exist: the shim will fail to create containers until it does"
fi
