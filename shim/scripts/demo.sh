#!/usr/bin/env bash
# demo.sh — "the main job": watch containerd run containers through a shim, step by step.
#
#   shim/scripts/demo.sh                                 with our shim   (runtime io.containerd.jrunc.v2)
#   RUNTIME=io.containerd.runc.v2 shim/scripts/demo.sh   with the Go shim, for comparison
#
# It starts a private containerd (shim/scripts/private-containerd.sh, folder /run/jrunc/demo, namespace
# jrunc-demo), runs busybox containers with ctr, and explains what to look at. Everything it starts is
# stopped and removed when it ends, also on failure or Ctrl-C. Needs root, containerd, runc, busybox-static.
#
# Only the most basic ctr features are used (run --rm with stdio, run -d, task ls/kill/rm, container rm,
# events), so that the demo works with our shim from its first complete version on.
set -euo pipefail

RUNTIME=${RUNTIME:-io.containerd.jrunc.v2}
DIR=${DEMO_DIR:-/run/jrunc/demo}
NS=jrunc-demo
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIM_DIR=$(realpath -m "${JRUNC_SHIM_DIR:-$SCRIPTS/../target}")
ROOTFS=${BUSYBOX_ROOTFS:-$(realpath -m "$SCRIPTS/../target/busybox-rootfs")}
# ctr run --rootfs gives the container no environment at all (an image would); busybox needs a PATH.
CPATH=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export JRUNC_SHIM_DIR=$SHIM_DIR

