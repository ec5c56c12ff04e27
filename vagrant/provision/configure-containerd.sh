#!/usr/bin/env bash
# configure-containerd.sh — containerd's CRI plugin as kubelet needs it, with handler jrunc registered.
#
# 1. A full config: a missing or minimal /etc/containerd/config.toml (Debian's has the CNI folders only) becomes
#    `containerd config default` (the old one kept as config.toml.debian), with Debian's CNI folder /usr/lib/cni.
#    Its version is the containerd's: 2 for 1.6 and 1.7 (CRI in plugins."io.containerd.grpc.v1.cri"), 3 for 2.x
#    (runtimes and CNI in plugins."io.containerd.cri.v1.runtime", the pause image a pinned image of
#    plugins."io.containerd.cri.v1.images"); the keys below are found in either.
# 2. The cgroup driver, the same everywhere (JRUNC_CGROUP_DRIVER, default systemd, kubeadm's default for kubelet):
#    handler runc through its options (SystemdCgroup), handler jrunc through the TOML file CRI names to it
#    (/etc/containerd/jrunc-runc-options.toml); kubeadm-init.sh gives kubelet the same driver. Since Kubernetes 1.34
#    kubelet asks containerd 2.x for the driver (CRI RuntimeConfig), and containerd answers from runc-type handlers
#    only (the default one first): runc's SystemdCgroup is what kubelet follows, jrunc's must say the same.
# 3. The sandbox image kubeadm expects for this Kubernetes release (kubeadm's preflight warns otherwise).
# 4. register-jrunc.sh: RuntimeClass handler jrunc → runtime io.containerd.jrunc.v2 (the script CI tests): a block
#    in the config (version 2) or a drop-in conf.d/jrunc.toml (version 3).
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
CONTAINERD=${CONTAINERD:-containerd}

# set_key KEY VALUE: replace the value of every line `KEY = …` (the keys used here occur once in the full config).
set_key() {
  local key=$1 value=$2
  grep -qE "^[[:space:]]*$key = " "$CONFIG" || die "no $key in $CONFIG"
  sed -i -E "s|^([[:space:]]*$key = ).*|\\1$value|" "$CONFIG"
}

step "containerd's config ($CONFIG)"
runc_table='^[[:space:]]*\[plugins\.["'"'"']io\.containerd\.(grpc\.v1\.cri|cri\.v1\.runtime)["'"'"']\.containerd\.runtimes\.runc\]'
if ! grep -qE "$runc_table" "$CONFIG" 2>/dev/null; then
  if [[ -f "$CONFIG" && ! -e "$CONFIG.debian" ]]; then cp -p "$CONFIG" "$CONFIG.debian"; fi
  mkdir -p "$(dirname "$CONFIG")"
  "$CONTAINERD" config default >"$CONFIG.new"
  mv "$CONFIG.new" "$CONFIG"
  info "written from \`containerd config default\`$([[ -e "$CONFIG.debian" ]] && echo " (the original: $CONFIG.debian)")"
fi
version=$(awk '/^[[:space:]]*\[/ { exit } { gsub(/[[:space:]]/, "") } /^version=/ { print substr($0, 9); exit }' "$CONFIG")
info "configuration version ${version:-1} ($("$CONTAINERD" --version | awk '{ print "containerd " $3 }'))"
case "$version" in
  2) set_key bin_dir '"/usr/lib/cni"' ;;
  3) set_key bin_dirs "['/usr/lib/cni', '/opt/cni/bin']" ;;
  *) die "$CONFIG is a version ${version:-1} config: this script writes versions 2 and 3" ;;
esac
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

kubernetes=$(kubeadm version -o short 2>/dev/null || echo "v$K8S_VERSION")
pause=$(kubeadm config images list --kubernetes-version "$kubernetes" 2>/dev/null | grep '/pause:' | head -n 1)
[[ -n "$pause" ]] || die "kubeadm did not name a pause image for $kubernetes"
if [[ "$version" == 2 ]]; then set_key sandbox_image "\"$pause\""; else set_key sandbox "\"$pause\""; fi
info "sandbox image $pause (kubeadm's, for Kubernetes $kubernetes)"

step "registering handler jrunc (register-jrunc.sh)"
JRUNC_OPTIONS=$OPTIONS CONTAINERD=$CONTAINERD "$PROVISION_DIR/register-jrunc.sh" "$CONFIG"
if [[ "${JRUNC_CONFIG_ONLY:-0}" == 1 ]]; then
  info "JRUNC_CONFIG_ONLY=1: not restarting containerd"
  exit 0
fi

step "restarting containerd"
systemctl restart containerd
wait_for 60 "containerd to answer" ctr version
dump=$(containerd config dump | tr "'" '"')
sandbox_key=sandbox_image
if grep -qx 'version = 3' <<<"$dump"; then sandbox_key=sandbox; fi
for expected in "SystemdCgroup = $systemd" "$sandbox_key = \"$pause\"" 'runtime_type = "io.containerd.jrunc.v2"'; do
  grep -qF "$expected" <<<"$dump" || die "containerd's effective config lacks: $expected"
done
info "containerd $(ctr version 2>/dev/null | awk '/Server:/ { s = 1 } s && /Version:/ { print $2; exit }') is up with handler jrunc"

step "importing the workbook's images into namespace k8s.io"
ctr --namespace k8s.io images import /var/lib/jrunc/images.tar >/dev/null
ctr --namespace k8s.io images ls -q | grep '^localhost/jrunc/' | sed 's/^/    /'
