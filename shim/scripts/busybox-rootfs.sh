#!/usr/bin/env bash
# busybox-rootfs.sh DEST — make DEST a minimal container root filesystem for `ctr run --rootfs DEST …`.
#
# The machine has no image registry, so containers run from a plain folder: busybox-static's single binary
# (static, so it needs no libc inside the rootfs) plus one symlink per applet, the empty mount points runc
# expects (/proc, /sys, /dev, /tmp) and an /etc/passwd and /etc/group that know root.
#
# Idempotent and fast when DEST is already complete (a stamp file plus an identical /bin/busybox). Built in a
# temporary sibling folder and renamed into place, so a half-built rootfs is never seen and two callers at
# the same time do not trip over each other. Prints the absolute DEST on stdout, progress on stderr.
set -euo pipefail

usage() { echo "usage: $0 DEST" >&2; exit 2; }
[[ $# -eq 1 && -n "$1" ]] || usage

BUSYBOX=${BUSYBOX:-/bin/busybox}
# Applets the workbook's tests, labs and demo use; the build fails if busybox lacks one.
REQUIRED=(sh echo cat ps sleep ls id head dd wc true false mount hostname env yes tr sha256sum seq top)

dest=$(realpath -m -- "$1")
case "$dest" in
  / | /bin | /usr | /etc | /run | /tmp | /var | /root | /home) echo "busybox-rootfs: refusing DEST=$dest" >&2; exit 2 ;;
esac
stamp="$dest/.jrunc-busybox-rootfs"

if [[ ! -x "$BUSYBOX" ]]; then
  echo "busybox-rootfs: $BUSYBOX not found; install it with: apt-get install -y busybox-static" >&2
  exit 1
fi
# A dynamically linked busybox (Debian package "busybox") would not start inside a rootfs without libc.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "busybox-rootfs: $BUSYBOX is dynamically linked; install busybox-static (apt-get install -y busybox-static)" >&2
  exit 1
fi

complete() {
  local a
  [[ -f "$stamp" ]] && cmp -s "$BUSYBOX" "$dest/bin/busybox" || return 1
  for a in "${REQUIRED[@]}"; do [[ -L "$dest/bin/$a" ]] || return 1; done
}
if complete; then
  echo "$dest"
  exit 0
fi

# Never delete through a mount (someone may have bind-mounted DEST or something under it).
if [[ -e "$dest" ]] && awk -v d="$dest" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  echo "busybox-rootfs: something is mounted at or under $dest; not rebuilding it" >&2
  exit 1
fi

echo "busybox-rootfs: building $dest from $BUSYBOX" >&2
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT

chmod 0755 "$tmp"   # mktemp made it 0700; the container root must be traversable
mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,var/tmp,run}
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 0700 "$tmp/root"
cp "$BUSYBOX" "$tmp/bin/busybox"
chmod 0755 "$tmp/bin/busybox"

# All applets go into /bin as relative symlinks: one PATH entry is enough and `ls -l /bin` explains itself.
mapfile -t applets < <("$BUSYBOX" --list)
for a in "${applets[@]}"; do
  [[ "$a" == busybox || "$a" == */* ]] && continue
  ln -sf busybox "$tmp/bin/$a"
done
missing=()
for a in "${REQUIRED[@]}"; do
  [[ -L "$tmp/bin/$a" ]] || missing+=("$a")
done
if ((${#missing[@]})); then
  echo "busybox-rootfs: $BUSYBOX lacks applets: ${missing[*]}" >&2
  exit 1
fi
# Some programs (and people) look in the usual places.
ln -sf ../bin/sh "$tmp/usr/bin/sh"
ln -sf ../bin/env "$tmp/usr/bin/env"

cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo "jrunc" >"$tmp/etc/hostname"
: >"$tmp/etc/hosts"
: >"$tmp/etc/resolv.conf"
# The stamp goes in last: a rootfs without it is incomplete.
echo "busybox rootfs built by jrunc shim/scripts/busybox-rootfs.sh" >"$tmp/.jrunc-busybox-rootfs"

# Replace an incomplete or outdated DEST; if another caller finished first, keep theirs.
if [[ -e "$dest" ]]; then
  if complete; then
    echo "$dest"
    exit 0
  fi
  rm -rf --one-file-system "$dest"
fi
if ! mv -T "$tmp" "$dest" 2>/dev/null; then
  [[ -f "$stamp" ]] || { echo "busybox-rootfs: could not move $tmp to $dest" >&2; exit 1; }
fi
trap - EXIT
rm -rf --one-file-system "$tmp"
echo "$dest"
