#!/usr/bin/env bash
# verify.sh — the single entry point of the jrunc workbook: build, demo, test.
#
#   ./verify.sh build    install what is missing (containerd, runc, busybox-static, JDK 17, Maven), build the shim
#   ./verify.sh demo     build if needed, then the main-job demo (RUNTIME=io.containerd.runc.v2 for the Go shim)
#   ./verify.sh test     build prerequisites, then unit tests and integration tests (mvn verify), then lab checks
#   ./verify.sh jbang …  run JBang (installed, or the labs/jbang bootstrap)
#   ./verify.sh lint     shellcheck our scripts (if shellcheck is installed)
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

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

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
  step "building the shim (mvn package, tests skipped)"
  (cd "$SHIM" && mvn -B -q -ntp -Dstyle.color=never package -DskipTests) || die "the shim did not build (see Maven's messages above)"
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
  rm -rf "$SHIM/target/surefire-reports" "$SHIM/target/failsafe-reports"
  # Full output to a log; on the terminal only progress, test counts and errors.
  set +e
  (cd "$SHIM" && mvn -B -ntp -Dstyle.color=never verify) 2>&1 | tee "$log" \
    | grep --line-buffered -E '^\[INFO\] Running |Tests run:|<<< (FAIL|ERR)|^\[ERROR\]|BUILD (SUCCESS|FAILURE)'
  status=("${PIPESTATUS[@]}")
  set -e
  rc=${status[0]}
  clean_leftover_fixtures
  TOTALS=$(report_totals)
  echo "$TOTALS"
  if ((rc != 0)); then
    printf '\n---- last 60 lines of %s ----\n' "$log"
    tail -n 60 "$log"
    die "mvn verify failed (full log: $log; reports: shim/target/surefire-reports, shim/target/failsafe-reports)"
  fi
}

# ---- lab checks -----------------------------------------------------------------------------------------------
# The labs (issue 3) are checked here: each lab runs through jbang_cmd and its output is compared with the
# expected output printed in its chapter. Add one call per lab to run_lab_checks.
run_lab_checks() {
  step "lab checks: none yet (the labs arrive with issue 3)"
}

test_all() {
  need_root test
  prerequisites
  run_maven_tests
  run_lab_checks
  step "all checks passed"
  # The counts once more as the very last line, where CI looks for them.
  echo "$TOTALS"
}

lint() {
  command -v shellcheck >/dev/null || die "shellcheck is not installed (apt-get install -y shellcheck)"
  step "shellcheck"
  shellcheck verify.sh .ci/run labs/jbang shim/scripts/*.sh && info "no findings"
}

case "${1:-help}" in
  build) build ;;
  demo) demo ;;
  test) test_all ;;
  jbang) shift; jbang_cmd "$@" ;;
  lint) lint ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
