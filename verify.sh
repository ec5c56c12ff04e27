#!/usr/bin/env bash
# verify.sh — the single entry point of the jrunc workbook: build, demo, test.
#
#   ./verify.sh build    install what is missing (containerd, runc, busybox-static, JDK 17, Maven), build the shim
#   ./verify.sh demo     build if needed, then the main-job demo (RUNTIME=io.containerd.runc.v2 for the Go shim)
#   ./verify.sh test     build prerequisites, then unit tests and integration tests (mvn verify), then lab checks
#   ./verify.sh jbang …  run JBang (installed, or the labs/jbang bootstrap)
#   ./verify.sh lint     shellcheck our scripts (if shellcheck is installed)
#   ./verify.sh lab03    check your exercise of lab 03 (--solution: the solution, and the book's expected output)
#   ./verify.sh labs     all exercises (--solution: all solutions; --update-book: refresh the book's outputs)
#   ./verify.sh docs     render the workbook, HTML and PDF (docs html: HTML only) into docs/target/{student,instructor}
#   ./verify.sh cri      build if needed, then a pod through containerd's CRI (handlers runc and jrunc) and lab 09
#   ./verify.sh vm       inside the reference VM (vagrant/): kubelet runs a pod with RuntimeClass jrunc
#   ./verify.sh bench    the Go shim and ours side by side (--publish: show the last run in the workbook)
#   ./verify.sh soak     the reliability drills, bigger than in test (soak NAME: one drill at test's size)
#   ./verify.sh help
#
# Runs from any folder. Needs root (apt-get, containerd, runc). Stops at the first failure, says why, exits non-zero.
set -euo pipefail

