#!/usr/bin/env bash
# verify-vm.sh — inside the VM (./verify.sh vm): does kubelet really run a pod through our shim?
#
# Recreates the demo pod (RuntimeClass jrunc) and checks, each as one line:
#   - the pod is Running on this node, with runtimeClassName jrunc and an IP from the bridge network;
#   - CRI reports handler jrunc and runtime io.containerd.jrunc.v2 for its sandbox;
#   - on the node, ONE containerd-shim-jrunc-v2 serves the pod and is the parent of both the pause process and the
#     container's init;
#   - kubectl exec and kubectl logs work (exec goes kubelet → CRI → containerd → the shim's Exec);
#   - deleting the pod makes that shim exit.
# Leaves the demo pod running again at the end. Exits non-zero at the first failed check.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
manifests=$PROVISION_DIR/../manifests
POD=jrunc-demo
passed=0

ok() { passed=$((passed + 1)); printf '  ok   %s\n' "$*"; }
fail() { printf '  FAIL %s\n' "$*" >&2; printf 'vm: %d passed, 1 failed\n' "$passed"; exit 1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

for tool in kubectl crictl jq; do command -v "$tool" >/dev/null || die "$tool is missing: is this the jrunc VM (vagrant/provision)?"; done
kubectl get nodes >/dev/null 2>&1 || die "the cluster does not answer (KUBECONFIG=$KUBECONFIG)"

step "RuntimeClass and a fresh demo pod"
check "RuntimeClass jrunc has handler jrunc" test "$(kubectl get runtimeclass jrunc -o jsonpath='{.handler}' 2>/dev/null)" == jrunc
kubectl delete pod "$POD" --ignore-not-found --wait=true --timeout=90s >/dev/null
kubectl apply -f "$manifests/demo-pod.yaml" >/dev/null
kubectl wait --for=condition=Ready "pod/$POD" --timeout=180s >/dev/null || fail "pod $POD became Ready (kubectl describe pod $POD)"
kubectl get pod "$POD" -o wide
pod_json=$(kubectl get pod "$POD" -o json)
check "the pod is Running" test "$(jq -r .status.phase <<<"$pod_json")" == Running
check "the pod asked for runtimeClassName jrunc" test "$(jq -r .spec.runtimeClassName <<<"$pod_json")" == jrunc
check "the pod runs on this node ($(hostname))" test "$(jq -r .spec.nodeName <<<"$pod_json")" == "$(hostname)"
pod_ip=$(jq -r '.status.podIP // ""' <<<"$pod_json")
check "the pod has an IP from the bridge network ($NODE_POD_SUBNET): $pod_ip" test "${pod_ip%.*}.0/24" == "$NODE_POD_SUBNET"

step "what CRI says (crictl, the same calls kubelet makes)"
sandbox=$(crictl pods --name "$POD" --state ready -q | head -n 1)
[[ -n "$sandbox" ]] || fail "crictl pods shows a ready sandbox for $POD"
inspectp=$(crictl inspectp "$sandbox")
check "the sandbox's runtime handler is jrunc" test "$(jq -r .status.runtimeHandler <<<"$inspectp")" == jrunc
check "containerd resolved it to runtime io.containerd.jrunc.v2" test "$(jq -r .info.runtimeType <<<"$inspectp")" == io.containerd.jrunc.v2
pause_pid=$(jq -r .info.pid <<<"$inspectp")
container=$(crictl ps --pod "$sandbox" --name app -q | head -n 1)
[[ -n "$container" ]] || fail "crictl ps shows container app of $POD"
app_pid=$(crictl inspect "$container" | jq -r .info.pid)

step "the processes on this node"
shim=$(ps -o ppid= -p "$pause_pid" | tr -d ' ')
forest_of "$shim"
check "the pause process ($pause_pid) is a child of containerd-shim-jrunc-v2 ($shim)" \
  test "$(tr '\0' ' ' </proc/"$shim"/cmdline | awk '{ print $1 }')" == containerd-shim-jrunc-v2
check "the container's init ($app_pid) is a child of the same shim" test "$(ps -o ppid= -p "$app_pid" | tr -d ' ')" == "$shim"
check "exactly one shim serves the pod (-id $sandbox)" test "$(pgrep -c -f "^containerd-shim-jrunc-v2 .*-id $sandbox")" == 1

step "kubectl exec and kubectl logs"
# shellcheck disable=SC2016 # $POD_NAME is expanded by the shell in the container
exec_out=$(kubectl exec "$POD" -- sh -c 'echo "exec in $POD_NAME"; exit 0')
check "kubectl exec ran in the container: \"$exec_out\"" test "$exec_out" == "exec in $POD"
status=0
kubectl exec "$POD" -- sh -c 'exit 7' || status=$?
check "kubectl exec passes the exit status back (7)" test "$status" == 7
check "kubectl logs shows the container's hello" grep -qx "hello from $POD" <<<"$(kubectl logs "$POD")"

step "deleting the pod"
kubectl delete pod "$POD" --wait=true --timeout=90s >/dev/null
gone() { ! kill -0 "$shim" 2>/dev/null || [[ "$(ps -o stat= -p "$shim" | cut -c1)" == Z ]]; }
for ((i = 0; i < 60; i++)); do gone && break; sleep 1; done
check "the pod's shim ($shim) exited after the pod was deleted" gone
check "no shim names the pod's sandbox any more" test "$(pgrep -c -f "^containerd-shim-jrunc-v2 .*-id $sandbox" || true)" == 0

step "putting the demo pod back"
kubectl apply -f "$manifests/demo-pod.yaml" >/dev/null
kubectl wait --for=condition=Ready "pod/$POD" --timeout=180s >/dev/null && info "pod $POD is running again"
printf 'vm: %d passed, 0 failed\n' "$passed"
