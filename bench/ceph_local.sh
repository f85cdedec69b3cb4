#!/usr/bin/env bash
# bench/ceph_local.sh: a throw-away local Ceph cluster, the RADOS baseline of bench/compare.sh.
#
#   bench/ceph_local.sh start DIR [--osds N] [--osd-size GIB] [--pool NAME] [--pg-num N]
#   bench/ceph_local.sh stop DIR
#
# start builds, in DIR (created; it must not exist or be empty), one monitor (mon.a) on a free
# port of 127.0.0.1, one manager (mgr.x: without it no placement group reports its state), and
# N object storage daemons (2 by default) with BlueStore on a preallocated file each
# (DIR/osd.<id>/block, the same file system as DIR), then a replicated pool (size 1, min_size 1)
# and waits until all its placement groups are active+clean. Authentication is off (auth none).
# The last lines on stdout are `CEPH_CONF=<DIR>/ceph.conf` and `CEPH_POOL=<name>` for the caller
# (`rados -c "$CEPH_CONF" -p "$CEPH_POOL" bench ...`). Progress goes to stderr.
#
# The settings an operator gives an SSD cluster, because the virtual disk reports itself
# rotational: bluestore_debug_enforce_settings = ssd, osd_op_num_shards = 8 and
# osd_op_num_threads_per_shard = 2 (see docs/performance.md, "Comparison").
#
# stop sends SIGTERM to every daemon this script started (the PIDs in DIR/pids, each checked to
# still be a Ceph daemon started on DIR's configuration), waits at most STOP_WAIT_S seconds, then
# SIGKILLs what is left, and removes DIR. It is safe to call on a half-started or stopped
# cluster, and on a DIR that does not exist; it refuses a DIR this script did not make (one
# without its ceph.conf, or an empty one for a start that never wrote it: removed only when
# empty).
#
# Invariants:
#  1. Every daemon this script starts has its PID in DIR/pids/<name>.pid before any wait.
#  2. A failed start stops every daemon it started and removes DIR but its logs (DIR/log and
#     DIR/ceph.conf) before exiting non-zero.
#  3. Every wait is bounded (START_WAIT_S, STOP_WAIT_S, CMD_TIMEOUT_S).
#  4. Nothing is written outside DIR: logs, sockets, keyrings, crash dumps all live in it.
set -euo pipefail

START_WAIT_S=120  # a daemon up, or the pool's PGs active+clean
STOP_WAIT_S=30    # a daemon's exit after SIGTERM (BlueStore flushes its RocksDB)
CMD_TIMEOUT_S=60  # one `ceph` command-line call
OSDS_MAX=8        # the cluster is for one machine: more OSDs than that only add contention