cd "$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
ROOT=$PWD
SHIM=$ROOT/shim
LAUNCHER=$SHIM/target/containerd-shim-jrunc-v2
TOTALS=""

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'verify.sh: FAILED: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# JBang for the labs: an installed `jbang` if there is one, otherwise our bootstrap (Java + Maven only).
jbang_cmd() {
  if command -v jbang >/dev/null 2>&1; then
    jbang "$@"
  else
    "$ROOT/labs/jbang" "$@"
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# Prerequisites: install only what is missing, so that a prepared machine (and CI's second run) pays nothing.

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "missing $*, and this is not a Debian/Ubuntu machine: install them by hand"
  [[ $(id -u) == 0 ]] || die "missing $*: run as root so that apt-get can install them"
  if ((!APT_UPDATED)); then
    info "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  info "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

java_major() {
  local v
  v=$(javac -version 2>&1 | awk '{ print $2 }') || return 1
  [[ -n "$v" ]] || return 1
  echo "${v%%.*}"
}

prerequisites() {
  step "checking prerequisites"
  local -a pkgs=()
  command -v containerd >/dev/null && command -v ctr >/dev/null || pkgs+=(containerd)
  PATH="$PATH:/usr/sbin:/sbin" command -v runc >/dev/null || pkgs+=(runc)
  # The container rootfs needs the static busybox; the Debian package "busybox" is dynamically linked.
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || pkgs+=(busybox-static)
  command -v ps >/dev/null && command -v pgrep >/dev/null || pkgs+=(procps)
  # CRIU for checkpoint/restore (containerd recommends it; the tests also cover kernels where it cannot work).
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v criu >/dev/null && apt-cache policy criu 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    pkgs+=(criu)
  fi
  command -v mvn >/dev/null || pkgs+=(maven)
  local major
  major=$(java_major || true)
  if [[ -z "$major" ]] || ((major < 17)); then pkgs+=(openjdk-17-jdk-headless); fi
  if ((${#pkgs[@]})); then
    step "installing prerequisites: ${pkgs[*]}"
    apt_install "${pkgs[@]}"
  fi
  major=$(java_major || true)
  if [[ -z "$major" ]] || ((major < 17)); then
    die "a JDK 17 or newer is needed (javac -version says: $(javac -version 2>&1 || true))"
  fi
  info "containerd $(containerd --version | awk '{ print $3 }'), $(PATH="$PATH:/usr/sbin" runc --version | head -n 1)," \
       "javac $(javac -version 2>&1 | awk '{ print $2 }'), $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')"
}

need_root() {
  [[ $(id -u) == 0 ]] || die "$1 needs root (containerd, runc and the shim do)"
}

# ---------------------------------------------------------------------------------------------------------------

build() {
  prerequisites
  step "building the shim (mvn install, tests skipped: the labs take it from ~/.m2)"
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never install -DskipTests) || die "the shim did not build (see Maven's messages above)"
  [[ -x "$LAUNCHER" ]] || die "the build did not produce $LAUNCHER"
  info "built $LAUNCHER"
}

build_if_needed() {
  if [[ -x "$LAUNCHER" ]] && [[ -z "$(find "$SHIM/src" "$SHIM/pom.xml" -newer "$LAUNCHER" -print -quit)" ]]; then
    prerequisites
    step "the shim is up to date ($LAUNCHER)"
  else
    build
  fi
}

demo() {
  need_root demo
  build_if_needed
  step "running the demo (shim/scripts/demo.sh, runtime ${RUNTIME:-io.containerd.jrunc.v2})"
  "$SHIM/scripts/demo.sh" || die "the demo failed (see above)"
}

# Sums the Surefire and Failsafe XML reports into one closing line: "tests: N passed, N failed, N skipped".
report_totals() {
  local files
  files=$(find "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports" -name 'TEST-*.xml' 2>/dev/null || true)
  if [[ -z "$files" ]]; then
    echo "tests: 0 passed, 0 failed"
    return
  fi
  # shellcheck disable=SC2086 # one file name per word
  awk '
    /<testsuite[ >]/ {
      for (i = 1; i <= NF; i++) {
        if (match($i, /^(tests|failures|errors|skipped)="[0-9]+"/)) {
          split($i, kv, "\""); key = substr($i, 1, index($i, "=") - 1); sum[key] += kv[2]
        }
      }
    }
    END {
      failed = sum["failures"] + sum["errors"]
      printf "tests: %d passed, %d failed, %d skipped\n", sum["tests"] - failed - sum["skipped"], failed, sum["skipped"]
    }' $files
}

# Fixture folders left by a crashed test JVM: stop and remove them, and say so.
clean_leftover_fixtures() {
  local d
  for d in /run/jrunc/it-*; do
    [[ -d "$d" ]] || continue
    printf 'verify.sh: warning: a test left %s behind; cleaning it\n' "$d" >&2
    "$SHIM/scripts/private-containerd.sh" stop "$d" || true
  done
}

run_maven_tests() {
  step "running unit and integration tests (mvn verify in shim/)"
  mkdir -p "$SHIM/target"
  local log=$SHIM/target/verify-mvn.log rc
  local -a status
  rm -rf "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports" "$SHIM/target/drills"
  # Full output to a log; on the terminal only progress, test counts and errors.
  set +e
  (cd "$SHIM" && mvn -B -ntp -Dstyle.color=never verify) 2>&1 | tee "$log" \
    | grep --line-buffered -E '^\[INFO\] Running |Tests run:|<<< (FAIL|ERR)|^\[ERROR\]|BUILD (SUCCESS|FAILURE)'
  status=("${PIPESTATUS[@]}")
  set -e
  rc=${status[0]}
  clean_leftover_fixtures
  TOTALS=$(report_totals)
  if compgen -G "$SHIM/target/drills/*.txt" >/dev/null; then
    step "what the reliability drills held (shim/target/drills/; ./verify.sh soak runs them bigger)"
    cat "$SHIM"/target/drills/*.txt
  fi
  echo "$TOTALS"
  if ((rc != 0)); then
    printf '\n---- last 60 lines of %s ----\n' "$log"
    tail -n 60 "$log"
    die "mvn verify failed (full log: $log; reports: shim/target/surefire-reports, shim/target/failsafe-reports)"
  fi
}

# ---- labs and workbook (issue 3) --------------------------------------------------------------------------------
# Each lab is a JBang script, labs/labNN_<name>/LabNN.java (alias labNN in jbang-catalog.json), with an exercise
# (exercise/…: a TODO(labNN) the learner fills in) and its solution (solution/…, same file name). A lab checks its
# claims as it runs: exit 0 when all hold, 1 when one does not (it then says what was expected and which TODO to
# look at), 2 when it cannot run. Run with --record DIR, it also writes its transcript and process-tree picture,
# normalized (pids renumbered, times and paths replaced): docs/src/expected/labNN.txt and docs/src/images/
# labNN-tree.svg are those files, included by the workbook as "What you should see". CI runs every solution and
# fails when what it prints today is not what the book shows, and runs every untouched exercise, which must fail
# with a pointer to its TODO.

SHIM_JAR=$HOME/.m2/repository/dev/jrunc/jrunc-shim/0.1.0-SNAPSHOT/jrunc-shim-0.1.0-SNAPSHOT.jar
LAB_RECORD=$ROOT/labs/target/record
BOOK_EXPECTED=$ROOT/docs/src/expected
BOOK_IMAGES=$ROOT/docs/src/images
LABS_FRESH=""
LAB_TIMES=()

lab_numbers() {
  local d n
  for d in "$ROOT"/labs/lab[0-9][0-9]_*/; do
    n=$(basename "$d"); n=${n#lab}; n=${n%%_*}
    if [[ -f "$d/Lab$n.java" ]]; then echo "$n"; fi
  done
}

lab_dir() { local d; for d in "$ROOT"/labs/lab"$1"_*/; do [[ -d "$d" ]] && { echo "${d%/}"; return 0; }; done; return 1; }

# The labs compile against the shim in the local Maven repository (//DEPS dev.jrunc:jrunc-shim:0.1.0-SNAPSHOT) and
# JBang resolves it offline (-o). After `mvn verify` has built and tested the jar, installing that very jar is enough.
install_built_shim() {
  step "installing the shim's jar into the local Maven repository, for the labs"
  [[ -f "$SHIM/target/jrunc-shim.jar" ]] || die "no shim/target/jrunc-shim.jar: build the shim first"
  mvn -B -q -ntp -Dstyle.color=never install:install-file -Dfile="$SHIM/target/jrunc-shim.jar" -DpomFile="$SHIM/pom.xml" \
    || die "could not install the shim's jar into ~/.m2"
  LABS_FRESH=--fresh   # JBang compiles the labs anew against the jar just installed
}

# For one learner's command: (re)build and install only if the sources are newer than what ~/.m2 holds.
shim_for_labs() {
  if [[ -x "$LAUNCHER" && -f "$SHIM_JAR" ]] \
    && [[ -z "$(find "$SHIM/src" "$SHIM/pom.xml" -newer "$SHIM_JAR" -print -quit)" ]]; then
    prerequisites
    step "the shim is up to date in ~/.m2 and shim/target"
  else
    build
    LABS_FRESH=--fresh
  fi
}

# run_lab NN [ARGS…]: the lab through JBang, from the repository root, offline. Its exit status is returned.
run_lab() {
  local n=$1
  shift
  # shellcheck disable=SC2086 # LABS_FRESH is empty or one flag
  (cd "$ROOT" && jbang_cmd --quiet -o $LABS_FRESH "lab$n" "$@")
}

# The solution passes, and prints what the book shows (or, with UPDATE_BOOK=1, the book is brought up to date).
lab_solution_check() {
  local n=$1 rc=0 file
  rm -f "$LAB_RECORD/lab$n.txt" "$LAB_RECORD/lab$n-tree.svg"
  run_lab "$n" --solution --record "$LAB_RECORD" || rc=$?
  ((rc == 0)) || die "lab $n: the SOLUTION did not pass (exit $rc, see above)"
  mkdir -p "$BOOK_EXPECTED" "$BOOK_IMAGES"
  for file in "lab$n.txt:$BOOK_EXPECTED" "lab$n-tree.svg:$BOOK_IMAGES"; do
    local name=${file%%:*} dir=${file#*:}
    [[ -f "$LAB_RECORD/$name" ]] || die "lab $n wrote no $name"
    if [[ "${UPDATE_BOOK:-0}" == 1 ]]; then
      cp "$LAB_RECORD/$name" "$dir/$name"
      info "updated ${dir#"$ROOT"/}/$name"
    elif ! diff -u "$dir/$name" "$LAB_RECORD/$name" >"$LAB_RECORD/lab$n.diff" 2>&1; then
      head -n 60 "$LAB_RECORD/lab$n.diff"
      die "lab $n prints something else than the workbook shows (${dir#"$ROOT"/}/$name, diff above). If the change is" \
        "intended, refresh the book with \`./verify.sh labs --update-book\` and commit docs/src."
    fi
  done
  info "lab $n: the solution passes and prints what the workbook shows"
}

# The untouched exercise fails, and its message points at its TODO (a file that really has that TODO).
lab_exercise_fails() {
  local n=$1 rc=0 pointer file
  local log="$LAB_RECORD/lab$n-exercise.log"
  mkdir -p "$LAB_RECORD"
  run_lab "$n" >"$log" 2>&1 || rc=$?
  pointer=$(grep -oE "look at: +labs/lab${n}_[a-z0-9_]+/exercise/[A-Za-z0-9]+\.java, TODO\(lab$n\)" "$log" | head -n 1 || true)
  if ((rc != 1)) || [[ -z "$pointer" ]]; then
    tail -n 30 "$log"
    die "lab $n: the untouched exercise should fail (exit 1) with a pointer to its TODO; it exited $rc" \
      "$([[ -n "$pointer" ]] || echo "without such a pointer") (log: $log)"
  fi
  file=$(sed -E 's/^look at: +//; s/, TODO.*$//' <<<"$pointer")
  grep -q "TODO(lab$n)" "$ROOT/$file" || die "lab $n points at $file, which has no TODO(lab$n)"
  info "lab $n: the untouched exercise fails as it should, pointing at $(sed -E 's/^look at: +//' <<<"$pointer")"
}

# CI's check of one lab: solution and exercise, timed. (Also used by cri() for lab 09.)
lab_check() {
  local n=$1 started=$SECONDS
  lab_dir "$n" >/dev/null || die "no lab $n"
  step "lab $n: solution, then the untouched exercise"
  # A subshell: its die would otherwise end verify.sh at once, with the reason still inside the log file.
  (lab_solution_check "$n") >"$LAB_RECORD/lab$n-solution.log" 2>&1 || { cat "$LAB_RECORD/lab$n-solution.log"; exit 1; }
  tail -n 1 "$LAB_RECORD/lab$n-solution.log"
  lab_exercise_fails "$n"
  LAB_TIMES+=("lab$n $((SECONDS - started))s")
}

run_lab_checks() {
  mkdir -p "$LAB_RECORD"
  install_built_shim
  local n
  for n in $(lab_numbers); do lab_check "$n"; done
  info "lab check times: ${LAB_TIMES[*]}"
}

# ./verify.sh labNN [--solution]: what a learner runs. Without --solution: does MY exercise pass yet?
lab_learner() {
  local n=$1 mode=${2:-} rc=0
  need_root "lab$n"
  lab_dir "$n" >/dev/null || die "there is no lab $n (labs here: $(lab_numbers | paste -sd' '))"
  shim_for_labs
  mkdir -p "$LAB_RECORD"
  if [[ "$mode" == --solution ]]; then
    step "lab $n, the solution (and the workbook's expected output)"
    lab_solution_check "$n"
    return
  fi
  [[ -z "$mode" ]] || die "unknown option $mode (./verify.sh lab$n [--solution])"
  step "lab $n, your exercise: $(cd "$ROOT" && find "labs/$(basename "$(lab_dir "$n")")/exercise" -name '*.java' | paste -sd' ')"
  run_lab "$n" || rc=$?
  case $rc in
    0) step "lab $n: your exercise passes. Next: $(next_lab "$n")" ;;
    1) die "lab $n: not yet. The ✗ above says what was expected and which TODO to look at; then run ./verify.sh lab$n again" ;;
    *) die "lab $n could not run (exit $rc, see above); this is not about your exercise" ;;
  esac
}

next_lab() {
  local n m
  for m in $(lab_numbers); do if ((10#$m > 10#$1)); then echo "./verify.sh lab$m"; return; fi; done
  echo "none, that was the last lab"
}

# ./verify.sh labs [--solution | --update-book]
labs_all() {
  need_root labs
  shim_for_labs
  mkdir -p "$LAB_RECORD"
  local n rc passed=() open=()
  case "${1:-}" in
    --update-book) UPDATE_BOOK=1 ;&
    --solution) for n in $(lab_numbers); do step "lab $n, the solution"; lab_solution_check "$n"; done; return ;;
    "") ;;
    *) die "unknown option $1 (./verify.sh labs [--solution | --update-book])" ;;
  esac
  for n in $(lab_numbers); do
    rc=0
    run_lab "$n" >"$LAB_RECORD/lab$n-exercise.log" 2>&1 || rc=$?
    if ((rc == 0)); then passed+=("$n"); else open+=("$n"); fi
  done
  info "exercises that pass: ${passed[*]:-none}"
  info "not yet: ${open[*]:-none} (run ./verify.sh labNN to see why)"
}

