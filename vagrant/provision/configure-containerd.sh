#!/usr/bin/env bash
# configure-containerd.sh — containerd's CRI plugin as kubelet needs it, with handler jrunc registered.
#
# 1. A full config: Debian ships a minimal /etc/containerd/config.toml (CNI folders only); it becomes
#    `containerd config default` (kept as config.toml.debian), with Debian's CNI folder /usr/lib/cni.
# 2. The cgroup driver, the same everywhere (JRUNC_CGROUP_DRIVER, default systemd, kubeadm's default for kubelet):
#    handler runc through its options (SystemdCgroup), handler jrunc through the TOML file CRI names to it
#    (/etc/containerd/jrunc-runc-options.toml); kubeadm-init.sh gives kubelet the same driver.
# 3. The sandbox image kubeadm expects for this Kubernetes release (kubeadm's preflight warns otherwise).
# 4. register-jrunc.sh: RuntimeClass handler jrunc → runtime io.containerd.jrunc.v2 (the script CI tests).
# 5. Restart containerd, then import the workbook's images (build-images.sh) into namespace k8s.io.
#
# For a test of steps 1-4 on other files (CI does this): JRUNC_CONTAINERD_CONFIG, JRUNC_RUNC_OPTIONS and
# JRUNC_CONFIG_ONLY=1 (stop before the restart).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

CONFIG=${JRUNC_CONTAINERD_CONFIG:-/etc/containerd/config.toml}
OPTIONS=${JRUNC_RUNC_OPTIONS:-/etc/containerd/jrunc-runc-options.toml}
CRI='plugins."io.containerd.grpc.v1.cri"'

# set_key KEY VALUE: replace the value of every line `KEY = …` (the keys used here occur once in the full config).
set_key() {
  local key=$1 value=$2
  grep -qE "^[[:space:]]*$key = " "$CONFIG" || die "no $key in $CONFIG"
  sed -i -E "s|^([[:space:]]*$key = ).*|\\1$value|" "$CONFIG"
}

step "containerd's config ($CONFIG)"
if ! grep -qF "[$CRI.containerd.runtimes.runc]" "$CONFIG" 2>/dev/null; then
  if [[ -f "$CONFIG" && ! -e "$CONFIG.debian" ]]; then cp -p "$CONFIG" "$CONFIG.debian"; fi
  containerd config default >"$CONFIG.new"
  mv "$CONFIG.new" "$CONFIG"
  info "written from \`containerd config default\` (Debian's original: $CONFIG.debian)"
fi
set_key bin_dir '"/usr/lib/cni"'
set_key conf_dir '"/etc/cni/net.d"'

systemd=false
if [[ "$JRUNC_CGROUP_DRIVER" == systemd ]]; then systemd=true; fi
set_key SystemdCgroup "$systemd"
cat >"$OPTIONS" <<OPTIONS
# runc's options for containerd-shim-jrunc-v2, read by the shim: CRI passes a runtime whose type is not runc's only
# the path of this file (runtimeoptions.v1.Options.config_path). Keep it in line with kubelet's cgroupDriver.
SystemdCgroup = $systemd
OPTIONS
info "cgroup driver $JRUNC_CGROUP_DRIVER: runc's SystemdCgroup = $systemd, and the same in $OPTIONS for jrunc"

pause=$(kubeadm config images list --kubernetes-version "v$K8S_VERSION" 2>/dev/null | grep '/pause:' | head -n 1)
[[ -n "$pause" ]] || die "kubeadm did not name a pause image for v$K8S_VERSION"
set_key sandbox_image "\"$pause\""
info "sandbox image $pause (kubeadm's, for Kubernetes v$K8S_VERSION)"

step "registering handler jrunc (register-jrunc.sh)"
JRUNC_OPTIONS=$OPTIONS "$PROVISION_DIR/register-jrunc.sh" "$CONFIG"
if [[ "${JRUNC_CONFIG_ONLY:-0}" == 1 ]]; then
  info "JRUNC_CONFIG_ONLY=1: not restarting containerd"
  exit 0
fi

step "restarting containerd"
systemctl restart containerd
wait_for 60 "containerd to answer" ctr version
dump=$(containerd config dump)
for expected in "SystemdCgroup = $systemd" "sandbox_image = \"$pause\"" 'runtime_type = "io.containerd.jrunc.v2"'; do
  grep -qF "$expected" <<<"$dump" || die "containerd's effective config lacks: $expected"
done
info "containerd $(ctr version 2>/dev/null | awk '/Server:/ { s = 1 } s && /Version:/ { print $2; exit }') is up with handler jrunc"

step "importing the workbook's images into namespace k8s.io"
ctr --namespace k8s.io images import /var/lib/jrunc/images.tar >/dev/null
ctr --namespace k8s.io images ls -q | grep '^localhost/jrunc/' | sed 's/^/    /'
