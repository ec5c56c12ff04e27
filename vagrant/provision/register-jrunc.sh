#!/usr/bin/env bash
# register-jrunc.sh [CONFIG] — make containerd's CRI plugin offer the runtime handler `jrunc` (our shim).
#
# So that a pod with `runtimeClassName: jrunc` (RuntimeClass handler jrunc) runs under containerd-shim-jrunc-v2,
# which containerd looks for on its PATH. The file's own `version` decides where the handler goes:
#
#   version 2 (containerd 1.6, 1.7; default /etc/containerd/config.toml is created as version 2 if missing): one
#   marked block in CONFIG itself,
#     [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jrunc]
#       runtime_type = "io.containerd.jrunc.v2"
#   Not a drop-in: 1.6 and 1.7 replace a whole plugin section with an imported one, so a drop-in holding only this
#   table would wipe the rest of the CRI settings. And declaring any runtime replaces CRI's built-in runtimes table
#   there, so if CONFIG declares none, the block also declares the default runtime (runc) again; otherwise every pod
#   without a RuntimeClass would fail.
#
#   version 3 (containerd 2.x): a drop-in, DROPIN (default conf.d/jrunc.toml beside CONFIG), with
#     [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.jrunc]
#       runtime_type = "io.containerd.jrunc.v2"
#   2.x merges drop-ins table by table, and keeps its built-in runc beside declared runtimes. CONFIG only gets DROPIN
#   added to its top-level `imports` if it does not import it yet (a one-line `imports = [...]` is extended; none is
#   added as a marked block).
#
# Run it again at any time: it rewrites its own block or drop-in and leaves the rest as it was (a second run changes
# nothing). To undo, delete the block (and the drop-in); the first change of CONFIG keeps the original as
# CONFIG.before-jrunc. Restart containerd afterwards (systemctl restart containerd).
#
# Checks the result with `containerd config dump` (the config exactly as containerd will read it) before and after
# writing, and refuses a config whose format it does not know (version 1) or that already declares the handler
# outside its block.
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
#   DROPIN             version 3 only: the drop-in to write (default: conf.d/jrunc.toml in CONFIG's folder)
set -euo pipefail

