#!/usr/bin/env bash
# containerd-line-tour.sh DIR — what a shim meets on one containerd line, shown on a private containerd in DIR.
#
# The containerd is the system's, or the one in JRUNC_CONTAINERD_BIN (`./verify.sh containerd 2.1` fetches one). It
# runs one container under the Go shim and one under ours, and prints, for this line: what containerd hands the
# shim's `start` (its environment and stdin), what our `start` answered (read on its way to containerd by a tap, a
# wrapper around our launcher), what containerd keeps in the bundle, and what `-info` says where containerd asks
# it (2.x). Output is normalized (pids, hashes, folders) so that the workbook can show it: docs/src/expected/.
#
# Needs root, like every private containerd. Cleans up everything it made, also when it fails.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIM_DIR=$(realpath -m "${JRUNC_SHIM_DIR:-$SCRIPT_DIR/../target}")
LAUNCHER=$SHIM_DIR/containerd-shim-jrunc-v2
dir=${1:?usage: containerd-line-tour.sh DIR}
namespace=tour
[[ -x "$LAUNCHER" ]] || { echo "containerd-line-tour: build the shim first (./verify.sh build)" >&2; exit 2; }

mkdir -p "$(dirname "$dir")"
"$SCRIPT_DIR/private-containerd.sh" start "$dir" "$namespace" 2>"$dir.start.log" \
  || { cat "$dir.start.log" >&2; exit 1; }
rm -f "$dir.start.log"
stop() { "$SCRIPT_DIR/private-containerd.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "${tap:-}"; }
trap stop EXIT
eval "$("$SCRIPT_DIR/private-containerd.sh" env "$dir")"
rootfs=$("$SCRIPT_DIR/busybox-rootfs.sh" "$SCRIPT_DIR/../target/busybox-rootfs" 2>/dev/null | tail -n 1)
[[ -d "$rootfs" ]] || rootfs=$SCRIPT_DIR/../target/busybox-rootfs

# The tap: containerd runs it as our shim (an absolute runtime path); it hands everything to the launcher and keeps a
# copy of what `start` received and answered.
tap=$(mktemp -d /run/jrunc-tour.XXXXXX)
cat >"$tap/containerd-shim-jrunctap-v2" <<TAP
#!/bin/bash
if [[ \${*: -1} == start ]]; then
  env | grep -E '^(TTRPC_ADDRESS|GRPC_ADDRESS|NAMESPACE|MAX_SHIM_VERSION)=' | sort >"$tap/start.env"
  cat >"$tap/start.stdin"
  "$LAUNCHER" "\$@" <"$tap/start.stdin" >"$tap/start.out"
  rc=\$?
  cat "$tap/start.out"
  exit \$rc
fi
exec "$LAUNCHER" "\$@"
TAP
chmod 0755 "$tap/containerd-shim-jrunctap-v2"

ctr() { command ctr --namespace "$namespace" "$@"; }
normalize() {
  sed -E -e "s|$dir|<dir>|g" -e "s|$tap|<tap>|g" -e 's|/run/containerd/s/[0-9a-f]{64}|/run/containerd/s/<hash>|g' \
    -e "s|${JRUNC_CONTAINERD_BIN:-/nonexistent}/|<containerd's folder>/|g"
}
version=$(containerd --version | awk '{ print $3 }')

echo "containerd $version"
echo
for runtime in io.containerd.runc.v2 "$tap/containerd-shim-jrunctap-v2"; do
  case $runtime in io.containerd.runc.v2) id=go; name="the Go shim" ;; *) id=jrunc; name="jrunc (through the tap)" ;; esac
  ctr run -d --runtime "$runtime" --env PATH=/bin --rootfs "$rootfs" "$id" sleep 600 >/dev/null
  bundle=$JRUNC_CONTAINERD_STATE/io.containerd.runtime.v2.task/$namespace/$id
  echo "== $name: the bundle containerd keeps"
  for f in address bootstrap.json sandbox shim-binary-path; do
    [[ -f "$bundle/$f" ]] && printf '  %-16s %s\n' "$f" "$(head -c 200 "$bundle/$f")"
  done | normalize
  ctr task exec --exec-id e1 "$id" true
  ctr task kill --signal SIGKILL "$id"
  for _ in $(seq 1 100); do ctr task ls | grep -q "^$id .*STOPPED" && break; sleep 0.1; done
  ctr task rm "$id" >/dev/null 2>&1
  ctr container rm "$id"
done

echo
echo "== what containerd handed our start"
echo "  environment (of TTRPC_ADDRESS, GRPC_ADDRESS, NAMESPACE, MAX_SHIM_VERSION):"
sed 's/^/    /' "$tap/start.env" | normalize
echo "  stdin: $(wc -c <"$tap/start.stdin") bytes (no runtime options: ctr sends none to a shim given by path)"
echo "== what our start answered"
echo "  $(normalize <"$tap/start.out")"

echo
echo "== -info"
go_info=$(containerd-shim-runc-v2 -info </dev/null 2>&1 >/dev/null | head -n 1 || true)
if command ctr plugins inspect-runtime --help >/dev/null 2>&1; then
  for runtime in io.containerd.runc.v2 io.containerd.jrunc.v2; do
    echo "  ctr plugins inspect-runtime --runtime $runtime:"
    ctr plugins inspect-runtime --runtime "$runtime" | grep -E '^    "Name"|^        "Version"|"ociVersionMax"' | sed 's/^ */    /'
  done
else
  echo "  containerd $version has no ctr plugins inspect-runtime and never runs -info."
  echo "  its Go shim: $go_info"
fi
