#!/usr/bin/env bash
# verify.sh — the single entry point of the jrunc workbook: build, demo, test.
#
#   ./verify.sh build    install what is missing (containerd, runc, busybox-static, a JDK ≥ 17, Maven), build the shim
#   ./verify.sh demo     build if needed, then the main-job demo (RUNTIME=io.containerd.runc.v2 for the Go shim)
#   ./verify.sh test     build prerequisites, then unit tests and integration tests (mvn verify), then lab checks,
#                        then the end-to-end tests on containerd 1.7 and 2.1 (fetched from Debian, not installed)
#   ./verify.sh test --containerd 2.1   the whole suite against another containerd line (1.7, 2.1)
#   ./verify.sh containerd 2.1          fetch a containerd line into /var/cache/jrunc and say where it is
#   ./verify.sh lines    what a shim meets on each containerd line (the workbook's transcripts; --update-book)
#   ./verify.sh jbang …  run JBang (installed, or the labs/jbang bootstrap)
#   ./verify.sh lint     shellcheck our scripts (if shellcheck is installed)
#   ./verify.sh lab03    check your exercise of lab 03 (--solution: the solution, and the book's expected output)
#   ./verify.sh labs     all exercises (--solution: all solutions; --update-book: refresh the book's outputs;
#                        --solution --repeat N [--busy]: every solution N times, counted, cores kept busy with --busy)
#   ./verify.sh its      --repeat N [--busy] [CLASS,…]: integration tests N times (default: the concurrent ones)
#   ./verify.sh lab-feedback   the checks that each kind of learner's mistake is named by its cause (part of test)
#   ./verify.sh prerequisites [--dry-run]   install what is missing (the dry run only says what)
#   ./verify.sh docs     render the workbook, HTML and PDF (docs html: HTML only) into docs/target/{student,instructor}
#   ./verify.sh cri      build if needed, then a pod through containerd's CRI (handlers runc and jrunc) and lab 09
#   ./verify.sh kubelet  a real kubelet (yours, or a pinned release it downloads) under runc and jrunc, and lab 10
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
# The CRI client and the standalone kubelet (artifact jrunc-cri): a Maven project of its own that the shim's tests
# and labs 09 and 10 use, and that does not depend on the shim; so it is installed first.
CRI_CLIENT=$SHIM/cri-client
LAUNCHER=$SHIM/target/containerd-shim-jrunc-v2
TOTALS=""
# Maven (Debian's, with jansi 2.4) writes ESC[0m when it starts and ends, even in batch mode without colour.
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true"

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'verify.sh: FAILED: %s\n' "$*" >&2; exit 1; }

# The header above, whatever its length: the comment lines after the shebang.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

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

# Where a fresh machine differs from a prepared one: its apt lists are empty until the first `apt-get update`, so
# whether a package can be had is only known after that. Everything is decided after the update, and the update
# runs only when something is missing. JRUNC_APT_OPTS adds apt options (tests point Dir::State::Lists elsewhere).
APT_UPDATED=0
read -r -a APT_OPTS <<<"${JRUNC_APT_OPTS:-}"

apt_update_once() {
  ((!APT_UPDATED)) || return 0
  command -v apt-get >/dev/null || die "missing packages, and this is not a Debian/Ubuntu machine: install them by hand"
  [[ $(id -u) == 0 ]] || die "missing packages: run as root so that apt-get can install them"
  info "apt-get update"
  apt-get "${APT_OPTS[@]}" update -qq || die "apt-get update failed"
  APT_UPDATED=1
}

# True when apt (after its update) has a candidate for the package.
apt_has() {
  local policy
  # Read it whole first: with pipefail, `grep -q` closing the pipe early would fail apt-cache with SIGPIPE.
  policy=$(apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null || true)
  [[ "$policy" =~ Candidate:\ [0-9] ]]
}

