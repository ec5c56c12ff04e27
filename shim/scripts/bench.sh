#!/usr/bin/env bash
# bench.sh — the Go shim and ours side by side under one private containerd: `./verify.sh bench` runs this.
#
# Measures, alternating the shims round by round so that machine drift cancels:
#   mem       RSS and PSS of all shim processes with 1, 10, 50 running containers, per mode
#   run       ctr run --rm /bin/true, and the floor: runc run of the same bundle without containerd or shim
#   cold      the start and delete subcommands alone, run as containerd runs them
#   ttrpc     State (idle, and while a runc create is in flight), Create, Start, over ttrpc
#   parallel  10 × ctr run -d at once, until all are RUNNING
# for io.containerd.runc.v2 (Go), io.containerd.jrunc.v2 (per-pod) and io.containerd.jrunc-shared.v2 (shared).
# Prints a table; writes results.json, results.csv and results.svg to BENCH_OUT. It never fails on a slow figure:
# the targets (shim/src/test/java/dev/jrunc/bench/Targets.java) are marked PASS/FAIL in the output,
# the exit status only says whether the run worked.
#
# Environment (defaults in brackets; a full default run takes about ten minutes on 2 cores):
#   BENCH_N [20]                ctr run --rm samples per shim        BENCH_COLD_N [10]   start/delete samples
#   BENCH_STATE_N [500]         idle State calls per shim            BENCH_CREATE_N [8]  Create cycles per shim
#   BENCH_MEM_COUNTS [1,10,50]  running containers to measure at     BENCH_PARALLEL [10] × BENCH_PARALLEL_REPS [3]
#   BENCH_PHASES [mem,run,cold,ttrpc,parallel]                       BENCH_MODES [go,per-pod,shared]
#   BENCH_OUT [shim/target/bench]   BENCH_DIR [/run/jrunc/bench] (the private containerd's folder)
#   JRUNC_SHIM_DIR [shim/target]    the folder whose containerd-shim-jrunc{,-shared}-v2 are measured
#   JRUNC_JAVA                      the launcher's java (e.g. a wrapper adding JVM flags, to try them without a build)
#   JRUNC_SHARED_LINGER [1h]        the shared shim's linger: the shared mode is measured warm, and its rounds
#                                   alternate with the other shims' for longer than the default minute
# A quick look: BENCH_N=3 BENCH_COLD_N=2 BENCH_STATE_N=50 BENCH_CREATE_N=1 BENCH_MEM_COUNTS=1,5 BENCH_PARALLEL_REPS=1
#
#   bench.sh --render DIR/results.json   draw the table and chart of a saved run again (into DIR; no root needed)
#
# Needs root, a built shim (./verify.sh build) and what verify.sh installs; nothing else (no python, no plotting
# tool: the Java part, shim/src/test/java/dev/jrunc/bench, computes and draws). Everything it starts — containerd,
# shims, containers, runc state, sockets, mounts — is removed when it ends, also on failure or Ctrl-C.
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIM=$(realpath "$SCRIPTS/..")
REPO=$(realpath "$SHIM/..")
DIR=$(realpath -m "${BENCH_DIR:-/run/jrunc/bench}")
NS=${BENCH_NAMESPACE:-jrunc-bench}
OUT=$(realpath -m "${BENCH_OUT:-$SHIM/target/bench}")
ROOTFS=$SHIM/target/busybox-rootfs
# The shims measured; private-containerd.sh puts this folder first on containerd's PATH.
export JRUNC_SHIM_DIR
JRUNC_SHIM_DIR=$(realpath -m "${JRUNC_SHIM_DIR:-$SHIM/target}")
SYSTEM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH="$PATH:$SYSTEM_PATH"
# containerd (started below) hands its environment to the shims.
export JRUNC_SHARED_LINGER=${JRUNC_SHARED_LINGER:-1h}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

needs_root_and_tools() {
  [[ $(id -u) == 0 ]] || die "needs root (containerd, runc and the shims do)"
  local tool
  for tool in containerd ctr runc java javac mkfifo; do
    command -v "$tool" >/dev/null || die "$tool is missing: run ./verify.sh build first"
  done
  [[ -x "$JRUNC_SHIM_DIR/containerd-shim-jrunc-v2" && -e "$JRUNC_SHIM_DIR/containerd-shim-jrunc-shared-v2" ]] \
    || die "the shim is not built ($JRUNC_SHIM_DIR/containerd-shim-jrunc-v2): run ./verify.sh build"
}

# The benchmark's classes live in the test tree (they use the shim's ttrpc client and protos) and Maven compiles
# them with the project; compile them here too when they are newer than what Maven left, so that a change to the
# benchmark needs no full build — and a half-edited test elsewhere in the tree cannot stop a benchmark run.
compile_bench() {
  [[ -d "$SHIM/target/classes/dev/jrunc/shim/ttrpc" ]] || die "no $SHIM/target/classes: run ./verify.sh build"
  # The labs' kit (its /proc reader) is part of the benchmark, as it is of the tests (see shim/pom.xml).
  local src=$SHIM/src/test/java/dev/jrunc/bench kit=$SHIM/../labs/kit classes=$SHIM/target/test-classes
  local marker=$classes/dev/jrunc/bench/Bench.class
  if [[ -f "$marker" && -z "$(find "$src" "$kit" -newer "$marker" -print -quit)" ]]; then return 0; fi
  say "compiling the benchmark (javac, into shim/target/test-classes)"
  mkdir -p "$classes"
  # Its unit test (*Test.java) needs JUnit, which only Maven has: Maven compiles and runs that one.
  find "$src" "$kit" -name '*.java' ! -name '*Test.java' -print0 \
    | xargs -0 javac -nowarn --release 17 -encoding UTF-8 -d "$classes" -cp "$SHIM/target/classes:$SHIM/target/lib/*" \
    || die "the benchmark did not compile"
}