usage() {
	echo "usage: $0 start DIR [--osds N] [--osd-size GIB] [--pool NAME] [--pg-num N]" >&2
	echo "       $0 stop DIR" >&2
	exit 1
}
die() {
	echo "ceph_local: $*" >&2
	exit 1
}
note() {
	echo "ceph_local: $*" >&2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2
case "$dir" in
/*) ;;
*) die "DIR must be an absolute path, got '$dir'" ;;
esac
case "$dir" in
*[!A-Za-z0-9._/+-]*) die "DIR may only hold letters, digits and . _ / + - (got '$dir')" ;;
esac
dir=${dir%/}
[ -n "$dir" ] || die "DIR must not be /"

osds=2
osd_size_gib=16
pool=bench
pg_num=64
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "option $1 needs a value"
	case "$1" in
	--osds) osds=$2 ;;
	--osd-size) osd_size_gib=$2 ;;
	--pool) pool=$2 ;;
	--pg-num) pg_num=$2 ;;
	*) die "unknown option '$1'" ;;
	esac
	shift 2
done
[[ "$osds" =~ ^[1-9][0-9]*$ ]] && [ "$osds" -le $OSDS_MAX ] ||
	die "--osds must be 1..$OSDS_MAX, got '$osds'"
[[ "$osd_size_gib" =~ ^[1-9][0-9]*$ ]] && [ "$osd_size_gib" -le 1024 ] ||
	die "--osd-size must be 1..1024 (GiB), got '$osd_size_gib'"
[[ "$pool" =~ ^[A-Za-z][A-Za-z0-9_-]{0,62}$ ]] ||
	die "--pool must be a letter then up to 62 letters, digits, _ or -, got '$pool'"
[[ "$pg_num" =~ ^[1-9][0-9]*$ ]] && [ "$pg_num" -le 1024 ] ||
	die "--pg-num must be 1..1024, got '$pg_num'"

conf=$dir/ceph.conf
CONF_MARK="# Written by bench/ceph_local.sh"

# Whether PID is a live (not zombie) Ceph daemon started with this DIR's configuration: a PID
# file outlives its process, and the number may have been reused since.
ours() {
	local pid=$1 state
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$conf"
}

# stop_cluster all|keep-logs: stop our daemons, then remove DIR (all of it but DIR/log and
# DIR/ceph.conf with keep-logs: what a failed start leaves for its diagnosis).
stop_cluster() {
	local f pid left deadline
	[ -e "$dir" ] || return 0
	if ! head -1 "$conf" 2>/dev/null | grep -qxF "$CONF_MARK"; then
		# Not a directory of ours: never remove what we did not make.
		rmdir "$dir" 2>/dev/null || die "$dir was not made by $0 (no $conf of ours): left alone"
		return 0
	fi
	for f in "$dir"/pids/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		if ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
	done
	deadline=$((SECONDS + STOP_WAIT_S))
	while :; do
		left=()
		for f in "$dir"/pids/*.pid; do
			[ -f "$f" ] || continue
			pid=$(cat "$f")
			if ours "$pid"; then left+=("$pid"); fi
		done
		[ ${#left[@]} -gt 0 ] || break
		if [ $SECONDS -ge $deadline ]; then
			note "daemons ${left[*]} ignored SIGTERM for ${STOP_WAIT_S}s: SIGKILL"
			for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
			sleep 0.5
			break
		fi
		sleep 0.2
	done
	if [ "$1" = keep-logs ]; then
		find "$dir" -mindepth 1 -maxdepth 1 ! -name log ! -name ceph.conf -exec rm -rf {} +
		note "logs kept in $dir/log"
	else
		rm -rf "$dir"
	fi
}

ceph_cmd() {
	timeout "$CMD_TIMEOUT_S" ceph -c "$conf" --connect-timeout 20 "$@"
}

# ceph_do COMMAND...: a `ceph` call whose chatter goes to the log, shown only when it fails.
ceph_do() {
	if ! ceph_cmd "$@" >>"$dir/log/ceph-cli.out" 2>&1; then
		tail -5 "$dir/log/ceph-cli.out" >&2
		die "ceph $* failed"
	fi
}

# Fails (exit 1, stopping the cluster) when a daemon this script started has exited: a daemon
# that died at start-up (or of the terminal's Ctrl-C, which reaches it as it reaches us) would
# otherwise leave a wait to run into its time limit.
daemons_alive() {
	local f name
	for f in "$dir"/pids/*.pid; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .pid)
		ours "$(cat "$f")" || {
			tail -5 "$dir/log/$name.out" "$dir/log/$name.log" 2>/dev/null >&2
			die "$name exited (logs: $dir/log/$name.log, $dir/log/$name.out)"
		}
	done
}

# wait_until WHAT SECONDS COMMAND...: poll COMMAND (quietly) every 0.5 s while every daemon runs.
wait_until() {
	local what=$1 limit=$2 deadline
	shift 2
	deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		daemons_alive
		[ $SECONDS -lt $deadline ] ||
			die "timed out after ${limit}s waiting for $what (logs: $dir/log)"
		sleep 0.5
	done
}

# start_daemon NAME BINARY ARGS...: runs a daemon in the foreground mode (-f) as our child, so
# its PID is known without a PID file written by the daemon itself (invariant 1).
start_daemon() {
	local name=$1
	shift
	"$@" -c "$conf" -f </dev/null >>"$dir/log/$name.out" 2>&1 &
	echo $! >"$dir/pids/$name.pid"
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

pgs_clean() {
	local out
	out=$(ceph_cmd pg stat 2>/dev/null) || return 1
	# "65 pgs: 65 active+clean; ..." : every PG is active+clean.
	[[ "$out" =~ ^([0-9]+)\ pgs:\ ([0-9]+)\ active\+clean\; ]] &&
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[1]}" -ge "$pg_num" ]
}

osds_up() {
	local out
	out=$(ceph_cmd osd stat 2>/dev/null) || return 1
	[[ "$out" == *"$osds osds: $osds up"*"$osds in"* ]]
}

# The EXIT trap of start: a failed start stops what it started (invariant 2).
on_start_exit() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		note "start failed; stopping what it started"
		stop_cluster keep-logs
	fi
}

start_cluster() {
	local fsid port id uuid i
	for tool in ceph-mon ceph-mgr ceph-osd ceph monmaptool; do
		command -v "$tool" >/dev/null ||
			die "$tool not found: run utils/install-deps.sh --bench (as root)"
	done
	if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
		die "$dir exists and is not empty"
	fi
	fsid=$(cat /proc/sys/kernel/random/uuid)
	port=$(free_port)
	# The configuration first: it marks DIR as ours for stop_cluster.
	mkdir -p "$dir"
	trap on_start_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	cat >"$conf" <<EOF
$CONF_MARK
# A one-machine cluster for benchmarks.
[global]
fsid = $fsid
mon_initial_members = a
mon_host = [v2:127.0.0.1:$port]
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
keyring = $dir/keyring
run_dir = $dir/run
admin_socket = $dir/run/\$name.asok
log_file = $dir/log/\$name.log
mon_cluster_log_file = $dir/log/cluster.log
crash_dir = $dir/crash
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
auth_allow_insecure_global_id_reclaim = false
mgr_initial_modules = iostat

[mon]
mon_data = $dir/\$name

[mgr]
mgr_data = $dir/\$name

[osd]
osd_data = $dir/\$name
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = $((osd_size_gib * 1024 * 1024 * 1024))
bluestore_block_preallocate_file = true
# The virtual disk says "rotational"; it is an SSD-class device: give BlueStore and the OSD
# their SSD settings, as an operator of such a cluster would.
bluestore_debug_enforce_settings = ssd
osd_op_num_shards = 8
osd_op_num_threads_per_shard = 2
EOF
	mkdir -p "$dir"/{pids,log,run,crash,mon.a,mgr.x}

	note "monitor mon.a on 127.0.0.1:$port"
	monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$port]" "$dir/monmap" \
		>"$dir/log/monmaptool.out" 2>&1 || { cat "$dir/log/monmaptool.out" >&2; exit 1; }
	ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mon-mkfs.out" 2>&1 ||
		{ cat "$dir/log/mon-mkfs.out" >&2; exit 1; }
	start_daemon mon.a ceph-mon -i a
	wait_until "the monitor" "$START_WAIT_S" ceph_cmd mon stat

	note "manager mgr.x"
	start_daemon mgr.x ceph-mgr -i x

	for ((i = 0; i < osds; i++)); do
		uuid=$(cat /proc/sys/kernel/random/uuid)
		id=$(ceph_cmd osd new "$uuid") || die "ceph osd new failed"
		[[ "$id" =~ ^[0-9]+$ ]] || die "ceph osd new returned '$id', not an OSD id"
		note "osd.$id: BlueStore on a ${osd_size_gib} GiB preallocated file"
		mkdir -p "$dir/osd.$id"
		ceph-osd -c "$conf" -i "$id" --mkfs --osd-uuid "$uuid" \
			>"$dir/log/osd.$id-mkfs.out" 2>&1 ||
			{ tail -20 "$dir/log/osd.$id-mkfs.out" "$dir/log/osd.$id.log" >&2; exit 1; }
		start_daemon "osd.$id" ceph-osd -i "$id"
	done
	wait_until "$osds OSDs up and in" "$START_WAIT_S" osds_up

	note "pool $pool: $pg_num PGs, size 1, min_size 1"
	ceph_do osd pool create "$pool" "$pg_num" "$pg_num" replicated
	ceph_do osd pool set "$pool" size 1 --yes-i-really-mean-it
	ceph_do osd pool set "$pool" min_size 1
	ceph_do osd pool application enable "$pool" rados
	wait_until "the placement groups to be active+clean" "$START_WAIT_S" pgs_clean

	trap - EXIT INT TERM
	echo "CEPH_CONF=$conf"
	echo "CEPH_POOL=$pool"
}

case "$cmd" in
start) start_cluster ;;
stop) stop_cluster all ;;
*) usage ;;
esac