CONFIG=${1:-/etc/containerd/config.toml}
HANDLER=${HANDLER:-jrunc}
JRUNC_OPTIONS=${JRUNC_OPTIONS:-}
RUNTIME_TYPE=${RUNTIME_TYPE:-io.containerd.jrunc.v2}
SHIM_SEARCH_PATH=${SHIM_SEARCH_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
CONTAINERD=${CONTAINERD:-containerd}
CRI_V2='plugins."io.containerd.grpc.v1.cri"'
CRI_V3='plugins."io.containerd.cri.v1.runtime"'
BEGIN="# BEGIN $HANDLER: written by register-jrunc.sh (run it again to rewrite this block; delete the block to undo)"
END="# END $HANDLER"

log() { echo "register-jrunc: $*" >&2; }
die() { echo "register-jrunc: error: $*" >&2; exit 1; }

[[ $# -le 1 ]] || { echo "usage: $0 [CONFIG]" >&2; exit 2; }
[[ "$HANDLER" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "HANDLER must be a DNS label (RuntimeClass handler rules): $HANDLER"
[[ "$RUNTIME_TYPE" =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid RUNTIME_TYPE: $RUNTIME_TYPE"
[[ -z "$JRUNC_OPTIONS" || "$JRUNC_OPTIONS" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "JRUNC_OPTIONS must be an absolute path of plain characters: $JRUNC_OPTIONS"
command -v "$CONTAINERD" >/dev/null || die "containerd not found (CONTAINERD=$CONTAINERD)"

# The effective config, as containerd would read FILE. Fails on a file containerd cannot parse. containerd 2.x
# writes TOML strings and table names with single quotes, 1.x with double quotes: double quotes here, always.
dump() {
  local out
  out=$(cd / && "$CONTAINERD" --config "$1" config dump 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s\n' "$out" | tr "'" '"'
}

# Where CRI's runtimes are in a dump: containerd 2.x dumps version 3 (whatever the file's version), 1.x version 2.
runtimes_table_of() {
  if grep -qx 'version = 3' <<<"$1"; then echo "$CRI_V3.containerd"; else echo "$CRI_V2.containerd"; fi
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
case "$version" in
  2) CRI=$CRI_V2 ;;
  3) CRI=$CRI_V3 ;;
  *) die "$CONFIG is a version ${version:-1} config; this script knows version 2 (containerd 1.6, 1.7) and 3 (2.x)" ;;
esac

binary="containerd-shim-$(printf '%s' "$RUNTIME_TYPE" | awk -F. '{ print $(NF-1) "-" $NF }')"
work=$(mktemp "${CONFIG}.jrunc.XXXXXX")
trap 'rm -f "$work" "${dropin_work:-}"' EXIT
without_block "$CONFIG" >"$work"

if grep -qE "^[[:space:]]*\\[$(printf '%s' "$CRI" | sed 's/[].[]/\\&/g')\\.containerd\\.runtimes\\.\"?$HANDLER\"?\\]" "$work"; then
  die "$CONFIG already declares runtime $HANDLER outside this script's block; remove that table, or leave the config as it is"
fi

# The handler's tables, under the CRI plugin of the file's version.
handler_tables() {
  echo "# RuntimeClass handler \"$HANDLER\": containerd starts $binary (named after the runtime type's last two"
  echo "# parts), which it looks up on its PATH."
  echo "[$CRI.containerd.runtimes.$HANDLER]"
  echo "  runtime_type = \"$RUNTIME_TYPE\""
  if [[ -n "$JRUNC_OPTIONS" ]]; then
    echo "# CRI sends a non-runc runtime only its options table: as this path (ConfigPath), or, without one, the table"
    echo "# itself as TOML (config_body, 1.7+). The shim reads runc's options (SystemdCgroup, …) from it."
    echo "[$CRI.containerd.runtimes.$HANDLER.options]"
    echo "  ConfigPath = \"$JRUNC_OPTIONS\""
  fi
}

# check_dump DUMP: containerd sees the handler (and its options, and the default runtime) as intended.
check_dump() {
  local dumped=$1 table got
  table=$(runtimes_table_of "$dumped")
  got=$(printf '%s\n' "$dumped" | dumped_value "$table.runtimes.$HANDLER" runtime_type)
  [[ "$got" == "\"$RUNTIME_TYPE\"" ]] || { log "containerd sees runtime_type ${got:-nothing} for $HANDLER"; return 1; }
  if [[ -n "$JRUNC_OPTIONS" ]]; then
    got=$(printf '%s\n' "$dumped" | dumped_value "$table.runtimes.$HANDLER.options" ConfigPath)
    [[ "$got" == "\"$JRUNC_OPTIONS\"" ]] || { log "containerd sees ConfigPath ${got:-nothing} for $HANDLER"; return 1; }
  fi
  if [[ -n "$default_runtime" ]]; then
    got=$(printf '%s\n' "$dumped" | dumped_value "$table.runtimes.$default_runtime" runtime_type)
    [[ -n "$got" ]] || { log "the default runtime $default_runtime is gone"; return 1; }
  fi
}

default_runtime=$(printf '%s\n' "$before" | dumped_value "$(runtimes_table_of "$before")" default_runtime_name | tr -d '"' | head -n 1)
[[ -n "$default_runtime" ]] || die "no default_runtime_name in containerd's view of $CONFIG"

# install_file WORK TARGET: WORK becomes TARGET (keeping TARGET's mode; the first change of CONFIG keeps a copy).
install_file() {
  local from=$1 to=$2
  if [[ -e "$to" ]]; then
    if [[ "$to" == "$CONFIG" && ! -e "$CONFIG.before-jrunc" ]]; then cp -p "$CONFIG" "$CONFIG.before-jrunc"; fi
    chmod --reference="$to" "$from"
  else
    chmod 0644 "$from"
  fi
  mv "$from" "$to"
}

changed=()
if [[ "$version" == 2 ]]; then
  # Does the file (without our block) declare any CRI runtime? If not, CRI's built-in table (runc) is in force, and
  # our table would replace it (1.6, 1.7): declare the default runtime again, as containerd's defaults have it.
  redeclare_default=0
  if ! grep -qE '^[[:space:]]*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.' "$work"; then
    redeclare_default=1
  fi
  {
    echo
    echo "$BEGIN"
    if ((redeclare_default)); then
      echo "# The config declared no runtime, so CRI used its built-in \"$default_runtime\". Declaring $HANDLER below replaces"
      echo "# that built-in table; \"$default_runtime\" is declared again so that pods without a RuntimeClass keep working."
      echo "[$CRI.containerd.runtimes.$default_runtime]"
      echo "  runtime_type = \"io.containerd.runc.v2\""
    fi
    handler_tables
    echo "$END"
  } >>"$work"
  after=$(dump "$work") || die "the merged config does not parse (left $CONFIG unchanged)"
  check_dump "$after" || die "after the merge containerd does not see handler $HANDLER as intended (left $CONFIG unchanged)"
  if ! cmp -s "$work" "$CONFIG"; then
    install_file "$work" "$CONFIG"
    if ((redeclare_default)); then
      changed+=("$CONFIG (and the default runtime $default_runtime declared again)")
    else
      changed+=("$CONFIG")
    fi
  fi
else
  DROPIN=${DROPIN:-$(dirname "$CONFIG")/conf.d/$HANDLER.toml}
  [[ "$DROPIN" == /* ]] || DROPIN=$(cd "$(dirname "$DROPIN")" 2>/dev/null && pwd)/$(basename "$DROPIN")
  mkdir -p "$(dirname "$DROPIN")"
  dropin_work=$(mktemp "$(dirname "$DROPIN")/.jrunc.XXXXXX")
  {
    echo "# Written by register-jrunc.sh (run it again to rewrite this file; delete it, and its line in $CONFIG's"
    echo "# imports, to undo). containerd 2.x merges it into $CONFIG table by table."
    echo "version = 3"
    echo
    handler_tables
  } >"$dropin_work"
  # Does CONFIG import DROPIN already? Its top-level imports, as patterns relative to CONFIG's folder.
  imported=0
  imports=$(awk '/^[[:space:]]*\[/ { exit } /^[[:space:]]*imports[[:space:]]*=/ { print; exit }' "$work")
  if [[ -n "$imports" ]]; then
    [[ "$imports" == *"]"* ]] || die "$CONFIG's imports span several lines: add $DROPIN to them by hand, then run this again"
    while read -r pattern; do
      [[ -n "$pattern" ]] || continue
      [[ "$pattern" == /* ]] || pattern=$(dirname "$CONFIG")/$pattern
      # shellcheck disable=SC2053 # the pattern is a glob, on purpose (as containerd's imports are)
      if [[ "$DROPIN" == $pattern ]]; then imported=1; fi
    done < <(grep -oE "[\"'][^\"']*[\"']" <<<"${imports#*=}" | tr -d "\"'")
  fi
  if ((!imported)); then
    if [[ -n "$imports" ]]; then
      # imports = [] or imports = ["a", …]: ours first.
      sed -i -E "0,/^([[:space:]]*imports[[:space:]]*=[[:space:]]*\[)[[:space:]]*(\]?)/s||\1\"$DROPIN\"\2|" "$work"
      sed -i -E "0,/^([[:space:]]*imports[[:space:]]*=[[:space:]]*\[\"[^\"]*\")([^],])/s//\1, \2/" "$work"
    else
      # No imports at all: a marked line right after `version = 3` (top level, before any table).
      awk -v begin="$BEGIN" -v end="$END" -v dropin="$DROPIN" '
        { print }
        !done && /^[[:space:]]*version[[:space:]]*=/ { print begin; printf "imports = [\"%s\"]\n", dropin; print end; done = 1 }' \
        "$work" >"$work.new" && mv "$work.new" "$work"
    fi
  fi
  # Install, then check what containerd reads from the real files; put everything back if it is not right.
  config_before=$(mktemp "$CONFIG.jrunc-before.XXXXXX")
  dropin_before=$(mktemp "$CONFIG.jrunc-before.XXXXXX")
  trap 'rm -f "$work" "$dropin_work" "$config_before" "$dropin_before"' EXIT
  cp -p "$CONFIG" "$config_before"
  had_dropin=0
  if [[ -e "$DROPIN" ]]; then cp -p "$DROPIN" "$dropin_before"; had_dropin=1; fi
  if ! cmp -s "$work" "$CONFIG"; then install_file "$work" "$CONFIG"; changed+=("$CONFIG (imports $DROPIN)"); fi
  if ! cmp -s "$dropin_work" "$DROPIN"; then install_file "$dropin_work" "$DROPIN"; changed+=("$DROPIN"); fi
  if ! after=$(dump "$CONFIG") || ! check_dump "$after"; then
    cp -p "$config_before" "$CONFIG"
    if ((had_dropin)); then cp -p "$dropin_before" "$DROPIN"; else rm -f "$DROPIN"; fi
    die "containerd does not see handler $HANDLER as intended after the change: put $CONFIG and $DROPIN back as they were"
  fi
fi

if ((${#changed[@]} == 0)); then
  log "$CONFIG already registers handler $HANDLER → $RUNTIME_TYPE; nothing to change"
else
  log "registered handler $HANDLER → $RUNTIME_TYPE in ${changed[*]}"
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
