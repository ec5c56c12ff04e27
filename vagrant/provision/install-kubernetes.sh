#!/usr/bin/env bash
# install-kubernetes.sh — kubeadm, kubelet and kubectl, pinned, from the Kubernetes apt repository (pkgs.k8s.io has
# one repository per minor release), held so that apt upgrade leaves them alone. cri-tools (crictl) comes with
# kubeadm; /etc/crictl.yaml points it at containerd's socket.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

# K8S_VERSION is a minor release (1.35: its newest patch) or a full one (1.35.2: exactly that).
if [[ "$K8S_VERSION" =~ ^[0-9]+\.[0-9]+$ ]]; then minor=v$K8S_VERSION; else minor=v${K8S_VERSION%.*}; fi
package_version=""
[[ "$K8S_VERSION" =~ ^[0-9]+\.[0-9]+$ ]] || package_version=$K8S_VERSION-$K8S_PACKAGE_REVISION
step "Kubernetes $K8S_VERSION packages (repository $minor)"
installed=$(dpkg-query -W -f='${Version}' kubeadm 2>/dev/null || true)
if [[ -n "$installed" && ( "$installed" == "$package_version" || ( -z "$package_version" && "$installed" == "${minor#v}."* ) ) ]]; then
  info "kubeadm, kubelet and kubectl $installed are installed"
else
  mkdir -p /etc/apt/keyrings
  curl -fsSL "https://pkgs.k8s.io/core:/stable:/$minor/deb/Release.key" \
    | gpg --batch --yes --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
  echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/$minor/deb/ /" \
    >/etc/apt/sources.list.d/kubernetes.list
  apt-get update -qq
  if [[ -z "$package_version" ]]; then
    package_version=$(apt-cache madison kubeadm | awk '{ print $3 }' | sort -V | tail -n 1)
    [[ -n "$package_version" ]] || die "the $minor repository has no kubeadm"
  fi
  if ! apt-cache madison kubeadm | awk '{ print $3 }' | grep -qx "$package_version"; then
    die "kubeadm $package_version is not in the $minor repository; available: $(apt-cache madison kubeadm | awk '{ print $3 }' | head -n 5 | tr '\n' ' ')(set JRUNC_K8S_VERSION)"
  fi
  apt-mark unhold kubelet kubeadm kubectl >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends --allow-change-held-packages \
    "kubelet=$package_version" "kubeadm=$package_version" "kubectl=$package_version" >/dev/null
  apt-mark hold kubelet kubeadm kubectl >/dev/null
fi
info "$(kubeadm version -o short), kubelet $(kubelet --version | awk '{ print $2 }'), crictl $(crictl --version | awk '{ print $3 }')"

cat >/etc/crictl.yaml <<CRICTL
runtime-endpoint: unix:///run/containerd/containerd.sock
image-endpoint: unix:///run/containerd/containerd.sock
timeout: 30
CRICTL