# ---------------------------------------------------------------------------------------------------------------
# Cleanup. The Java side removes what it makes as it goes; this is for when it could not (Ctrl-C, a crash). Its
# ledger (DIR/bench.ledger) lists what it made outside containerd's knowledge; the fixture's stop does the rest.

JAVA_PID=""
declare -a LEDGER=()

# Live processes with `-address ADDR` on their command line (exactly that pair).
pids_with_address() {
  local addr=$1 p prev arg
  for p in /proc/[0-9]*; do
    local -a args=()
    { mapfile -t -d '' args <"$p/cmdline"; } 2>/dev/null || continue
    prev=""
    for arg in "${args[@]}"; do
      if [[ "$prev" == -address && "$arg" == "$addr" ]]; then echo "${p#/proc/}"; break; fi
      prev=$arg
    done
  done
}

clean_ledger_processes() {
  local kind value root id pids
  for entry in "${LEDGER[@]}"; do
    read -r kind value <<<"$entry"
    case $kind in
      address)
        # Only addresses inside our folder: shims started by hand on an address nobody listens on.
        [[ "$value" == "$DIR/"* ]] || continue
        pids=$(pids_with_address "$value")
        if [[ -n "$pids" ]]; then
          say "killing shims started by hand on $value: $(echo "$pids" | paste -sd' ')"
          # shellcheck disable=SC2086 # a list of pids
          kill -KILL $pids 2>/dev/null || true
        fi
        ;;
      runc)
        read -r root id <<<"$value"
        [[ "$root" == "$DIR/"* && -e "$root/$id" ]] || continue
        say "runc: deleting $id under $root"
        timeout 10 runc --root "$root" kill "$id" KILL >/dev/null 2>&1 || true
        timeout 10 runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true
        ;;
    esac
  done
}

clean_ledger_files() {
  local kind value
  for entry in "${LEDGER[@]}"; do
    read -r kind value <<<"$entry"
    case $kind in
      socket) [[ "$value" =~ ^/run/containerd/s/[0-9a-f]{64}$ && -S "$value" ]] && rm -f "$value" ;;
      pidfile) [[ "$value" =~ ^/run/jrunc-shim/[0-9a-f]{64}\.pid$ && -f "$value" ]] && rm -f "$value" ;;
    esac
  done
  return 0
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$JAVA_PID" ]] && kill -0 "$JAVA_PID" 2>/dev/null; then
    say "stopping the benchmark (pid $JAVA_PID)"
    kill -TERM "$JAVA_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$JAVA_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$JAVA_PID" 2>/dev/null || true
    wait "$JAVA_PID" 2>/dev/null || true
  fi
  if [[ -f "$DIR/bench.ledger" ]]; then mapfile -t LEDGER <"$DIR/bench.ledger"; fi
  clean_ledger_processes
  say "stopping the private containerd in $DIR"
  "$SCRIPTS/private-containerd.sh" stop "$DIR" || { say "cleanup of $DIR reported problems (see above)"; ((rc)) || rc=1; }
  clean_ledger_files
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------------------------

main() {
  if [[ $# -eq 2 && $1 == --render ]]; then
    [[ -f "$2" ]] || die "no such file: $2"
    compile_bench
    exec java -cp "$SHIM/target/classes:$SHIM/target/test-classes:$SHIM/target/lib/*" dev.jrunc.bench.Bench --render "$2"
  fi
  [[ $# -eq 0 ]] || die "usage: bench.sh (settings in the environment, see its header) | bench.sh --render results.json"
  needs_root_and_tools
  compile_bench
  "$SCRIPTS/busybox-rootfs.sh" "$ROOTFS" >/dev/null
  mkdir -p "$OUT"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  "$SCRIPTS/private-containerd.sh" start "$DIR" "$NS"

  # In the background, so that a signal reaches our trap at once (bash defers traps while a foreground child
  # runs); the trap then stops Java itself.
  BENCH_REPO=$REPO BENCH_DIR=$DIR BENCH_NAMESPACE=$NS BENCH_SHIM_DIR=$JRUNC_SHIM_DIR BENCH_ROOTFS=$ROOTFS BENCH_OUT=$OUT \
    java -XX:+UseSerialGC -Xmx256m -cp "$SHIM/target/classes:$SHIM/target/test-classes:$SHIM/target/lib/*" \
    dev.jrunc.bench.Bench &
  JAVA_PID=$!
  local rc=0
  wait "$JAVA_PID" || rc=$?
  JAVA_PID=""
  return "$rc"
}

main "$@"
