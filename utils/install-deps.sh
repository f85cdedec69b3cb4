#!/usr/bin/env bash
# Installs every Debian 12 package this project needs to build, run and test.
# Idempotent: packages already present are skipped. Quiet on success; on failure
# the apt output is printed. Nothing is fetched from outside Debian's archive.
#
# Usage: utils/install-deps.sh [--bench]
#   --bench  also the packages of bench/compare.sh (fio, iperf3 and Ceph's monitor, OSD and
#            client tools: several hundred MB, so the tests and CI never ask for them).
set -euo pipefail

PKGS=(
	# build
	build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
	# libraries (see docs/design.md, "Dependencies")
	libraft-dev libuv1-dev libmicrohttpd-dev libgnutls28-dev
	libcurl4-openssl-dev libjansson-dev libyaml-dev uuid-dev libisal-dev
	liblmdb-dev liburing-dev libfuse3-dev libssl-dev libnvme-dev
	# tests and tools
	libcmocka-dev python3-pytest lmdb-utils fuse3 openssl curl prometheus
	iproute2 procps
)
# bench/compare.sh: the machine's limits (fio, iperf3) and the Ceph RADOS baseline
# (bench/ceph_local.sh: ceph-mon, ceph-mgr for the placement groups' state, ceph-osd, and
# ceph-common for `ceph` and `rados`).
BENCH_PKGS=(
	fio iperf3 ceph-mon ceph-mgr ceph-osd ceph-common
)

for arg in "$@"; do
	case "$arg" in
	--bench) PKGS+=("${BENCH_PKGS[@]}") ;;
	*) echo "install-deps: unknown option '$arg' (usage: $0 [--bench])" >&2; exit 1 ;;
	esac
done

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root" >&2
	exit 1
fi

log=$(mktemp /tmp/install-deps.XXXXXX.log)
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get -o DPkg::Lock::Timeout=900 update -q &&
       apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-deps: apt-get failed (log: $log)" >&2
	exit 1
fi
rm -f "$log"
