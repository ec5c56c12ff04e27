#!/usr/bin/env bash
# install-shim.sh — build containerd-shim-jrunc-v2 from the repository and put it where containerd finds it.
#
# containerd turns runtime io.containerd.jrunc.v2 into the program name containerd-shim-jrunc-v2 and looks for it on
# its own PATH; containerd.service gets systemd's default PATH, which includes /usr/local/bin. So a symlink there
# to the launcher the build writes (shim/target/containerd-shim-jrunc-v2) is all the installation there is.
# `verify.sh build` also installs the shim's artifact into root's ~/.m2 for the labs (their //DEPS). Then the two
# images the workbook uses (build-images.sh) go to /var/lib/jrunc/images.tar.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

step "building the shim (verify.sh build)"
"$JRUNC_REPO/verify.sh" build

step "installing the launcher on containerd's PATH"
ln -sfn "$JRUNC_REPO/shim/target/containerd-shim-jrunc-v2" /usr/local/bin/containerd-shim-jrunc-v2
info "/usr/local/bin/containerd-shim-jrunc-v2 -> $(readlink /usr/local/bin/containerd-shim-jrunc-v2)"

step "building the sandbox and busybox images (no registry involved)"
mkdir -p /var/lib/jrunc
"$JRUNC_REPO/shim/scripts/build-images.sh" /var/lib/jrunc/images.tar >/dev/null
info "/var/lib/jrunc/images.tar"
