#!/usr/bin/env bash
# install-packages.sh — everything the node needs from Debian, plus JBang.
#
#   runc                           what the shims run containers with (Debian 13: 1.1.15); containerd itself comes from
#                                  its release archive (install-containerd.sh), Debian has no 2.x in a stable release
#   containernetworking-plugins    bridge, host-local, loopback, portmap in /usr/lib/cni (configure-containerd.sh
#                                  points containerd there)
#   openjdk-21-jdk-headless, maven the shim's build and runtime (Debian 13 has no JDK 17; the shim targets 17)
#   busybox-static                 the images the workbook builds without a registry
#   conntrack, socat, ethtool, iptables, ebtables   what kubeadm's preflight checks look for
#   curl, gpg, ca-certificates     for the Kubernetes apt repository; jq for verify-vm.sh
# JBang: the repository's own bootstrap (labs/jbang, JBang from Maven Central through Maven), as /usr/local/bin/jbang.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

step "Debian packages"
apt_install runc containernetworking-plugins openjdk-21-jdk-headless maven busybox-static \
  conntrack socat ethtool iptables ebtables curl gpg ca-certificates procps rsync jq
info "$(runc --version | head -n 1), $(javac -version 2>&1)"

step "JBang (the repository's bootstrap)"
cat >/usr/local/bin/jbang <<JBANG
#!/bin/sh
# JBang through the jrunc repository's bootstrap (labs/jbang): JBang from Maven Central, run with this machine's Java.
exec "$JRUNC_REPO/labs/jbang" "\$@"
JBANG
chmod 0755 /usr/local/bin/jbang
info "jbang $(jbang --version 2>/dev/null | tail -n 1)"