apt_install() {
  apt_update_once
  info "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

java_major() {
  local v
  v=$(javac -version 2>&1 | awk '{ print $2 }') || return 1
  [[ -n "$v" ]] || return 1
  echo "${v%%.*}"
}

# The decision, on its own: prints "required PKG" (must be installed) or "wanted PKG" (installed where apt has it)
# for each thing that is missing. JRUNC_ASSUME_MISSING="criu …" pretends, for the dry run's test.
missing_packages() {
  local assume=" ${JRUNC_ASSUME_MISSING:-} "
  has() { [[ "$assume" != *" $1 "* ]] && PATH="$PATH:/usr/sbin:/sbin" command -v "$2" >/dev/null; }
  { has containerd containerd && has containerd ctr; } || echo "required containerd"
  has runc runc || echo "required runc"
  # The container rootfs needs the static busybox; the Debian package "busybox" is dynamically linked.
  if [[ "$assume" == *" busybox-static "* ]] \
    || [[ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)" != "install ok installed" ]]; then
    echo "required busybox-static"
  fi
  { has procps ps && has procps pgrep; } || echo "required procps"
  # CRIU for checkpoint/restore: containerd only recommends it, and --no-install-recommends skips it. Where apt has
  # no criu, the checkpoint tests report themselves skipped.
  has criu criu || echo "wanted criu"
  has maven mvn || echo "required maven"
  local major
  major=$(java_major || true)
  if [[ "$assume" == *" jdk "* || -z "$major" ]] || ((major < 17)); then echo "required jdk"; fi
}

# Any JDK of 17 or newer will do; where there is none, the distribution's default JDK if it is new enough.
jdk_package() {
  local version
  version=$(apt-cache "${APT_OPTS[@]}" show default-jdk-headless 2>/dev/null \
    | sed -n 's/^Depends: .*openjdk-\([0-9]*\)-jdk-headless.*/\1/p' | head -n 1 || true)
  if [[ -n "$version" ]] && ((version >= 17)); then echo default-jdk-headless; else echo openjdk-17-jdk-headless; fi
}

# prerequisites [--dry-run]: install what is missing (the dry run only says what it would install).
prerequisites() {
  step "checking prerequisites"
  local dry=${1:-} kind pkg
  local -a decided=() required=() wanted=() install=()
  mapfile -t decided < <(missing_packages)
  for kind in "${decided[@]}"; do
    pkg=${kind#* }
    if [[ $kind == required* ]]; then required+=("$pkg"); else wanted+=("$pkg"); fi
  done
  if ((${#decided[@]})); then
    apt_update_once   # only now does apt know what it has (a fresh machine's lists are empty)
    for pkg in "${required[@]}"; do
      if [[ $pkg == jdk ]]; then install+=("$(jdk_package)"); else install+=("$pkg"); fi
    done
    for pkg in "${wanted[@]}"; do
      if apt_has "$pkg"; then install+=("$pkg"); else info "$pkg: apt has no such package here; the tests that need it will say so and skip"; fi
    done
  fi
  if [[ "$dry" == --dry-run ]]; then
    echo "would install: ${install[*]:-nothing}"
    return
  fi
  if ((${#install[@]})); then
    step "installing prerequisites: ${install[*]}"
    apt_install "${install[@]}"
  fi
  local major
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

# The local Maven repository the labs (JBang, offline) and the shim's build take jrunc-cri and jrunc-shim from:
# -Dmaven.repo.local in MAVEN_OPTS where that is set (a separate repository per checkout), else ~/.m2/repository.
maven_repo() {
  local repo
  repo=$(sed -n 's/.*-Dmaven\.repo\.local=\([^ ]*\).*/\1/p' <<<"${MAVEN_OPTS:-}")
  echo "${repo:-$HOME/.m2/repository}"
}

CRI_TESTED=0
# install_cri_client [--with-tests]: mvn install of shim/cri-client (its unit tests only with --with-tests).
install_cri_client() {
  local -a skip=(-DskipTests)
  rm -rf "$CRI_CLIENT/target/surefire-reports"
  if [[ "${1:-}" == --with-tests ]]; then skip=(); CRI_TESTED=1; fi
  step "building the CRI client (shim/cri-client: mvn install${skip[*]:+, tests skipped})"
  (cd "$CRI_CLIENT" && mvn -B -q -ntp -Dstyle.color=never install "${skip[@]}") \
    || die "the CRI client (shim/cri-client) did not build (see Maven's messages above)"
}

build() {
  prerequisites
  install_cri_client
  step "building the shim (mvn install, tests skipped: the labs take it from $(maven_repo))"
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never install -DskipTests) || die "the shim did not build (see Maven's messages above)"
  [[ -x "$LAUNCHER" ]] || die "the build did not produce $LAUNCHER"
  info "built $LAUNCHER"
}

build_if_needed() {
  if [[ -x "$LAUNCHER" && -f "$CRI_JAR" ]] \
    && [[ -z "$(find "$SHIM/src" "$SHIM/pom.xml" "$CRI_CLIENT/src" "$CRI_CLIENT/pom.xml" -newer "$LAUNCHER" -print -quit)" ]]; then
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
  local -a dirs=("$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports")
  # The CRI client's unit tests, when this run ran them.
  ((!CRI_TESTED)) || dirs+=("$CRI_CLIENT/target/surefire-reports")
  files=$(find "${dirs[@]}" -name 'TEST-*.xml' 2>/dev/null || true)
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
  for d in "${FIXTURE_ROOT:-/run/jrunc}"/it-*; do
    [[ -d "$d" ]] || continue
    printf 'verify.sh: warning: a test left %s behind; cleaning it\n' "$d" >&2
    "$SHIM/scripts/private-containerd.sh" stop "$d" || true
  done
}

# run_maven_tests [MVN_ARGS…]: mvn verify in shim/ (with these arguments, e.g. which ITs), totals in TOTALS.
run_maven_tests() {
  step "running unit and integration tests (mvn verify in shim/)"
  mkdir -p "$SHIM/target"
  local log=$SHIM/target/verify-mvn.log rc
  local -a status
  rm -rf "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports" "$SHIM/target/drills"
  # The shim's tests use the CRI client: installed first where the shim's build finds it, after its own unit tests
  # unless this run is for chosen integration tests only (-Dtest=…).
  if [[ " $* " == *" -Dtest="* ]]; then install_cri_client; else install_cri_client --with-tests; fi
  # Full output to a log; on the terminal only progress, test counts and errors.
  set +e
  (cd "$SHIM" && mvn -B -ntp -Dstyle.color=never verify "$@") 2>&1 | tee "$log" \
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

# ---- labs and workbook ------------------------------------------------------------------------------------------
# Each lab is a JBang script, labs/labNN_<name>/LabNN.java (alias labNN in jbang-catalog.json), with an exercise
# (exercise/…: a TODO(labNN) the learner fills in) and its solution (solution/…, same file name). A lab checks its
# claims as it runs: exit 0 when all hold, 1 when one does not (it then says what was expected and which TODO to
# look at), 2 when it cannot run. Run with --record DIR, it also writes its transcript and process-tree picture,
# normalized (pids renumbered, times and paths replaced): docs/src/expected/labNN.txt and docs/src/images/
# labNN-tree.svg are those files, included by the workbook as "What you should see". CI runs every solution and
# fails when what it prints today is not what the book shows, and runs every untouched exercise, which must fail
# with a pointer to its TODO.

SHIM_JAR=$(maven_repo)/dev/jrunc/jrunc-shim/0.1.0-SNAPSHOT/jrunc-shim-0.1.0-SNAPSHOT.jar
CRI_JAR=$(maven_repo)/dev/jrunc/jrunc-cri/0.1.0-SNAPSHOT/jrunc-cri-0.1.0-SNAPSHOT.jar
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
    || die "could not install the shim's jar into $(maven_repo)"
  LABS_FRESH=--fresh   # JBang compiles the labs anew against the jar just installed
}

# For one learner's command: (re)build and install only if the sources are newer than what the local Maven
# repository holds (the shim's jar, and the CRI client's that labs 09 and 10 use).
shim_for_labs() {
  if [[ -x "$LAUNCHER" && -f "$SHIM_JAR" && -f "$CRI_JAR" ]] \
    && [[ -z "$(find "$SHIM/src" "$SHIM/pom.xml" -newer "$SHIM_JAR" -print -quit)" ]] \
    && [[ -z "$(find "$CRI_CLIENT/src" "$CRI_CLIENT/pom.xml" -newer "$CRI_JAR" -print -quit)" ]]; then
    prerequisites
    step "the shim and the CRI client are up to date in $(maven_repo) and shim/target"
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
# lab_exercise_fails NN [--stretch]: the same for the stretch exercise.
lab_exercise_fails() {
  local n=$1 rc=0 pointer file
  local log="$LAB_RECORD/lab$n-exercise${2:-}.log"
  mkdir -p "$LAB_RECORD"
  run_lab "$n" "${@:2}" >"$log" 2>&1 || rc=$?
  pointer=$(grep -oE "look at: +labs/lab${n}_[a-z0-9_]+/exercise/[A-Za-z0-9]+\.java, TODO\(lab$n\)" "$log" | head -n 1 || true)
  if ((rc != 1 && rc != 3)) || [[ -z "$pointer" ]]; then
    tail -n 30 "$log"
    die "lab $n: the untouched exercise should fail (exit 1 or 3) with a pointer to its TODO; it exited $rc" \
      "$([[ -n "$pointer" ]] || echo "without such a pointer") (log: $log)"
  fi
  file=$(sed -E 's/^look at: +//; s/, TODO.*$//' <<<"$pointer")
  grep -q "TODO(lab$n)" "$ROOT/$file" || die "lab $n points at $file, which has no TODO(lab$n)"
  info "lab $n: the untouched ${2:+stretch }exercise fails as it should, pointing at $(sed -E 's/^look at: +//' <<<"$pointer")"
}

has_stretch() { grep -q 'lab.stretch(' "$(lab_dir "$1")/Lab$1.java"; }

# CI's check of one lab: solution and exercise, timed. (Also used by cri() for lab 09.)
lab_check() {
  local n=$1 started=$SECONDS
  lab_dir "$n" >/dev/null || die "no lab $n"
  lab_runnable "$n" || return 0
  step "lab $n: solution, then the untouched exercise"
  # A subshell: its die would otherwise end verify.sh at once, with the reason still inside the log file.
  (lab_solution_check "$n") >"$LAB_RECORD/lab$n-solution.log" 2>&1 || { cat "$LAB_RECORD/lab$n-solution.log"; exit 1; }
  tail -n 1 "$LAB_RECORD/lab$n-solution.log"
  lab_exercise_fails "$n"
  if has_stretch "$n"; then lab_exercise_fails "$n" --stretch; fi
  LAB_TIMES+=("lab$n $((SECONDS - started))s")
}

run_lab_checks() {
  mkdir -p "$LAB_RECORD"
  install_built_shim
  local n
  for n in $(lab_numbers); do lab_check "$n"; done
  info "lab check times: ${LAB_TIMES[*]}"
  lab_feedback_checks
}

# ---- the learner's feedback: each kind of failure named by its cause ----------------------------------------------
# Each case runs a lab in a copy of the labs (labs/target/feedback/<case>/, the learner's own exercise untouched),
# with one broken exercise from labs/feedback/, and checks what the lab and feedback() say.

# feedback_case NAME LAB EXERCISE-FILE (relative to the lab folder) BROKEN-FILE|- EXPECTED-TEXT [ENV=VALUE…]
feedback_case() {
  local name=$1 n=$2 target=$3 broken=$4 expected=$5
  shift 5
  local copy="$LAB_RECORD/../feedback/$name" rc=0 said
  rm -rf "$copy"
  mkdir -p "$copy/shim"
  cp "$ROOT/jbang-catalog.json" "$copy/"
  (cd "$ROOT" && tar --exclude=labs/target -cf - labs) | tar -C "$copy" -xf -
  ln -s "$SHIM/scripts" "$copy/shim/scripts"
  ln -s "$SHIM/target" "$copy/shim/target"
  if [[ "$broken" != - ]]; then cp "$ROOT/labs/feedback/$broken" "$copy/labs/$(basename "$(lab_dir "$n")")/$target"; fi
  (cd "$copy" && env "$@" "$(command -v jbang || echo "$ROOT/labs/jbang")" --quiet -o --fresh "lab$n") >"$copy/run.log" 2>&1 || rc=$?
  said=$( (feedback "$n" "$rc" "$copy/run.log") 2>&1 || true)
  if [[ "$said" != *"$expected"* ]]; then
    tail -n 20 "$copy/run.log"
    die "feedback for $name: expected a message with \"$expected\"; verify.sh said: $said"
  fi
  info "feedback, $name: ${said#verify.sh: FAILED: }"
}

lab_feedback_checks() {
  step "the learner's feedback names the cause (labs/feedback/)"
  feedback_case compile-error 04 exercise/Zombies.java lab04/does-not-compile.java \
    "your exercise does not compile. javac's first complaint: labs/lab04_reap_zombies/exercise/Zombies.java:"
  feedback_case exercise-threw 04 exercise/Zombies.java lab04/throws.java "your code threw an exception"
  grep -q 'at:       labs/lab04_reap_zombies/exercise/Zombies.java:[0-9]* (in reapAll)' "$LAB_RECORD/../feedback/exercise-threw/run.log" \
    || die "feedback for exercise-threw: the lab did not name the exercise's line"
  feedback_case wrong-result 04 exercise/Zombies.java lab04/wrong-result.java "Your code returned something the lab did not expect"
  grep -q 'exitStatus(0x000f) is what containerd reports' "$LAB_RECORD/../feedback/wrong-result/run.log" \
    || die "feedback for wrong-result: the ✗ did not say which claim"
  feedback_case machine-lacks-runc 01 - - "could not run" JRUNC_RUNC=/nonexistent/runc
  grep -q 'runc is missing' "$LAB_RECORD/../feedback/machine-lacks-runc/run.log" \
    || die "feedback for machine-lacks-runc: the lab did not say that runc is missing"
}

# ./verify.sh labNN [--solution [--repeat N [--busy]]]: what a learner runs. Without --solution: does MY exercise
# pass yet?
lab_learner() {
  local n=$1 rc=0
  shift
  need_root "lab$n"
  lab_dir "$n" >/dev/null || die "there is no lab $n (labs here: $(lab_numbers | paste -sd' '))"
  parse_lab_options "$@"
  lab_runnable "$n" || return 0
  shim_for_labs
  mkdir -p "$LAB_RECORD"
  if ((REPEAT > 0)); then
    repeat_solutions "$n"
    return
  fi
  if ((SOLUTION)); then
    step "lab $n, the solution (and the workbook's expected output)"
    lab_solution_check "$n"
    return
  fi
  if ((STRETCH)) && ! has_stretch "$n"; then die "lab $n has no stretch exercise"; fi
  step "lab $n, your $( ((STRETCH)) && echo "stretch ")exercise: $(cd "$ROOT" && find "labs/$(basename "$(lab_dir "$n")")/exercise" -name '*.java' | paste -sd' ')"
  local log="$LAB_RECORD/lab$n-last.log"
  set +e
  # shellcheck disable=SC2046 # zero or one option
  run_lab "$n" $( ((STRETCH)) && echo --stretch) 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  feedback "$n" "$rc" "$log"
}

# What a lab's outcome means for the learner, in one line, by its cause: (exit status, what it printed).
feedback() {
  local n=$1 rc=$2 log=$3 where
  if ((rc == 1)) && grep -q 'Error during compile' "$log"; then
    where=$(grep -m1 -oE 'labs/lab[0-9]+_[a-z0-9_]+/[a-z]+/[A-Za-z0-9]+\.java:[0-9]+: error: .*' "$log" || true)
    if [[ "$where" == */exercise/* ]]; then
      die "lab $n: your exercise does not compile. javac's first complaint: $where"
    fi
    die "lab $n does not compile, and not because of your exercise (${where:-see the compiler messages above}): is the shim in $(maven_repo) current? ./verify.sh build"
  fi
  case $rc in
    0) step "lab $n: your exercise passes. Next: $(next_lab "$n")" ;;
    1) die "lab $n: not yet. Your code returned something the lab did not expect: the ✗ above says what was expected," \
         "what came instead, and which TODO to look at; then run ./verify.sh lab$n again" ;;
    3) die "lab $n: your code threw an exception (the ✗ above names it and the line it came from)" ;;
    4) step "lab $n was skipped: it needs something this machine lacks (above: what, and how to get it)" ;;
    *) die "lab $n could not run (exit $rc, see above); this is not about your exercise" ;;
  esac
}

next_lab() {
  local n m
  for m in $(lab_numbers); do if ((10#$m > 10#$1)); then echo "./verify.sh lab$m"; return; fi; done
  echo "the last lab with an exercise is done; the workbook goes on with the chapters after it (./verify.sh docs)"
}

SOLUTION=0
STRETCH=0
REPEAT=0
BUSY=0
UPDATE_BOOK=${UPDATE_BOOK:-0}
parse_lab_options() {
  while (($#)); do
    case $1 in
      --solution) SOLUTION=1 ;;
      --update-book) SOLUTION=1; UPDATE_BOOK=1 ;;
      --repeat) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--repeat needs a count (--repeat 20)"; REPEAT=$2; shift ;;
      --busy) BUSY=1 ;;
      --stretch) STRETCH=1 ;;
      *) die "unknown option $1 (labs take --solution, --stretch, --update-book, --repeat N, --busy)" ;;
    esac
    shift
  done
  if ((REPEAT > 0 && !SOLUTION)); then die "--repeat runs the solutions: add --solution"; fi
  if ((BUSY && !REPEAT)); then die "--busy goes with --repeat N"; fi
}

# ./verify.sh labs [--solution | --update-book] [--repeat N [--busy]]
labs_all() {
  need_root labs
  parse_lab_options "$@"
  shim_for_labs
  mkdir -p "$LAB_RECORD"
  local n rc passed=() open=()
  if ((REPEAT > 0)); then
    # shellcheck disable=SC2046 # one lab number per word
    repeat_solutions $(runnable_lab_numbers)
    return
  fi
  if ((SOLUTION)); then
    for n in $(lab_numbers); do step "lab $n, the solution"; if lab_runnable "$n"; then lab_solution_check "$n"; fi; done
    return
  fi
  for n in $(lab_numbers); do
    rc=0
    lab_runnable "$n" || continue
    run_lab "$n" >"$LAB_RECORD/lab$n-exercise.log" 2>&1 || rc=$?
    if ((rc == 0)); then passed+=("$n"); else open+=("$n"); fi
  done
  info "exercises that pass: ${passed[*]:-none}"
  info "not yet: ${open[*]:-none} (run ./verify.sh labNN to see why)"
}

# ---- repeated runs: no check may pass or fail by luck --------------------------------------------------------------
# --repeat N runs the same thing N times and counts; --busy keeps every core busy meanwhile (one `sha256sum
# /dev/zero` per core, started and stopped here), where races that a quiet machine hides come out.

BUSY_PIDS=()
start_busy_cores() {
  local i
  for ((i = 0; i < $(nproc); i++)); do
    sha256sum /dev/zero >/dev/null 2>&1 &
    BUSY_PIDS+=("$!")
  done
  trap stop_busy_cores EXIT
  info "keeping $(nproc) cores busy (sha256sum /dev/zero, pids ${BUSY_PIDS[*]})"
}

stop_busy_cores() {
  ((${#BUSY_PIDS[@]})) || return 0
  kill "${BUSY_PIDS[@]}" 2>/dev/null || true
  wait "${BUSY_PIDS[@]}" 2>/dev/null || true
  BUSY_PIDS=()
}

# repeat_solutions LAB…: every solution REPEAT times, round by round (so that drift hits all alike), each checked
# against the book as CI checks it; a table of how often each passed; fails unless all passed every time.
repeat_solutions() {
  local -A passes=()
  local n round failures=0
  for n in "$@"; do passes[$n]=0; done
  step "the solutions of lab $* , $REPEAT times each$( ((BUSY)) && echo ", with every core kept busy")"
  ((!BUSY)) || start_busy_cores
  for ((round = 1; round <= REPEAT; round++)); do
    for n in "$@"; do
      local log="$LAB_RECORD/lab$n-repeat-$round.log"
      if (lab_solution_check "$n") >"$log" 2>&1; then
        passes[$n]=$((passes[$n] + 1))
        rm -f "$log"
      else
        failures=$((failures + 1))
        info "round $round: lab $n FAILED (log: ${log#"$ROOT"/})"
      fi
    done
    info "round $round of $REPEAT done"
  done
  stop_busy_cores
  step "passed, of $REPEAT runs each$( ((BUSY)) && echo " (every core busy)")"
  for n in "$@"; do printf '    lab %s  %d of %d\n' "$n" "${passes[$n]}" "$REPEAT"; done
  ((failures == 0)) || die "$failures of $((REPEAT * $#)) runs failed (their logs are named above)"
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

# ---- CRI and the reference VM -----------------------------------------------------------------------------------

CRI_ITS=CriPodLifecycleIT,JruncRegistrationIT,BuildImagesIT

# A pod through containerd's CRI plugin (handler jrunc, and runc as the control), the VM's registration script, and
# lab 09: the CRI part of `test` on its own.
cri() {
  need_root cri
  build_if_needed
  step "CRI: the pod lifecycle, the VM's registration script, the images (mvn verify -Dit.test=$CRI_ITS)"
  rm -rf "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports"
  install_cri_client --with-tests   # the client's unit tests; the ITs below use it
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never verify -Dtest=NoUnitTestsHere \
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
  step "the VM's recipe: vagrant validate, shellcheck of vagrant/provision and our own scripts"
  local tool
  for tool in vagrant shellcheck; do
    if ! command -v "$tool" >/dev/null && command -v apt-get >/dev/null; then
      info "apt-get install $tool (Debian's, for these checks only)"
      (apt_update_once) >/dev/null 2>&1 && APT_UPDATED=1
      DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "$tool" \
        >/dev/null 2>&1 || true
    fi
  done
  if command -v vagrant >/dev/null; then
    # --ignore-provider: no VirtualBox or libvirt here; the rest (boxes, synced folder, provisioner paths) is checked.
    (cd "$ROOT/vagrant" && vagrant validate --ignore-provider) || die "vagrant validate failed"
  else
    info "SKIPPED vagrant validate, because vagrant is not installed and apt could not install Debian's package"
  fi
  if command -v shellcheck >/dev/null; then
    shellcheck -x -P SCRIPTDIR "$ROOT"/vagrant/provision/*.sh && info "shellcheck: no findings in vagrant/provision"
    (cd "$ROOT" && shellcheck verify.sh .ci/run labs/jbang shim/scripts/*.sh) && info "shellcheck: no findings in our scripts"
  else
    info "SKIPPED shellcheck, because it is not installed and apt could not install Debian's package"
  fi
}

test_all() {
  need_root test
  local line="" failed=()
  while (($#)); do
    case $1 in
      --containerd) line=${2:?--containerd needs a line, e.g. 2.1}; shift 2 ;;
      *) die "unknown option $1 (./verify.sh test [--containerd LINE])" ;;
    esac
  done
  prerequisites
  kubelet_available || true   # fetched now, if it can be, so that the kubelet test runs too
  if [[ -n "$line" ]]; then
    # One line, the whole Maven suite: what a change that concerns one line is checked with.
    test_line "$line" || failed+=("$line")
    report_lines
    ((${#failed[@]} == 0)) || die "the suite failed on containerd $line (reports: shim/target/failsafe-reports)"
    return
  fi
  test_line system || die "the suite failed on the system's containerd (see above)"
  run_lab_checks
  render_docs
  vagrant_checks
  line_transcript system
  for line in $OTHER_LINES; do
    test_line "$line" "$E2E_ITS" || failed+=("$line")
    line_transcript "$line"
  done
  ((${#failed[@]} == 0)) || { report_lines; die "the end-to-end tests failed on containerd ${failed[*]}"; }
  step "all checks passed"
  # The counts of every line, their sum as the very last line, where CI looks for it.
  report_lines
}

# ---- containerd lines -----------------------------------------------------------------------------------------------
# The shim must work on every containerd line people run: 1.6 (this machine's, from apt), 1.7 and 2.x. Debian's
# archive carries 1.7.24 (trixie) and 2.1.9 (sid); their .deb is fetched with an apt configuration of our own (own
# source list, lists and cache under CONTAINERD_CACHE, nothing else of apt's touched), unpacked with `dpkg -x` into
# CONTAINERD_CACHE/<version>, and never installed: the system's containerd stays what it is. A test run against such a
# line exports JRUNC_CONTAINERD_BIN, which private-containerd.sh and the testkit use instead of the system's binaries.
# Newer lines (2.2, 2.3, 2.4) are in no package here: the workbook's chapter "containerd lines" says how to test them.

CONTAINERD_CACHE=${JRUNC_CONTAINERD_CACHE:-/var/cache/jrunc/containerd}
# Beside the full suite on the system's containerd, `test` runs the end-to-end tests on these lines (JRUNC_LINES="":
# none). Each takes a few minutes; the whole of `test` stays within CI's budget.
OTHER_LINES=${JRUNC_LINES-1.7 2.1}
# The end-to-end tests: a container run, exec (with piped stdin), the events field for field beside the Go shim, a TTY,
# a containerd restart, a shim crash, a CRI pod, the registration
# script on that line's configuration, what the shim tells each line (-info, the bootstrap), and a real kubelet's pods
# under both shims (skipped, saying why, where there is no kubelet).
E2E_ITS=RunIT,ExecIT,ExecStdinIT,EventsParityIT,RestartIT,CrashCleanupIT,CriPodLifecycleIT,SandboxShimIT,JruncRegistrationIT,InfoIT,BootstrapIT,ContainerdVersionIT,KubeletDifferentialIT
FIXTURE_ROOT=${JRUNC_FIXTURE_ROOT:-/run/jrunc}

# A Debian mirror: JRUNC_DEBIAN_MIRROR, else the one this machine's apt already uses for Debian itself.
debian_mirror() {
  local uri
  if [[ -n "${JRUNC_DEBIAN_MIRROR:-}" ]]; then echo "$JRUNC_DEBIAN_MIRROR"; return; fi
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^URIs:/ { uris = $2 } /^Suites:/ { debian = ($0 ~ /(bookworm|trixie|forky|sid)( |$)/) }
      /^$/ { if (debian && uris) { print uris; exit } uris = ""; debian = 0 }
      END { if (debian && uris) print uris }' | head -n 1)
  [[ -n "$uri" ]] || uri=$(awk '$1 == "deb" && $0 ~ / (bookworm|trixie|forky|sid) / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
  [[ -n "$uri" ]] || die "no Debian mirror in this machine's apt sources: set JRUNC_DEBIAN_MIRROR to one"
  echo "$uri"
}

# apt-get or apt-cache with our own source list (trixie and sid), lists and package cache: the system's apt state is only read.
line_apt() {
  local tool=$1 apt=$CONTAINERD_CACHE/apt
  shift
  "$tool" -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$apt/lists" \
    -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root "$@"
}

# containerd_line LINE: the folder with that line's containerd, ctr and containerd-shim-runc-v2, fetched once.
# LINE is a version prefix (1.7, 2.1, 2.1.9); the newest version of Debian's trixie or sid that starts with it wins.
containerd_line() {
  local line=$1 apt=$CONTAINERD_CACHE/apt version dir deb keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ "$line" =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || die "not a containerd line: $line (e.g. 1.7 or 2.1)"
  if [[ -f "$CONTAINERD_CACHE/line-$line" ]]; then
    dir=$(cat "$CONTAINERD_CACHE/line-$line")
    if [[ -x "$dir/usr/bin/containerd" && -x "$dir/usr/bin/ctr" ]]; then echo "$dir/usr/bin"; return; fi
  fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then die "fetching containerd $line needs apt-get and dpkg"; fi
  [[ -f "$keyring" ]] || apt_install debian-archive-keyring >&2
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$(debian_mirror)" trixie "$keyring" "$(debian_mirror)" sid \
    >"$apt/sources.list"
  info "apt-get update (own lists in $apt: Debian trixie and sid)" >&2
  line_apt apt-get update -qq >&2 || die "apt-get update of trixie and sid failed (see above)"
  version=$(line_apt apt-cache madison containerd 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' \
    | awk -v l="$line" 'index($0, l ".") == 1 || index($0, l "~") == 1 || index($0, l "+") == 1 || $0 == l' \
    | sort -V -r | head -n 1)
  [[ -n "$version" ]] || die "Debian's trixie and sid have no containerd $line (they have: $(line_apt apt-cache madison containerd \
    | awk -F'|' '{ gsub(/ /, "", $2); printf "%s ", $2 }'))"
  info "apt-get download containerd=$version" >&2
  (cd "$apt/debs" && line_apt apt-get download -qq "containerd=$version" >&2) || die "could not download containerd $version"
  deb=$(find "$apt/debs" -name "containerd_${version//[:]/%3a}_*.deb" | head -n 1)
  [[ -f "$deb" ]] || die "the download of containerd $version left no .deb in $apt/debs"
  dir=$CONTAINERD_CACHE/${version//[:~+]/_}
  rm -rf "$dir"
  dpkg -x "$deb" "$dir" || die "dpkg -x $deb failed"
  "$dir/usr/bin/containerd" --version >/dev/null 2>&1 \
    || die "containerd $version does not run here: $("$dir/usr/bin/containerd" --version 2>&1 | head -n 1)"
  echo "$dir" >"$CONTAINERD_CACHE/line-$line"
  info "containerd $version unpacked in $dir (not installed)" >&2
  echo "$dir/usr/bin"
}

# ./verify.sh containerd LINE: fetch a line and say where it is (for a hand-run private containerd: JRUNC_CONTAINERD_BIN).
containerd_fetch() {
  need_root containerd
  local bin
  bin=$(containerd_line "${1:?usage: ./verify.sh containerd LINE (e.g. 2.1)}")
  step "$("$bin/containerd" --version | awk '{ print "containerd " $3 }') in $bin"
  info "use it: JRUNC_CONTAINERD_BIN=$bin shim/scripts/private-containerd.sh start /run/jrunc/try"
}

# test_line LINE [ITS]: the suite (only the integration tests ITS, if given) against containerd LINE ("system": the
# system's). Prints the line's counts and adds them to LINE_TOTALS; returns mvn's status.
LINE_TOTALS=()
test_line() {
  local line=$1 its=${2:-} bin="" version rc=0
  local -a args=(-Djrunc.fixtureRoot="$FIXTURE_ROOT")
  if [[ "$line" != system ]]; then bin=$(containerd_line "$line"); fi
  version=$("${bin:+$bin/}containerd" --version | awk '{ print $3 }')
  if [[ -n "$its" ]]; then
    args+=(-Dtest=NoUnitTestsHere -Dsurefire.failIfNoSpecifiedTests=false -Dit.test="$its")
    step "containerd $version: the end-to-end tests ($its)"
  else
    step "containerd $version: the whole suite"
  fi
  # A subshell: run_maven_tests ends verify.sh on a failure, and the other lines' summaries must still be shown.
  (JRUNC_CONTAINERD_BIN=$bin run_maven_tests "${args[@]}") || rc=$?
  # The subshell ran the CRI client's unit tests too, with the whole suite: count them here as it did there.
  [[ -n "$its" ]] || CRI_TESTED=1
  TOTALS=$(report_totals)
  LINE_TOTALS+=("containerd $version: $TOTALS")
  return "$rc"
}

# The workbook's chapter "containerd lines" shows what shim/scripts/containerd-line-tour.sh prints on each line:
# docs/src/expected/lines-<major.minor>.txt. line_transcript LINE checks that it still prints that (UPDATE_BOOK=1:
# refreshes the book instead).
line_transcript() {
  local line=$1 bin="" version name out rc=0
  if [[ "$line" != system ]]; then bin=$(containerd_line "$line"); fi
  version=$("${bin:+$bin/}containerd" --version | awk '{ print $3 }')
  name=lines-$(sed -E 's/^v?([0-9]+\.[0-9]+).*/\1/' <<<"$version").txt
  mkdir -p "$LAB_RECORD"
  out=$LAB_RECORD/$name
  JRUNC_CONTAINERD_BIN=$bin "$SHIM/scripts/containerd-line-tour.sh" "$FIXTURE_ROOT/tour" >"$out" 2>"$out.log" || rc=$?
  ((rc == 0)) || { cat "$out.log" >&2; die "containerd-line-tour.sh failed on containerd $version"; }
  if [[ "${UPDATE_BOOK:-0}" == 1 ]]; then
    cp "$out" "$BOOK_EXPECTED/$name"
    info "updated docs/src/expected/$name"
  elif ! diff -u "$BOOK_EXPECTED/$name" "$out"; then
    die "on containerd $version the tour prints something else than the workbook shows (docs/src/expected/$name, diff" \
      "above); if intended: ./verify.sh lines --update-book"
  else
    info "containerd $version: the tour prints what the workbook shows (docs/src/expected/$name)"
  fi
}

# ./verify.sh lines [--update-book]: the tour on the system's containerd and on OTHER_LINES.
lines_tour() {
  need_root lines
  build_if_needed
  case "${1:-}" in
    --update-book) UPDATE_BOOK=1 ;;
    "") ;;
    *) die "unknown option $1 (./verify.sh lines [--update-book])" ;;
  esac
  local line
  for line in system $OTHER_LINES; do
    step "the tour of what each containerd line hands the shim, on containerd ${line/system/of the system}"
    line_transcript "$line"
  done
}

# The counts of every line run, one line each, and their sum as the closing line.
report_lines() {
  local entry
  step "suite summaries per containerd line"
  for entry in "${LINE_TOTALS[@]}"; do info "$entry"; done
  printf '%s\n' "${LINE_TOTALS[@]}" | awk '
    { for (i = 1; i <= NF; i++) { if ($i == "passed,") p += $(i-1); if ($i == "failed,") f += $(i-1); if ($i == "skipped") s += $(i-1) } }
    END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }'
}

# ---- kubelet without a cluster (lab 10) -------------------------------------------------------------------------
# kubelet is no part of the repository. Lab 10 and KubeletDifferentialIT use JRUNC_KUBELET, else `kubelet` on PATH,
# else the official release KUBELET_RELEASE, which verify.sh downloads once from dl.k8s.io into
# KUBELET_CACHE/<release>/kubelet (where the lab and the test look too) and uses only if its SHA-256 is the one pinned
# here and the one dl.k8s.io publishes beside it. Without a kubelet (CI has none, and no way to dl.k8s.io) both report
# themselves skipped, saying how to get one; `test` stays green.
KUBELET_RELEASE=v1.35.1
KUBELET_SHA256_amd64=e7343310e03ff0d424df4397bdfa4468947d6d1f0f93dac586c1e8d6e4086d5d
KUBELET_SHA256_arm64=73475c6db8fd8a9780b1b378fa2f917875e6146166c24603c1abc6eafd4493a8
KUBELET_CACHE=/var/cache/jrunc/kubelet
# A mirror of dl.k8s.io's release tree, where that is how this machine reaches it; the pinned SHA-256 stays the judge.
KUBELET_BASE_URL=${JRUNC_KUBELET_BASE_URL:-https://dl.k8s.io}
KUBELET_ITS=KubeletDifferentialIT
KUBELET_LABS=" 10 "
KUBELET_TRIED=0
KUBELET_MISSING=""

# The kubelet to use: JRUNC_KUBELET, PATH's, or one downloaded before (the newest release in the cache).
kubelet_find() {
  local found=""
  if [[ -n "${JRUNC_KUBELET:-}" ]]; then
    [[ -x "$JRUNC_KUBELET" && -f "$JRUNC_KUBELET" ]] && echo "$JRUNC_KUBELET"
    return 0
  fi
  if found=$(command -v kubelet 2>/dev/null); then echo "$found"; return 0; fi
  found=$(find "$KUBELET_CACHE" -mindepth 2 -maxdepth 2 -name kubelet -type f -perm -u+x 2>/dev/null | sort -V | tail -n 1)
  [[ -z "$found" ]] || echo "$found"
}

# Downloads KUBELET_RELEASE for this machine into the cache. Prints nothing and returns 0 on success; prints why not
# and returns 1 otherwise. Nothing is left behind but a verified binary (or nothing).
kubelet_download() {
  local arch want published url dir tmp
  case $(uname -m) in
    x86_64) arch=amd64 want=$KUBELET_SHA256_amd64 ;;
    aarch64 | arm64) arch=arm64 want=$KUBELET_SHA256_arm64 ;;
    *) echo "no pinned kubelet release for $(uname -m)"; return 1 ;;
  esac
  command -v curl >/dev/null || { echo "curl is not installed, so verify.sh cannot download one"; return 1; }
  url=$KUBELET_BASE_URL/release/$KUBELET_RELEASE/bin/linux/$arch/kubelet
  dir=$KUBELET_CACHE/$KUBELET_RELEASE
  tmp=$(mktemp -d)
  # A short connect timeout: on a machine without a way to dl.k8s.io this costs seconds, not minutes.
  if ! curl -fsSL --connect-timeout 10 --max-time 900 -o "$tmp/kubelet" "$url" 2>/dev/null; then
    rm -rf "$tmp"
    echo "$url could not be downloaded"
    return 1
  fi
  if [[ "$(sha256sum <"$tmp/kubelet" | cut -d' ' -f1)" != "$want" ]]; then
    rm -rf "$tmp"
    echo "the download of $url does not have the pinned SHA-256 $want: not used"
    return 1
  fi
  published=$(curl -fsSL --connect-timeout 10 --max-time 60 "$url.sha256" 2>/dev/null | awk '{ print $1 }')
  if [[ "$published" != "$want" ]]; then
    rm -rf "$tmp"
    echo "$url.sha256 says '${published:-nothing}', and verify.sh pins $want: not used"
    return 1
  fi
  mkdir -p "$dir"
  install -m 0755 "$tmp/kubelet" "$dir/kubelet"
  rm -rf "$tmp"
}

# Exports JRUNC_KUBELET (for the lab and the test) and returns 0 if there is a kubelet, downloading one once per run
# where there is none; otherwise sets KUBELET_SKIPPED to the one-line reason and returns 1. (Called directly, not in
# $(…): the export and the once-per-run must reach the caller.)
KUBELET_SKIPPED=""
kubelet_available() {
  local found why
  found=$(kubelet_find)
  if [[ -z "$found" && -z "${JRUNC_KUBELET:-}" ]] && ((!KUBELET_TRIED)); then
    KUBELET_TRIED=1
    info "no kubelet here: downloading $KUBELET_RELEASE from $KUBELET_BASE_URL (checked against its pinned SHA-256)"
    if why=$(kubelet_download); then found=$(kubelet_find); else KUBELET_MISSING=$why; fi
  fi
  if [[ -n "$found" ]]; then
    export JRUNC_KUBELET=$found
    return 0
  fi
  if [[ -n "${JRUNC_KUBELET:-}" ]]; then
    why="JRUNC_KUBELET=$JRUNC_KUBELET is not an executable file"
  else
    why="no kubelet on PATH, none in $KUBELET_CACHE${KUBELET_MISSING:+, and $KUBELET_MISSING}"
  fi
  KUBELET_SKIPPED="skipped, because no kubelet is available ($why; put a kubelet (1.34 or newer) on PATH, or set"
  KUBELET_SKIPPED+=" JRUNC_KUBELET=/path/to/kubelet, or let ./verify.sh kubelet download $KUBELET_RELEASE from dl.k8s.io)"
  return 1
}

# lab_runnable N: 0 if lab N can run here; otherwise says why it is skipped (lab 10 without a kubelet) and returns 1.
lab_runnable() {
  [[ "$KUBELET_LABS" == *" $1 "* ]] || return 0
  kubelet_available && return 0
  step "lab $1 $KUBELET_SKIPPED"
  LAB_TIMES+=("lab$1 skipped")
  return 1
}

# The labs that can run here (the others say why not, on stderr).
runnable_lab_numbers() {
  local n
  for n in $(lab_numbers); do if lab_runnable "$n" >&2; then echo "$n"; fi; done
}

# ./verify.sh kubelet: the kubelet part of `test` on its own: the differential test (the same static pods under the Go
# shim and ours, compared on what kubelet reports and what is left afterwards) and lab 10.
kubelet_checks() {
  need_root kubelet
  build_if_needed
  if ! kubelet_available; then
    step "the kubelet checks were $KUBELET_SKIPPED"
    return 0
  fi
  step "kubelet $("$JRUNC_KUBELET" --version 2>/dev/null | awk '{ print $2 }') ($JRUNC_KUBELET): mvn verify -Dit.test=$KUBELET_ITS"
  rm -rf "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports"
  install_cri_client --with-tests   # the kubelet classes' unit tests; the IT below uses them
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never verify -Dtest=NoUnitTestsHere \
      -Dsurefire.failIfNoSpecifiedTests=false -Dit.test="$KUBELET_ITS") \
    || { clean_leftover_fixtures; die "the kubelet test failed (reports: shim/target/failsafe-reports)"; }
  report_totals
  mkdir -p "$LAB_RECORD"
  install_built_shim
  lab_check 10
}

# ---- benchmark --------------------------------------------------------------------------------------------------
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

# ---- reliability drills -----------------------------------------------------------------------------------------
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
  for d in "$FIXTURE_ROOT"/it-drill-* "$FIXTURE_ROOT"/it-crashcleanupit "$FIXTURE_ROOT"/it-hostileinputit; do
    [[ -d "$d" ]] || continue
    printf 'verify.sh: warning: a drill left %s behind; cleaning it\n' "$d" >&2
    "$SHIM/scripts/private-containerd.sh" stop "$d" || true
  done
  step "what the drills held (shim/target/drills/)"
  cat "$SHIM"/target/drills/*.txt 2>/dev/null || info "(no figures: the drills did not get that far)"
  report_totals
  ((rc == 0)) || die "a drill failed (reports: shim/target/failsafe-reports)"
}

# ./verify.sh its --repeat N [--busy] [CLASS,CLASS…]: integration tests N times (default: those where threads,
# processes and events race each other), counted per class from Failsafe's reports.
CONCURRENT_ITS=ExecIT,ExecStdinIT,LifecycleIT,RunIT,GroupingIT,SharedModeIT,RestartIT,CrashCleanupIT,DrillConcurrencyIT,DrillChurnIT,DrillOutputsIT
repeat_its() {
  need_root its
  local classes=$CONCURRENT_ITS round class report tests bad
  while (($#)); do
    case $1 in
      --repeat) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--repeat needs a count (--repeat 10)"; REPEAT=$2; shift ;;
      --busy) BUSY=1 ;;
      -*) die "unknown option $1 (./verify.sh its --repeat N [--busy] [CLASS,CLASS…])" ;;
      *) classes=$1 ;;
    esac
    shift
  done
  ((REPEAT > 0)) || die "./verify.sh its needs --repeat N"
  build_if_needed
  local -A passes=() ran=()
  IFS=, read -r -a names <<<"$classes"
  for class in "${names[@]}"; do passes[$class]=0; ran[$class]=0; done
  step "integration tests $classes, $REPEAT times$( ((BUSY)) && echo ", with every core kept busy")"
  ((!BUSY)) || start_busy_cores
  mkdir -p "$SHIM/target/repeat"
  for ((round = 1; round <= REPEAT; round++)); do
    rm -rf "$SHIM/target/failsafe-reports"
    (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never verify -Dtest=NoUnitTestsWhenRepeating \
        -Dsurefire.failIfNoSpecifiedTests=false -Dit.test="$classes") >"$SHIM/target/repeat/round-$round.log" 2>&1 || true
    clean_leftover_fixtures
    for class in "${names[@]}"; do
      report=$(find "$SHIM/target/failsafe-reports" -name "TEST-*.$class.xml" 2>/dev/null | head -n 1)
      if [[ -z "$report" ]]; then
        info "round $round: $class did not run (log: shim/target/repeat/round-$round.log)"
        continue
      fi
      ran[$class]=$((ran[$class] + 1))
      tests=$(grep -o -m1 'tests="[0-9]*"' "$report" | tr -dc 0-9)
      bad=$(grep -o -m1 -E 'failures="[0-9]*"' "$report" | tr -dc 0-9)
      bad=$((bad + $(grep -o -m1 -E 'errors="[0-9]*"' "$report" | tr -dc 0-9)))
      if ((tests > 0 && bad == 0)); then
        passes[$class]=$((passes[$class] + 1))
      else
        cp "$report" "$SHIM/target/repeat/round-$round-$class.xml"
        info "round $round: $class FAILED (shim/target/repeat/round-$round-$class.xml)"
      fi
    done
    info "round $round of $REPEAT done"
  done
  stop_busy_cores
  step "passed, of $REPEAT runs each$( ((BUSY)) && echo " (every core busy)")"
  local failures=0
  for class in "${names[@]}"; do
    printf '    %-22s %d of %d\n' "$class" "${passes[$class]}" "$REPEAT"
    failures=$((failures + REPEAT - passes[$class]))
  done
  ((failures == 0)) || die "$failures runs did not pass (reports and logs in shim/target/repeat/)"
}

lint() {
  command -v shellcheck >/dev/null || die "shellcheck is not installed (apt-get install -y shellcheck)"
  step "shellcheck"
  shellcheck verify.sh .ci/run labs/jbang shim/scripts/*.sh && info "no findings"
  shellcheck -x -P SCRIPTDIR vagrant/provision/*.sh && info "no findings in vagrant/provision"
}

case "${1:-help}" in
  build) build ;;
  prerequisites) shift; prerequisites "$@" ;;
  demo) demo ;;
  test) shift; test_all "$@" ;;
  containerd) shift; containerd_fetch "$@" ;;
  lines) shift; lines_tour "$@" ;;
  jbang) shift; jbang_cmd "$@" ;;
  lint) lint ;;
  docs) shift; prerequisites; render_docs "${1:-}" ;;
  lab[0-9][0-9]) n=${1#lab}; shift; lab_learner "$n" "$@" ;;
  labs) shift; labs_all "$@" ;;
  cri) cri ;;
  kubelet) kubelet_checks ;;
  vm) vm ;;
  bench) shift; bench "$@" ;;
  soak) shift; soak "$@" ;;
  its) shift; repeat_its "$@" ;;
  lab-feedback) need_root lab-feedback; shim_for_labs; mkdir -p "$LAB_RECORD"; lab_feedback_checks ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
