#!/usr/bin/env bash
# build-images.sh [OUT.tar] — the two container images a pod needs here, built without any registry.
#
#   localhost/jrunc/pause:1.0     the sandbox ("pause") image: entrypoint /pause, a shell loop that only waits and
#                                 exits 0 on SIGTERM or SIGINT, as registry.k8s.io/pause does
#   localhost/jrunc/busybox:1.0   the application image: busybox, cmd ["sh"]
#
# Both are one and the same layer (busybox-static plus one symlink per applet, from busybox-rootfs.sh, and the
# /pause script); they differ only in their image config. The result is an OCI image layout in one tar file, the
# format `ctr images import` reads:
#
#   oci-layout                        {"imageLayoutVersion":"1.0.0"}
#   index.json                        one manifest per image, named by the annotation io.containerd.image.name
#   blobs/sha256/<digest>             the layer (an uncompressed tar), two configs, two manifests
#
# Every blob is named by the sha256 of its bytes, and the layer tar is built reproducibly (sorted, owner 0,
# mtime 0), so the same busybox always gives the same digests. Needs only bash, tar, sha256sum and a static
# busybox. Prints OUT's absolute path on stdout (default: shim/target/images/jrunc-images.tar); rebuilds only
# when busybox or this script changed.
#
# Environment: PAUSE_IMAGE, BUSYBOX_IMAGE (names), BUSYBOX (default /bin/busybox).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAUSE_IMAGE=${PAUSE_IMAGE:-localhost/jrunc/pause:1.0}
BUSYBOX_IMAGE=${BUSYBOX_IMAGE:-localhost/jrunc/busybox:1.0}
BUSYBOX=${BUSYBOX:-/bin/busybox}
export BUSYBOX
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log() { echo "build-images: $*" >&2; }
die() { echo "build-images: error: $*" >&2; exit 1; }

[[ $# -le 1 ]] || { echo "usage: $0 [OUT.tar]" >&2; exit 2; }
out=$(realpath -m -- "${1:-$SCRIPT_DIR/../target/images/jrunc-images.tar}")
[[ -x "$BUSYBOX" ]] || die "$BUSYBOX not found: apt-get install -y busybox-static"

# OCI platform names for the machine we run on (containerd only unpacks images of its own platform).
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac

# What the result depends on: a stamp next to OUT holds these, and a match means nothing to do.
inputs="$(sha256sum <"$BUSYBOX" | cut -d' ' -f1) $(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1) $(sha256sum <"$SCRIPT_DIR/busybox-rootfs.sh" | cut -d' ' -f1) $arch $PAUSE_IMAGE $BUSYBOX_IMAGE"
stamp="$out.inputs"
if [[ -f "$out" && -f "$stamp" && "$(cat "$stamp")" == "$inputs" ]]; then
  echo "$out"
  exit 0
fi

log "building $PAUSE_IMAGE and $BUSYBOX_IMAGE into $out"
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
blobs=$work/layout/blobs/sha256
mkdir -p "$blobs"

# Writes stdin as a blob; prints "<digest> <size>" (digest without the sha256: prefix).
put_blob() {
  local tmp=$work/blob.tmp digest
  cat >"$tmp"
  digest=$(sha256sum "$tmp" | cut -d' ' -f1)
  mv "$tmp" "$blobs/$digest"
  echo "$digest $(stat -c %s "$blobs/$digest")"
}

# 1. The layer: the busybox rootfs plus /pause, as a reproducible tar.
rootfs=$work/rootfs
"$SCRIPT_DIR/busybox-rootfs.sh" "$rootfs" >/dev/null
rm -f "$rootfs/.jrunc-busybox-rootfs"
cat >"$rootfs/pause" <<'EOF'
#!/bin/sh
# The pod sandbox's only process. It holds the pod's namespaces open and does nothing else; it exits 0 on SIGTERM
# or SIGINT, like registry.k8s.io/pause. `wait` (not a bare sleep) lets the trap run as soon as a signal comes.
trap 'exit 0' TERM INT
while :; do
  sleep 3600 &
  wait $!
done
EOF
chmod 0755 "$rootfs/pause"
read -r layer_digest layer_size < <(tar --sort=name --format=gnu --numeric-owner --owner=0 --group=0 --mtime=@0 \
  -C "$rootfs" -cf - . | put_blob)

# 2. One config and one manifest per image. diff_ids name the uncompressed layer: the same digest here.
config() {
  local process_json=$1
  printf '{"architecture":"%s","os":"linux","config":{"Env":["%s"],%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"jrunc shim/scripts/build-images.sh"}]}' \
    "$arch" "$PATH_ENV" "$process_json" "$layer_digest"
}
manifest() {
  local config_digest=$1 config_size=$2
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size"
}
# An index entry; containerd's import names the image after io.containerd.image.name.
index_entry() {
  local manifest_digest=$1 manifest_size=$2 name=$3
  printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}' \
    "$manifest_digest" "$manifest_size" "$arch" "$name" "${name##*:}"
}
image() {
  local name=$1 process_json=$2 c_digest c_size m_digest m_size
  read -r c_digest c_size < <(config "$process_json" | put_blob)
  read -r m_digest m_size < <(manifest "$c_digest" "$c_size" | put_blob)
  index_entry "$m_digest" "$m_size" "$name"
}
pause_entry=$(image "$PAUSE_IMAGE" '"Entrypoint":["/pause"]')
busybox_entry=$(image "$BUSYBOX_IMAGE" '"Cmd":["sh"]')

printf '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s]}' \
  "$pause_entry" "$busybox_entry" >"$work/layout/index.json"

# 3. The archive, then the stamp (last: an archive without a matching stamp is rebuilt).
tar --sort=name --format=gnu --numeric-owner --owner=0 --group=0 --mtime=@0 \
  -C "$work/layout" -cf "$work/images.tar" oci-layout index.json blobs
mv "$work/images.tar" "$out"
echo "$inputs" >"$stamp"
log "done: layer sha256:${layer_digest:0:12}… ($layer_size bytes)"
echo "$out"
