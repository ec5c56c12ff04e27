#!/usr/bin/env bash
# provision.sh — the whole VM, in order; every step can run again (vagrant provision) and skips what is done.
#
#   install-packages.sh      runc, CNI plugins, JDK 21, Maven, busybox-static, JBang (Debian packages)
#   install-containerd.sh    containerd from its release archive and systemd unit (checksums checked)
#   install-shim.sh          build the shim, symlink it into /usr/local/bin, build the workbook's images
#   install-kubernetes.sh    kubeadm, kubelet, kubectl (pinned, held)
#   configure-containerd.sh  full CRI config, cgroup driver, sandbox image, register-jrunc.sh, restart, import images
#   kubeadm-init.sh          kernel settings, bridge CNI, kubeadm init, untaint, kubeconfig
#   demo.sh                  RuntimeClass jrunc and a pod with runtimeClassName: jrunc
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for script in install-packages install-containerd install-shim install-kubernetes configure-containerd kubeadm-init demo; do
  printf '\n######## %s\n' "$script.sh"
  bash "$dir/$script.sh"
done
printf '\nThe jrunc VM is ready. Inside it (vagrant ssh): sudo %s/verify.sh vm\n' "${JRUNC_REPO:-$(cd "$dir/../.." && pwd)}"