# The workbook: docs/pom.xml renders both editions with AsciidoctorJ and fails on a missing include or a broken
# cross reference. `render_docs html` leaves out the PDFs (a minute each through JRuby): what CI renders.
render_docs() {
  local -a profile=()
  [[ "${1:-}" != html ]] || profile=(-P '!pdf')
  step "rendering the workbook (docs/: AsciidoctorJ, student and instructor editions${profile[*]:+, HTML only})"
  # JRuby's own warnings about the PDF gems' Ruby go to stderr and are not ours; Asciidoctor's messages fail the build.
  (cd "$ROOT/docs" && mvn -B -q -ntp -Dstyle.color=never "${profile[@]}" package 2> >(grep -v 'uri:classloader:.*warning:' >&2)) \
    || die "the workbook did not render (see above: a missing include, a broken cross reference, a character the PDF's fonts lack, …; HTML alone: ./verify.sh docs html)"
  info "docs/target/student/index.html, docs/target/instructor/index.html${profile[*]:+ (PDFs: ./verify.sh docs)}"
  [[ -n "${profile[*]}" ]] || info "docs/target/student/index.pdf, docs/target/instructor/index.pdf"
}

# ---- CRI and the reference VM (issue 5) -------------------------------------------------------------------------

CRI_ITS=CriPodLifecycleIT,JruncRegistrationIT,BuildImagesIT

