#!/usr/bin/env bash
# kubeadm-init.sh — a single-node cluster: the kernel settings kubelet needs, a bridge CNI network for pods,
# `kubeadm init` with kubelet's cgroup driver set to JRUNC_CGROUP_DRIVER (the same as containerd's handlers), the
# control-plane taint removed so that pods run on this node, and a kubeconfig for root and vagrant.
# Does nothing if the cluster exists (/etc/kubernetes/admin.conf).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

step "kernel settings for kubelet and the pod network"
swapoff -a
sed -i -E '/^[^#].*[[:space:]]swap[[:space:]]/ s/^/# disabled for kubelet: /' /etc/fstab
printf 'overlay\nbr_netfilter\n' >/etc/modules-load.d/jrunc-k8s.conf
modprobe overlay
modprobe br_netfilter
printf 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n' \
  >/etc/sysctl.d/90-jrunc-k8s.conf
sysctl -q --system
info "swap off, overlay and br_netfilter loaded, ip_forward on"

step "the pod network: a bridge CNI config ($NODE_POD_SUBNET on cni0)"
mkdir -p /etc/cni/net.d
sed "s|@NODE_POD_SUBNET@|$NODE_POD_SUBNET|" "$PROVISION_DIR/cni-bridge.conflist" >/etc/cni/net.d/10-jrunc-bridge.conflist
info "/etc/cni/net.d/10-jrunc-bridge.conflist (plugins bridge, host-local, portmap from /usr/lib/cni)"

kubernetes=$(kubeadm version -o short)
step "kubeadm init (Kubernetes $kubernetes, kubelet cgroupDriver $JRUNC_CGROUP_DRIVER)"
if [[ -f /etc/kubernetes/admin.conf ]]; then
  info "the cluster exists already (/etc/kubernetes/admin.conf)"
else
  api=kubeadm.k8s.io/v1beta4
  minor=$(kubeadm version -o short | cut -d. -f2)
  if ((minor < 31)); then api=kubeadm.k8s.io/v1beta3; fi
  cat >/etc/kubernetes/jrunc-kubeadm.yaml <<KUBEADM
apiVersion: $api
kind: InitConfiguration
nodeRegistration:
  criSocket: unix:///run/containerd/containerd.sock
---
apiVersion: $api
kind: ClusterConfiguration
kubernetesVersion: $kubernetes
networking:
  podSubnet: $POD_NETWORK_CIDR
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: $JRUNC_CGROUP_DRIVER
KUBEADM
  kubeadm init --config /etc/kubernetes/jrunc-kubeadm.yaml
fi

mkdir -p /root/.kube /home/vagrant/.kube
cp /etc/kubernetes/admin.conf /root/.kube/config
cp /etc/kubernetes/admin.conf /home/vagrant/.kube/config
chown -R vagrant: /home/vagrant/.kube 2>/dev/null || true
export KUBECONFIG=/etc/kubernetes/admin.conf
kubectl taint nodes --all node-role.kubernetes.io/control-plane- >/dev/null 2>&1 || true
kubectl wait --for=condition=Ready node --all --timeout=300s
kubectl get nodes -o wide
