#!/usr/bin/env bash
# install-containerd.sh — containerd CONTAINERD_VERSION (provision/versions.env), the way containerd's own
# getting-started guide installs it: the release archive (checked against the .sha256sum file the release publishes
# beside it) unpacked into /usr/local, and the project's containerd.service of the same tag (checked against the
# digest pinned in versions.env) in /usr/local/lib/systemd/system. runc and the CNI plugins come from Debian
# (install-packages.sh). Debian's own containerd package is not installed: its 2.x is in no stable release.
# Does nothing if that version is installed and running.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

case "$(dpkg --print-architecture)" in
  amd64) arch=amd64 ;;
  arm64) arch=arm64 ;;
  *) die "containerd publishes release archives for amd64 and arm64 only, not $(dpkg --print-architecture)" ;;
esac
archive=containerd-$CONTAINERD_VERSION-linux-$arch.tar.gz
release=https://github.com/containerd/containerd/releases/download/v$CONTAINERD_VERSION
unit=/usr/local/lib/systemd/system/containerd.service

step "containerd $CONTAINERD_VERSION (release archive, $arch)"
if [[ -x /usr/local/bin/containerd ]] && [[ "$(/usr/local/bin/containerd --version | awk '{ print $3 }')" == "v$CONTAINERD_VERSION" ]]; then
  info "/usr/local/bin/containerd is $CONTAINERD_VERSION already"
else
  if dpkg-query -W -f='${Status}' containerd 2>/dev/null | grep -q 'install ok installed'; then
    die "Debian's containerd package is installed: remove it first (apt-get remove containerd), this VM runs $CONTAINERD_VERSION"
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  curl -fsSL -o "$work/$archive" "$release/$archive"
  curl -fsSL -o "$work/$archive.sha256sum" "$release/$archive.sha256sum"
  (cd "$work" && sha256sum --check --strict "$archive.sha256sum" >/dev/null) \
    || die "$archive does not match the checksum published with the release"
  tar -C /usr/local -xzf "$work/$archive"
  info "$(/usr/local/bin/containerd --version) in /usr/local/bin"
fi

mkdir -p "$(dirname "$unit")"
if [[ "$(sha256sum "$unit" 2>/dev/null | cut -d' ' -f1)" != "$CONTAINERD_SERVICE_SHA256" ]]; then
  curl -fsSL -o "$unit.new" "https://raw.githubusercontent.com/containerd/containerd/v$CONTAINERD_VERSION/containerd.service"
  echo "$CONTAINERD_SERVICE_SHA256  $unit.new" | sha256sum --check --strict >/dev/null \
    || { rm -f "$unit.new"; die "containerd.service of v$CONTAINERD_VERSION does not have the digest pinned in versions.env"; }
  mv "$unit.new" "$unit"
fi
systemctl daemon-reload
systemctl enable --now containerd >/dev/null 2>&1
wait_for 60 "containerd to answer" ctr version
info "containerd.service: $(systemctl is-active containerd), $unit"