if [[ -t 1 ]]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' N=$'\e[0m'; else B='' D='' G='' N=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$@"; }
# Print a command as one would type it (show: and then run it).
show_cmdline() {
  local a line="$"
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=,+-]+$ ]]; then line+=" $a"; else line+=" '${a//\'/\'\\\'\'}'"; fi
  done
  printf '%s%s%s\n' "$D" "$line" "$N"
}
show() { show_cmdline "$@"; "$@"; }
# Same, with the command's output indented (pipefail keeps the command's exit status).
show_indented() {
  show_cmdline "$@"
  "$@" 2>&1 | indent
}
# A checked claim: first line with a tick, further arguments as indented lines.
ok() {
  printf '%s✓ %s%s\n' "$G" "$1" "$N"
  shift
  if (($#)); then printf '  %s\n' "$@"; fi
}
fail() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }
indent() { sed 's/^/    /'; }

# Every ctr call is bounded: a shim that hangs must make the demo fail, not wait forever. SIGKILL, because
# ctr run forwards SIGTERM to the container instead of exiting.
CTR_TIMEOUT=${CTR_TIMEOUT:-60}
ctr() {
  local start=$SECONDS rc=0
  timeout -s KILL "$CTR_TIMEOUT" ctr "$@" || rc=$?
  if ((rc != 0 && SECONDS - start >= CTR_TIMEOUT)); then
    echo "demo: \`ctr $*\` did not finish within ${CTR_TIMEOUT}s" >&2
  fi
  return "$rc"
}

EVENTS_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$EVENTS_PID" ]]; then kill "$EVENTS_PID" 2>/dev/null || true; wait "$EVENTS_PID" 2>/dev/null || true; fi
  step "Cleaning up"
  if "$SCRIPTS/private-containerd.sh" stop "$DIR"; then
    say "The private containerd, its shims and containers are gone, and so is $DIR."
  else
    say "demo: cleanup reported problems (see above)" >&2
    ((rc)) || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The pid of a process that has FLAG VALUE on its command line for each pair given (e.g. -id demo1).
pid_with_args() {
  local p pid ok flag value prev arg i found
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    local -a args=()
    { mapfile -t -d '' args <"$p/cmdline"; } 2>/dev/null || continue
    ok=1
    for ((i = 1; i <= $#; i += 2)); do
      flag=${!i}; found=$((i + 1)); value=${!found}; prev=""; found=0
      for arg in "${args[@]}"; do
        if [[ "$prev" == "$flag" && "$arg" == "$value" ]]; then found=1; break; fi
        prev=$arg
      done
      ((found)) || { ok=0; break; }
    done
    if ((ok)); then echo "$pid"; return 0; fi
  done
  return 1
}
ppid_of() { awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$1/stat"; }
task_field() { ctr task ls | awk -v id="$1" -v f="$2" '$1 == id { print $f }'; }
wait_for_status() {
  local id=$1 want=$2 i
  for ((i = 0; i < 100; i++)); do
    [[ "$(task_field "$id" 3)" == "$want" ]] && return 0
    sleep 0.1
  done
  fail "task $id did not become $want within 10 s: $(ctr task ls 2>&1)"
}

# ---------------------------------------------------------------------------------------------------------------
step "0. A private containerd (runtime under test: $RUNTIME)"
SHIM_BINARY=${RUNTIME#io.containerd.}
SHIM_BINARY=containerd-shim-${SHIM_BINARY//./-}
say "containerd is the daemon Docker and Kubernetes talk to. It does not run containers itself: for each" \
    "container it starts a *shim* (runtime $RUNTIME → the program $SHIM_BINARY, found on" \
    "containerd's PATH), and the shim drives runc. We start a containerd of our own in $DIR, so that" \
    "nothing else on this machine is disturbed."
if [[ "$RUNTIME" == io.containerd.jrunc.v2 && ! -x "$SHIM_DIR/containerd-shim-jrunc-v2" ]]; then
  fail "$SHIM_DIR/containerd-shim-jrunc-v2 is missing: build it first (./verify.sh build)"
fi
"$SCRIPTS/busybox-rootfs.sh" "$ROOTFS" >/dev/null
"$SCRIPTS/private-containerd.sh" start "$DIR" "$NS"
eval "$("$SCRIPTS/private-containerd.sh" env "$DIR")"
CONTAINERD_PID=$(cat "$DIR/containerd.pid")
say "containerd runs as pid $CONTAINERD_PID; ctr talks to it at $CONTAINERD_ADDRESS (namespace $NS)."
command ctr events >"$DIR/events.txt" 2>&1 &
EVENTS_PID=$!
say "In the background, \`ctr events\` records every event containerd publishes (we read it at the end)."
sleep 0.5

# ---------------------------------------------------------------------------------------------------------------
step "a. Run a container in the background"
show ctr run -d --runtime "$RUNTIME" --env "$CPATH" --rootfs "$ROOTFS" demo1 sh -c 'sleep 600' \
  || fail "ctr run -d demo1 failed"
wait_for_status demo1 RUNNING
show ctr task ls
INIT_PID=$(task_field demo1 2)
INIT_ARGS=$(ps -o args= -p "$INIT_PID" || true)
SHIM_PID=$(pid_with_args -id demo1 -address "$CONTAINERD_ADDRESS") || fail "no shim process for demo1 found"
say "ctr returned at once: the container lives on without it. Its first process, the container's *init*," \
    "is pid $INIT_PID: \`$INIT_ARGS\`$([[ "$INIT_ARGS" == "sleep 600" ]] && echo " (busybox sh replaced itself with sleep)")."

# ---------------------------------------------------------------------------------------------------------------
step "b. Who is whose parent?"
ps -o pid,ppid,pgid,sid,stat,args --forest -p "1,$CONTAINERD_PID,$SHIM_PID,$INIT_PID" --ppid "$INIT_PID" \
  | cut -c1-150
SHIM_PPID=$(ppid_of "$SHIM_PID")
INIT_PPID=$(ppid_of "$INIT_PID")
say "" "What to notice:"
say "  containerd:      pid $CONTAINERD_PID" \
    "  shim:            pid $SHIM_PID, parent pid $SHIM_PPID" \
    "  container init:  pid $INIT_PID, parent pid $INIT_PPID"
[[ "$SHIM_PPID" != "$CONTAINERD_PID" ]] || fail "the shim's parent is containerd: it did not detach"
ok "The shim is NOT containerd's child." \
   "containerd started \`$SHIM_BINARY start\`, which launched the real shim and exited at once, so the" \
   "orphaned shim was adopted by pid $SHIM_PPID. It also has a process group of its own (PGID = its pid)." \
   "containerd can crash, be upgraded or restarted without taking the shim, and so the container, down" \
   "with it: the shim sits beside containerd, not below it."
[[ "$INIT_PPID" == "$SHIM_PID" ]] || fail "the container init's parent is $INIT_PPID, not the shim ($SHIM_PID)"
ok "The container's init is the shim's child." \
   "runc created it, but runc has exited; the shim is a \"child subreaper\", so the orphan was handed to" \
   "the shim, which waits for it (reaps it) and reports its exit status to containerd."

# ---------------------------------------------------------------------------------------------------------------
step "c. The container's view of itself"
show_indented ctr run --rm --runtime "$RUNTIME" --env "$CPATH" --rootfs "$ROOTFS" demo2 \
  sh -c 'echo "inside: my pid is $$"; ps -o pid,args' \
  || fail "ctr run --rm demo2 failed"
say "Inside its own pid namespace the container's first process is pid 1 and sees only its own processes;" \
    "outside, the same process has an ordinary pid (as demo1's init has $INIT_PID above)."

# ---------------------------------------------------------------------------------------------------------------
step "d. runc came and went"
say "For every lifecycle step the shim runs runc once (runc create, runc start, runc kill, runc delete)," \
    "and runc exits when it has done it. Lines our shim logged about runc (its stderr goes to containerd's log):"
# logrus lines (time="…" level=info msg="runc start demo1 (22 ms, exit 0)" …) shortened to "time  message".
if grep -E 'runc (create|start|kill|delete|exec|state)' "$DIR/containerd.log" \
  | sed -E 's/^time="[^T"]*T([0-9:]+)[^"]*".*msg="(([^"\\]|\\.)*)".*$/\1  \2/' | cut -c1-150 | indent | grep .; then
  :
else
  say "    (no runc lines in the log: run with RUNTIME=io.containerd.jrunc.v2 to see them)"
fi
say "And right now:"
if RUNC_PIDS=$(pgrep -x runc); then
  ps -o pid,ppid,args -p "$(echo "$RUNC_PIDS" | paste -sd,)" | indent
  say "(a runc process is running at this very moment: probably someone else's)"
else
  ok "no runc process is running: runc is a tool the shim calls, not a daemon. The shim stays."
fi

# ---------------------------------------------------------------------------------------------------------------
step "e. Stop the container"
show ctr task kill --signal SIGKILL demo1 || fail "ctr task kill demo1 failed"
wait_for_status demo1 STOPPED
show ctr task ls
say "The task is STOPPED but still exists: the shim keeps its exit status until someone deletes the task."
for ((i = 0; i < 50; i++)); do
  EXIT_LINE=$(grep '/tasks/exit' "$DIR/events.txt" | grep '"container_id":"demo1"' || true)
  [[ -n "$EXIT_LINE" ]] && break
  sleep 0.1
done
[[ -n "$EXIT_LINE" ]] || fail "no /tasks/exit event for demo1 in $DIR/events.txt"
EXIT_STATUS=$(grep -oE '"exit_status":[0-9]+' <<<"$EXIT_LINE" | cut -d: -f2)
say "Its /tasks/exit event says exit_status ${EXIT_STATUS:-0}: 128 + 9, the shell convention for \"killed by signal 9\"."
[[ "$EXIT_STATUS" == 137 ]] || fail "expected exit status 137 for demo1, got ${EXIT_STATUS:-0}"
show_cmdline ctr task rm demo1
# (ctr warns about the non-zero exit code we just caused; that line is noise here.)
ctr task rm demo1 2>&1 | { grep -v 'exit with non-zero exit code' || true; } || fail "ctr task rm demo1 failed"
show ctr container rm demo1 || fail "ctr container rm demo1 failed"
say "Deleting the task let the shim run \`runc delete\` and exit; deleting the container removed containerd's record."

# ---------------------------------------------------------------------------------------------------------------
step "f. The events containerd published"
sleep 0.3
grep -E ' /(tasks|containers)/' "$DIR/events.txt" | grep -E '"(container_)?id":"demo1"' \
  | sed -E 's/^[0-9-]+ ([0-9:]+)\.[0-9]+ [^ ]+ UTC [^ ]+ /\1 /' | cut -c1-160 | indent
say "The shim publishes /tasks/create, /tasks/start, /tasks/exit and /tasks/delete to containerd, in that order" \
    "(/containers/* come from containerd itself). ctr and Kubernetes learn of the exit from a Wait call the" \
    "shim answers when it reaps the init; the events are for whoever watches (ctr events, Docker)."

# ---------------------------------------------------------------------------------------------------------------
step "g. An exit status travels back"
set +e
show ctr run --rm --runtime "$RUNTIME" --env "$CPATH" --rootfs "$ROOTFS" demo3 sh -c 'exit 7'
STATUS=$?
set -e
say "ctr exited with $STATUS: the container's exit status, which the shim reaped (wait) and sent to containerd."
[[ "$STATUS" == 7 ]] || fail "expected exit status 7 from demo3, got $STATUS"

printf '\n%sThe demo ran through with runtime %s.%s\n' "$B" "$RUNTIME" "$N"