# A pod through containerd's CRI plugin (handler jrunc, and runc as the control), the VM's registration script, and
# lab 09: the CRI part of `test` on its own.
cri() {
  need_root cri
  build_if_needed
  step "CRI: the pod lifecycle, the VM's registration script, the images (mvn verify -Dit.test=$CRI_ITS)"
  rm -rf "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports"
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never verify -Dtest='dev.jrunc.cri.*Test' \
      -Dsurefire.failIfNoSpecifiedTests=false -Dit.test="$CRI_ITS") \
    || { clean_leftover_fixtures; die "the CRI tests failed (reports: shim/target/failsafe-reports)"; }
  report_totals
  mkdir -p "$LAB_RECORD"
  install_built_shim
  lab_check 09
}

# Inside the VM that vagrant/ provisions: the demo pod's checks (vagrant/provision/verify-vm.sh).
vm() {
  need_root vm
  [[ -f /etc/kubernetes/admin.conf ]] || die "no cluster here: ./verify.sh vm runs inside the jrunc VM (cd vagrant && vagrant up)"
  "$ROOT/vagrant/provision/verify-vm.sh" || die "the VM check failed (see above)"
}

# CI has no VM: it checks the recipe. `vagrant validate` (vagrant from Debian, installed if missing) and shellcheck
# of the provisioning scripts; their containerd part (register-jrunc.sh, configure-containerd.sh up to the restart)
# runs in JruncRegistrationIT.
vagrant_checks() {
  step "the VM's recipe: vagrant validate, shellcheck of vagrant/provision"
  if ! command -v vagrant >/dev/null && command -v apt-get >/dev/null; then
    info "apt-get install vagrant (Debian's, for \`vagrant validate\` only)"
    if ((!APT_UPDATED)) && apt-get update -qq; then APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends vagrant >/dev/null 2>&1 || true
  fi
  if command -v vagrant >/dev/null; then
    # --ignore-provider: no VirtualBox or libvirt here; the rest (boxes, synced folder, provisioner paths) is checked.
    (cd "$ROOT/vagrant" && vagrant validate --ignore-provider) || die "vagrant validate failed"
  else
    info "SKIPPED vagrant validate: vagrant is not installed and Debian's package could not be installed"
  fi
  if command -v shellcheck >/dev/null; then
    shellcheck -x -P SCRIPTDIR "$ROOT"/vagrant/provision/*.sh && info "shellcheck: no findings in vagrant/provision"
  else
    info "SKIPPED shellcheck of vagrant/provision: shellcheck is not installed"
  fi
}

test_all() {
  need_root test
  prerequisites
  run_maven_tests
  run_lab_checks
  render_docs
  vagrant_checks
  step "all checks passed"
  # The counts once more as the very last line, where CI looks for them.
  echo "$TOTALS"
}

# ---- benchmark (issue 6) ----------------------------------------------------------------------------------------
# The Go shim and ours (per-pod and shared) side by side under one private containerd; not part of `test`, and it
# asserts nothing about speed. Knobs (BENCH_N, BENCH_MEM_COUNTS, …): the header of shim/scripts/bench.sh.
bench() {
  if [[ "${1:-}" == --publish ]]; then
    bench_publish
    return
  fi
  need_root bench
  build_if_needed
  step "benchmark: containerd-shim-runc-v2 vs jrunc per-pod and shared (shim/scripts/bench.sh, about 10 minutes)"
  "$SHIM/scripts/bench.sh" || die "the benchmark did not complete (see above)"
  info "table above; files in ${BENCH_OUT:-shim/target/bench}/: results.json, results.csv, results.svg"
  info "to show this run in the workbook: ./verify.sh bench --publish, then commit docs/src/bench"
}

# The workbook's performance chapter shows the last published run: its table and chart, as the benchmark wrote them.
bench_publish() {
  local from=${BENCH_OUT:-$SHIM/target/bench} to=$ROOT/docs/src/bench
  [[ -f "$from/results.json" ]] || die "no benchmark results in $from: run ./verify.sh bench first"
  mkdir -p "$to"
  "$SHIM/scripts/bench.sh" --render "$from/results.json" >"$to/results.txt" || die "could not render $from/results.json"
  cp "$from/results.csv" "$from/results.json" "$to/"
  cp "$from/results.svg" "$ROOT/docs/src/images/bench-results.svg"
  step "published $(head -n 1 "$to/results.txt") to docs/src/bench/ and docs/src/images/ (commit them)"
}

# ---- reliability drills (issue 7) -------------------------------------------------------------------------------
# Each drill is an integration test through a private containerd (shim/src/test/java/dev/jrunc/shim/it), so `test`
# runs them all, at the sizes of DrillKnobs.java. `soak` runs them again, bigger (any JRUNC_DRILL_* set by hand
# wins); `soak NAME` runs one drill at test's size: the workbook's chapter "Drills" gives one such command per drill.
# Every drill prints its figures (counts before and after, latencies); they are kept in shim/target/drills/.
DRILLS=(
  "outage:DrillContainerdOutageIT:containerd SIGKILLed during Create; a container exits while containerd is down"
  "events:DrillEventsOutageIT:exits during a 12 s containerd outage arrive afterwards, all of them, in order"
  "shim-kill:CrashCleanupIT:the shim SIGKILLed with its container created, running, running an exec, paused"
  "runc:DrillRuncFaultsIT:runc missing, failing, slow; State answers within 2 s meanwhile"
  "load:DrillConcurrencyIT:50 execs at once in one container; 20 containers started at once"
  "orphans:DrillOrphanStormIT:1000 orphans of a host-pid container, reaped by the shim"
  "churn:DrillChurnIT:200 lifecycles through one shared shim; fds, threads, sockets, mounts, runc state"
  "outputs:DrillOutputsIT:output racing its exit: runs and execs at once, shared and per-pod, cores busy; lost outputs"
  "hostile:HostileInputIT:bad ttrpc input, a client that never reads, 100 idle connections, another uid"
)

drill_list() {
  local entry name class what
  for entry in "${DRILLS[@]}"; do
    IFS=: read -r name class what <<<"$entry"
    printf '    %-10s %s (%s)\n' "$name" "$what" "$class"
  done
}

soak() {
  need_root soak
  local name=${1:-} entry drill class what classes=""
  for entry in "${DRILLS[@]}"; do
    IFS=: read -r drill class what <<<"$entry"
    if [[ -z "$name" || "$name" == "$drill" ]]; then classes+="${classes:+,}$class"; fi
  done
  [[ -n "$classes" ]] || { drill_list; die "no drill named $name (the drills are listed above)"; }
  if [[ -z "$name" ]]; then
    export JRUNC_DRILL_CHURN=${JRUNC_DRILL_CHURN:-1000} JRUNC_DRILL_ORPHANS=${JRUNC_DRILL_ORPHANS:-5000} \
      JRUNC_DRILL_EXECS=${JRUNC_DRILL_EXECS:-100} JRUNC_DRILL_PARALLEL=${JRUNC_DRILL_PARALLEL:-20} \
      JRUNC_DRILL_OUTPUTS=${JRUNC_DRILL_OUTPUTS:-5000} JRUNC_DRILL_OUTPUTS_PER_POD=${JRUNC_DRILL_OUTPUTS_PER_POD:-1000} \
      JRUNC_DRILL_OUTPUTS_EXECS=${JRUNC_DRILL_OUTPUTS_EXECS:-1000}
  fi
  build_if_needed
  step "drills: $classes (mvn verify -Dit.test=…)"
  rm -rf "$SHIM/target/drills" "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports"
  local rc=0 d
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never verify -Dtest=NoUnitTestsForDrills \
      -Dsurefire.failIfNoSpecifiedTests=false -Dit.test="$classes") || rc=$?
  # Only a crashed test JVM leaves a fixture behind: clean the drills' own (other tests' fixtures are not ours).
  for d in /run/jrunc/it-drill-* /run/jrunc/it-crashcleanupit /run/jrunc/it-hostileinputit; do
    [[ -d "$d" ]] || continue
    printf 'verify.sh: warning: a drill left %s behind; cleaning it\n' "$d" >&2
    "$SHIM/scripts/private-containerd.sh" stop "$d" || true
  done
  step "what the drills held (shim/target/drills/)"
  cat "$SHIM"/target/drills/*.txt 2>/dev/null || info "(no figures: the drills did not get that far)"
  report_totals
  ((rc == 0)) || die "a drill failed (reports: shim/target/failsafe-reports)"
}

lint() {
  command -v shellcheck >/dev/null || die "shellcheck is not installed (apt-get install -y shellcheck)"
  step "shellcheck"
  shellcheck verify.sh .ci/run labs/jbang shim/scripts/*.sh && info "no findings"
  shellcheck -x -P SCRIPTDIR vagrant/provision/*.sh && info "no findings in vagrant/provision"
}

case "${1:-help}" in
  build) build ;;
  demo) demo ;;
  test) test_all ;;
  jbang) shift; jbang_cmd "$@" ;;
  lint) lint ;;
  docs) shift; prerequisites; render_docs "${1:-}" ;;
  lab[0-9][0-9]) lab_learner "${1#lab}" "${2:-}" ;;
  labs) shift; labs_all "$@" ;;
  cri) cri ;;
  vm) vm ;;
  bench) shift; bench "$@" ;;
  soak) shift; soak "$@" ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
