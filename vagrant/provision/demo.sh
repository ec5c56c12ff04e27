#!/usr/bin/env bash
# demo.sh — RuntimeClass jrunc and the demo pod that uses it; waits until the pod runs and shows where it runs.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
manifests=$PROVISION_DIR/../manifests

step "RuntimeClass jrunc and the demo pod"
kubectl apply -f "$manifests/runtimeclass.yaml" -f "$manifests/demo-pod.yaml"
kubectl wait --for=condition=Ready pod/jrunc-demo --timeout=180s
kubectl get pod jrunc-demo -o wide

step "the pod's processes on this node"
mapfile -t shims < <(jrunc_shims)
((${#shims[@]})) || die "no containerd-shim-jrunc-v2 process is running"
forest_of "${shims[@]}"
info "now: sudo $JRUNC_REPO/verify.sh vm   (checks all of it: processes, kubectl exec, kubectl logs, deletion)"
