#!/usr/bin/env bash
# bench/compare.sh: ours against the machine's limits and against Ceph RADOS, in one run, on one
# machine and one backing store (docs/performance.md, "Comparison (bench/compare.sh)").
#
# Steps, one after the other (nothing overlaps, so no step steals the CPU of another):
#   limits  fio on a file in the run directory (the file system of the emulated NVMe):
#           sequential 1 MiB write/read with 16 in flight, random 4 KiB write/read with 32 in
#           flight, O_DIRECT, io_uring, writes with one fdatasync per queue depth of writes;
#           iperf3 over TCP loopback, one stream and two streams.
#   daos    the quick-start system (`daos_server start --local DIR`: one server, two engines of
#           2 targets, SCM in RAM, NVMe emulated by files under DIR), a daos_agent, a pool;
#           the engines' RSS once the pool exists; then bench/daos_perf: 1 MiB array
#           write/read (S1, sequential, 16 in flight), 4 KiB array write/read (S1, random, 32 in
#           flight), 64 B single-value update/fetch (64 in flight).
#   memory  one engine with 4 targets (a configuration of its own) and one pool: its RSS, idle.
#   ceph    bench/ceph_local.sh (1 monitor, 1 manager, 2 BlueStore OSDs on files, pool size 1)
#           and `rados bench` with the same sizes and concurrency.
# Then bench/compare_report.py prints one table (absolute figures, ours/limit, ours/Ceph, the
# targets with PASS/MISS) and writes it as JSON.
#
# Invariants:
#  1. Every process this script starts in the background has its PID recorded before any wait;
#     the EXIT trap stops each by PID (SIGTERM, bounded wait, SIGKILL), unmounts the tmpfs the
#     quick-start server mounted, stops the Ceph cluster and removes the temporary files.
#  2. Every wait and every foreground command is bounded (timeout or a polled deadline).
#  3. Nothing is written outside the run directory (and /tmp for the JSON if asked); the
#     run directory keeps only the results (compare.json, compare.txt, raw/) and, after a
#     failure, the logs (logs/).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
START_WAIT_S=90    # a server's control API, engines joining, the agent's socket
STOP_WAIT_S=30     # a process's exit after SIGTERM
CMD_TIMEOUT_S=120  # one dmg / daos / ceph_local call
QS_PORTS=(10001 10002 9191 20000 20001 20002 21000 21001 21002) # the embedded configuration's

usage() {
	cat <<'EOF'
usage: bench/compare.sh [--quick] [--time SEC] [--dir DIR] [--json FILE] [--build DIR]
                        [--skip STEP,...] [--no-install] [--no-netns]

  --quick        3 s per measurement instead of 15 s: checks that everything runs (about
                 1.5 minutes instead of 5); the figures are rough
  --time SEC     seconds per measurement, 1..120 (default 15)
  --dir DIR      run directory, on the file system to measure (default /var/tmp/daos-compare);
                 it holds the emulated NVMe, Ceph's BlueStore files and fio's file while the run
                 lasts (removed at the end) and the results: compare.json, compare.txt, raw/
  --json FILE    the JSON result (default DIR/compare.json)
  --build DIR    the build directory (default $DAOS_BUILD_DIR, else <repo>/build); built here
  --skip LIST    steps not to run, comma list of limits, daos, memory, ceph (their figures
                 show as "-", their targets as "n/a")
  --no-install   do not call utils/install-deps.sh --bench (the packages must be there)
  --no-netns     measure on the machine's loopback instead of a network namespace of the
                 run's own (then the quick-start system's ports, 10001 and others, must be free)
EOF
	exit "${1:-1}"
}

die() {
	echo "compare: $*" >&2
	exit 1
}

orig_args=("$@")
quick=0
secs=
netns=1
run_dir=/var/tmp/daos-compare
json=
build=${DAOS_BUILD_DIR:-$ROOT/build}
skip=
install=1
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--time | --dir | --json | --build | --skip)
		[ $# -ge 2 ] || die "option $1 needs a value"
		case "$1" in
		--time) secs=$2 ;;
		--dir) run_dir=$2 ;;
		--json) json=$2 ;;
		--build) build=$2 ;;
		--skip) skip=$2 ;;
		esac
		shift
		;;
	--no-install) install=0 ;;
	--no-netns) netns=0 ;;
	-h | --help) usage 0 ;;
	*) die "unknown option '$1' (--help lists them)" ;;
	esac
	shift
done
if [ -z "$secs" ]; then
	if [ $quick -eq 1 ]; then secs=3; else secs=15; fi
fi
[[ "$secs" =~ ^[1-9][0-9]*$ ]] && [ "$secs" -le 120 ] || die "--time must be 1..120, got '$secs'"
case "$run_dir" in
/*) ;;
*) die "--dir must be an absolute path, got '$run_dir'" ;;
esac
case "$run_dir" in
*[!A-Za-z0-9._/+-]*) die "--dir may only hold letters, digits and . _ / + - (got '$run_dir')" ;;
esac
run_dir=${run_dir%/}
[ -n "$run_dir" ] || die "--dir must not be /"
json=${json:-$run_dir/compare.json}
case "$json" in
/*) ;;
*) json=$PWD/$json ;;
esac
for s in ${skip//,/ }; do
	case "$s" in
	limits | daos | memory | ceph) ;;
	*) die "--skip: unknown step '$s' (limits, daos, memory, ceph)" ;;
	esac
done
skipped() { [[ ",$skip," == *",$1,"* ]]; }

DAOS_DIR=$run_dir/daos   # the quick-start system
MEM_DIR=$run_dir/mem     # the 4-target engine
CEPH_DIR=$run_dir/ceph   # bench/ceph_local.sh
FIO_DIR=$run_dir/fio
RAW=$run_dir/raw
LOGS=$run_dir/logs

# ---- progress ----

# The clock of stage 1 goes on in stage 2 (the same run; SECONDS restarts at an exec).
t0=0
[[ "${COMPARE_T0:-}" =~ ^[0-9]{1,6}$ ]] && t0=$((-COMPARE_T0))
stamp() { printf '[compare %02d:%02d]' $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)); }
say() { echo "$(stamp) $*" >&2; }
# step WHAT SECONDS: announce a step that takes about SECONDS.
step() { say "$1 (~$2 s)"; }

# ---- processes (invariant 1) ----

bg_pids=()        # background processes of ours: daos_server, daos_agent, iperf3 -s
engine_pids=()    # engines seen under our servers (stopped with them; SIGKILL if left)
ceph_started=0
mounts=()         # tmpfs mount points the servers may have mounted

pid_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# stop_pid PID NAME: SIGTERM, at most STOP_WAIT_S seconds, then SIGKILL; reaps our children.
stop_pid() {
	local pid=$1 name=$2 deadline
	pid_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + STOP_WAIT_S))
	while pid_alive "$pid"; do
		if [ $SECONDS -ge $deadline ]; then
			say "$name (pid $pid) ignored SIGTERM for ${STOP_WAIT_S}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null || true
}

forget_pid() {
	local p keep=()
	for p in "${bg_pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	bg_pids=("${keep[@]}")
}

# A server's engines: its children named daos_engine (the harness spawns them directly).
note_engines() {
	local p
	for p in $(pgrep -P "$1" -x daos_engine 2>/dev/null || true); do
		[[ " ${engine_pids[*]} " == *" $p "* ]] || engine_pids+=("$p")
	done
}

stop_engines_left() {
	local p
	for p in "${engine_pids[@]}"; do
		if pid_alive "$p"; then
			say "engine pid $p outlived its server: SIGKILL"
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	engine_pids=()
}

unmount_ours() {
	local m
	for m in "${mounts[@]}"; do
		if mountpoint -q "$m" 2>/dev/null; then
			umount "$m" 2>/dev/null || say "cannot unmount $m"
		fi
	done
}

save_logs() {
	local d
	mkdir -p "$LOGS"
	for d in "$DAOS_DIR/log" "$MEM_DIR/log" "$CEPH_DIR/log"; do
		[ -d "$d" ] && cp -r "$d" "$LOGS/$(basename "$(dirname "$d")")" 2>/dev/null || true
	done
	[ -d "$FIO_DIR" ] && cp "$FIO_DIR"/*.log "$LOGS/" 2>/dev/null || true
	for f in ceph_local.err meson-setup.log ninja.log; do
		[ -f "$run_dir/$f" ] && cp "$run_dir/$f" "$LOGS/" 2>/dev/null || true
	done
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	# The logs first: stopping Ceph removes its directory.
	[ $rc -eq 0 ] || save_logs
	for ((i = ${#bg_pids[@]} - 1; i >= 0; i--)); do
		stop_pid "${bg_pids[i]}" "process"
	done
	stop_engines_left
	unmount_ours
	if [ $ceph_started -eq 1 ]; then
		timeout $((STOP_WAIT_S + 30)) "$ROOT/bench/ceph_local.sh" stop "$CEPH_DIR" ||
			say "ceph_local.sh stop failed"
	fi
	rm -rf "$DAOS_DIR" "$MEM_DIR" "$CEPH_DIR" "$FIO_DIR" "$run_dir/ceph_local.err" \
		"$run_dir/meson-setup.log" "$run_dir/ninja.log"
	[ $rc -eq 0 ] || say "failed (exit $rc); logs in $LOGS"
	exit $rc
}

# ---- helpers ----

# wait_until WHAT SECONDS COMMAND...: poll COMMAND every 0.2 s (invariant 2).
wait_until() {
	local what=$1 limit=$2 deadline
	shift 2
	deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || die "timed out after ${limit}s waiting for $what"
		sleep 0.2
	done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

free_ports() { # N: N ports free now, each followed by a free port (control + Raft)
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys
n, out, held = int(sys.argv[1]), [], []
while len(out) < n:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); held.append(s)
    p = s.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    finally:
        t.close()
    out.append(p)
print(" ".join(map(str, out)))
EOF
}

# rss_json PID: the memory of a process from /proc/PID/status, as a JSON object (KiB).
rss_json() {
	awk -v pid="$1" 'BEGIN { printf "{\"pid\": %s", pid }
	     /^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):/ { sub(":", "", $1); printf ", \"%s_kib\": %s", $1, $2 }
	     END { printf "}" }' "/proc/$1/status"
}

DMG=()
dmg() { timeout "$CMD_TIMEOUT_S" "${DMG[@]}" "$@"; }

# start_server CONFIG_ARGS... : daos_server in the background (its PID in $server_pid).
start_server() {
	local dir=$1
	shift
	mkdir -p "$dir/log"
	DAOS_ENGINE_BIN=$build/src/engine/daos_engine \
		"$build/src/control/daos_server" start "$@" -i \
		>"$dir/log/daos_server.out" 2>&1 </dev/null &
	server_pid=$!
	bg_pids+=("$server_pid")
}

# members_joined N: the system has N members, all Joined.
members_joined() {
	local n
	n=$(dmg -j system query | grep -c '"state": *"[Jj]oined"') || return 1
	[ "$n" -ge "$1" ]
}

stop_server() {
	note_engines "$server_pid"
	stop_pid "$server_pid" daos_server
	forget_pid "$server_pid"
	stop_engines_left
	unmount_ours
}

# ---- steps ----

FIO_COMMON=(--ioengine=io_uring --direct=1 --time_based --group_reporting
	--output-format=json)

# fio_job NAME RW BS DEPTH EXTRA...: one fio job on $FIO_DIR/file, JSON into raw/fio_NAME.json.
fio_job() {
	local name=$1 rw=$2 bs=$3 depth=$4
	shift 4
	step "fio $name: $rw, $bs, $depth in flight $*" "$secs"
	timeout $((secs + 180)) fio --name="$name" --filename="$FIO_DIR/file" --size="$fio_size" \
		--rw="$rw" --bs="$bs" --iodepth="$depth" --runtime="$secs" "${FIO_COMMON[@]}" "$@" \
		--output="$RAW/fio_$name.json" >"$FIO_DIR/fio_$name.log" 2>&1 ||
		{ cat "$FIO_DIR/fio_$name.log" >&2; die "fio $name failed"; }
}

run_limits() {
	local port streams pid
	mkdir -p "$FIO_DIR"
	# Large enough that the sequential jobs do not run in the disk's write cache alone; the
	# first job lays the file out, the others reuse it (reads need written blocks).
	if [ $quick -eq 1 ]; then fio_size=1g; else fio_size=4g; fi
	fio_job seqwrite_1M write 1M 16 --fdatasync=16
	fio_job seqread_1M read 1M 16
	fio_job randwrite_4K randwrite 4k 32 --fdatasync=32
	fio_job randread_4K randread 4k 32
	rm -f "$FIO_DIR/file"

	port=$(free_ports 1)
	for streams in 1 2; do
		step "iperf3 over 127.0.0.1, $streams stream(s)" "$secs"
		iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$FIO_DIR/iperf3_server_$streams.log" 2>&1 \
			</dev/null &
		pid=$!
		bg_pids+=("$pid")
		wait_until "iperf3 to listen on $port" 20 listening "$port"
		timeout $((secs + 30)) iperf3 -c 127.0.0.1 -p "$port" -t "$secs" -P "$streams" -J \
			>"$RAW/iperf3_$streams.json" 2>"$FIO_DIR/iperf3_client_$streams.log" ||
			{ cat "$RAW/iperf3_$streams.json" >&2; die "iperf3 with $streams stream(s) failed"; }
		stop_pid "$pid" "iperf3 -s"
		forget_pid "$pid"
	done
}

# daos_perf_once OUT ARGS...: one bench/daos_perf -j run, its JSON into OUT; any failed
# operation fails the comparison (a figure with errors in it is no figure).
daos_perf_once() {
	local out=$1 err
	shift
	err=$DAOS_DIR/log/$(basename "$out" .json).err
	timeout $((secs * 2 + 120)) "$build/bench/daos_perf" -P perfpool -j --no-progress "$@" \
		>"$out" 2>"$err" || {
		tail -20 "$err" >&2
		die "daos_perf $* failed (its JSON: $out)"
	}
}

# daos_perf_run NAME ARGS...: daos_perf for $secs seconds per phase, JSON in raw/daos_NAME.json.
daos_perf_run() {
	local name=$1
	shift
	step "daos_perf $* -T $secs (2 phases)" $((secs * 2))
	daos_perf_once "$RAW/daos_$name.json" -T "$secs" "$@"
}

# daos_perf_reps NAME BYTES ARGS...: daos_perf -D BYTES, repeated until its write phases add up
# to $secs seconds (at most REPS_MAX runs); JSON in raw/daos_NAME.<n>.json, merged by the report.
# Why: VOS keeps every version until its container is destroyed (no aggregation yet), so the
# quick-start pool holds a second or two of 1 MiB or 4 KiB writes; each run has a container of
# its own, whose space comes back when daos_perf destroys it.
REPS_MAX=20
daos_perf_reps() {
	local name=$1 bytes=$2 n=0 done_ms
	shift 2
	step "daos_perf $* -D $bytes, repeated until the writes add up to $secs s" $((secs * 3))
	while :; do
		n=$((n + 1))
		daos_perf_once "$RAW/daos_$name.$n.json" -D "$bytes" "$@"
		done_ms=$(/usr/bin/python3 - "$RAW" "$name" <<'EOF'
import glob, json, sys
total = 0.0
for path in glob.glob(f"{sys.argv[1]}/daos_{sys.argv[2]}.*.json"):
    with open(path) as f:
        total += sum(r.get("seconds", 0) for r in json.load(f).get("results", [])
                     if r.get("phase") in ("write", "update", "put"))
print(int(total * 1000))
EOF
)
		if [ "$done_ms" -ge $((secs * 1000)) ] || [ $n -ge $REPS_MAX ]; then break; fi
	done
	say "  $n run(s), $((done_ms / 1000)).$(printf '%03d' $((done_ms % 1000))) s of writes"
}

run_daos() {
	local p e mem=() bytes_1m
	for p in "${QS_PORTS[@]}"; do
		port_busy "$p" && die "port $p (the quick-start system's) is in use: another system" \
			"runs (utils/quickstart.sh?); stop it first"
	done
	mkdir -p "$DAOS_DIR/agent"
	mounts+=("$DAOS_DIR/scm0" "$DAOS_DIR/scm1")
	DMG=("$build/src/tools/dmg" -i -l 127.0.0.1:10001)

	step "quick-start system under $DAOS_DIR: daos_server --local, format, 2 engines" 15
	start_server "$DAOS_DIR" --local "$DAOS_DIR"
	wait_until "the control API on 127.0.0.1:10001" "$START_WAIT_S" dmg system leader-query
	dmg storage format >"$DAOS_DIR/log/format.out" 2>&1 ||
		{ cat "$DAOS_DIR/log/format.out" >&2; die "dmg storage format failed"; }
	wait_until "both engines to join" "$START_WAIT_S" members_joined 2
	note_engines "$server_pid"
	[ ${#engine_pids[@]} -eq 2 ] || die "expected 2 engines under daos_server, found ${#engine_pids[@]}"

	cat >"$DAOS_DIR/daos_agent.yml" <<EOF
name: daos_server
access_points: ['127.0.0.1']
port: 10001
transport_config:
  allow_insecure: true
runtime_dir: $DAOS_DIR/agent
log_file: $DAOS_DIR/log/daos_agent.log
EOF
	"$build/src/agent/daos_agent" -o "$DAOS_DIR/daos_agent.yml" -i start \
		>"$DAOS_DIR/log/daos_agent.out" 2>&1 </dev/null &
	bg_pids+=("$!")
	export DAOS_AGENT_DRPC_DIR=$DAOS_DIR/agent
	wait_until "the agent socket" "$START_WAIT_S" test -S "$DAOS_DIR/agent/daos_agent.sock"

	step "pool perfpool (90% of the free space)" 5
	dmg pool create --size 90% perfpool >"$DAOS_DIR/log/pool.out" 2>&1 ||
		{ cat "$DAOS_DIR/log/pool.out" >&2; die "dmg pool create failed"; }
	dmg -j pool query perfpool >"$RAW/daos_pool.json" 2>&1 || true

	# Engine memory with the pool and before any I/O (a second to let the pool settle).
	sleep 1
	for e in "${engine_pids[@]}"; do mem+=("$(rss_json "$e")"); done
	(IFS=,; echo "[${mem[*]}]") >"$RAW/mem_quickstart.json"

	# One object per operation in flight, as rados bench has (each of its operations is on an
	# object of its own): the objects spread over the 4 targets as Ceph's over its 2 OSDs.
	# 1 MiB: 40% of the pool's NVMe per run (S1 objects land unevenly: up to half of the 16
	# on one target, which must hold its share). 4 KiB: 256 MiB per run, in SCM (values of
	# 4 KiB and less stay in the index). 64 B: one run of -T seconds (it does not fill the pool).
	bytes_1m=$(nvme_bytes 40)
	daos_perf_reps array_1M "$bytes_1m" -w array -s 1M -o S1 -t 1 -q 16 -n 16 --seq
	daos_perf_reps array_4K 256M -w array -s 4K -o S1 -t 1 -q 32 -n 32 --rand
	daos_perf_run sv_64 -w sv -s 64 -o S1 -t 1 -q 64 -n 64
	# For reference: the engines once the runs are over (their containers destroyed).
	mem=()
	for e in "${engine_pids[@]}"; do mem+=("$(rss_json "$e")"); done
	(IFS=,; echo "[${mem[*]}]") >"$RAW/mem_quickstart_after.json"

	step "stopping the quick-start system" 5
	for ((e = ${#bg_pids[@]} - 1; e >= 0; e--)); do
		[ "${bg_pids[e]}" = "$server_pid" ] && continue
		stop_pid "${bg_pids[e]}" daos_agent
		forget_pid "${bg_pids[e]}"
	done
	stop_server
	unset DAOS_AGENT_DRPC_DIR
	rm -rf "$DAOS_DIR"
}

# nvme_bytes PERCENT: PERCENT of the pool's NVMe (from `dmg pool query`), in whole 16 MiB
# (one per object of the 1 MiB run), as daos_perf's -D takes it; 512M when the query failed.
nvme_bytes() {
	/usr/bin/python3 - "$RAW/daos_pool.json" "$1" <<'EOF'
import json, sys
try:
    with open(sys.argv[1]) as f:
        tiers = json.load(f)["response"].get("tier_stats") or []
    nvme = max((t.get("total", 0) for t in tiers
                if str(t.get("media_type", "")).lower() == "nvme"), default=0)
except (OSError, ValueError, KeyError, TypeError, AttributeError):
    nvme = 0
mib = nvme * int(sys.argv[2]) // 100 >> 20 if nvme else 512
print(f"{max(mib // 16 * 16, 16)}M")
EOF
}

run_memory() {
	local cport fport p
	mkdir -p "$MEM_DIR/log" "$MEM_DIR/run"
	mounts+=("$MEM_DIR/scm0")
	read -r cport fport < <(free_ports 2)
	# fabric_iface_port and one port per target after it.
	for p in $(seq "$fport" $((fport + 5))); do
		port_busy "$p" && die "port $p, chosen for the 4-target engine, is in use; run again"
	done
	cat >"$MEM_DIR/daos_server.yml" <<EOF
name: daos_server
access_points: ['127.0.0.1']
port: $cport
transport_config:
  allow_insecure: true
provider: ofi+tcp
socket_dir: $MEM_DIR/run
control_log_mask: INFO
control_log_file: $MEM_DIR/log/daos_server.log
engines:
  - targets: 4
    nr_xs_helpers: 0
    fabric_iface: lo
    fabric_iface_port: $fport
    log_file: $MEM_DIR/log/engine0.log
    log_mask: ERR
    storage:
      - class: ram
        scm_mount: $MEM_DIR/scm0
        scm_size: 1
      - class: file
        bdev_list: [$MEM_DIR/bdev0.img]
        bdev_size: 2
EOF
	DMG=("$build/src/tools/dmg" -i -l "127.0.0.1:$cport")
	step "one engine with 4 targets and one pool: its resident memory, idle" 15
	start_server "$MEM_DIR" -o "$MEM_DIR/daos_server.yml"
	wait_until "the control API on 127.0.0.1:$cport" "$START_WAIT_S" dmg system leader-query
	dmg storage format >"$MEM_DIR/log/format.out" 2>&1 ||
		{ cat "$MEM_DIR/log/format.out" >&2; die "dmg storage format (4 targets) failed"; }
	wait_until "the engine to join" "$START_WAIT_S" members_joined 1
	dmg pool create --size 90% mempool >"$MEM_DIR/log/pool.out" 2>&1 ||
		{ cat "$MEM_DIR/log/pool.out" >&2; die "dmg pool create (4 targets) failed"; }
	sleep 2
	note_engines "$server_pid"
	[ ${#engine_pids[@]} -eq 1 ] || die "expected 1 engine, found ${#engine_pids[@]}"
	echo "[$(rss_json "${engine_pids[0]}")]" >"$RAW/mem_4targets.json"
	stop_server
	rm -rf "$MEM_DIR"
}

# rados_bench NAME SECONDS ARGS...: rados bench's text report into raw/rados_NAME.txt.
rados_bench() {
	local name=$1
	shift
	step "rados bench $*" "$secs"
	timeout $((secs + 120)) rados -c "$CEPH_DIR/ceph.conf" -p bench bench "$secs" "$@" \
		>"$RAW/rados_$name.txt" 2>&1 || { tail -20 "$RAW/rados_$name.txt" >&2; die "rados bench $name failed"; }
}

run_ceph() {
	local out p f mem=()
	step "Ceph: 1 monitor, 1 manager, 2 BlueStore OSDs on files, pool size 1" 30
	ceph_started=1
	out=$(timeout $((CMD_TIMEOUT_S * 3)) "$ROOT/bench/ceph_local.sh" start "$CEPH_DIR" \
		2>"$run_dir/ceph_local.err") || { cat "$run_dir/ceph_local.err" >&2; die "Ceph did not start"; }
	rm -f "$run_dir/ceph_local.err"
	[[ "$out" == *"CEPH_POOL=bench"* ]] || die "ceph_local.sh start printed no pool: $out"
	cp "$CEPH_DIR/ceph.conf" "$RAW/ceph.conf"
	# The OSDs' memory with the pool and before any I/O, for reference.
	for f in "$CEPH_DIR"/pids/osd.*.pid; do
		p=$(cat "$f")
		mem+=("$(rss_json "$p")")
	done
	(IFS=,; echo "[${mem[*]}]") >"$RAW/mem_ceph_osd.json"
	rados_bench write_1M write -b 1M -t 16 --no-cleanup
	rados_bench seq_1M seq -t 16
	rados_bench write_4K write -b 4096 -t 32 --no-cleanup
	rados_bench rand_4K rand -t 32
	step "stopping Ceph" 10
	timeout $((STOP_WAIT_S + 30)) "$ROOT/bench/ceph_local.sh" stop "$CEPH_DIR" ||
		die "ceph_local.sh stop failed"
	ceph_started=0
}

# ---- main ----

# Stage 1, in the machine's network namespace: packages and the build (they may need the
# network). Stage 2 (COMPARE_STAGE=measure): the measurements, by default in a network namespace
# of their own (`unshare --net`, loopback only), so the quick-start system's fixed ports and
# every port chosen here are free whatever else runs on the machine, and nothing from outside
# shares the loopback; TCP over loopback is the same kernel path in any namespace.
if [ "${COMPARE_STAGE:-}" != measure ]; then
	if [ -e "$run_dir" ] && [ -n "$(ls -A "$run_dir" 2>/dev/null)" ]; then
		# Results are replaced; anything else in a non-empty directory is not ours to touch.
		[ -f "$RAW/meta.json" ] || [ -f "$run_dir/compare.txt" ] || [ -d "$LOGS" ] ||
			die "$run_dir is not empty and holds no earlier comparison: choose another --dir"
		for d in "$DAOS_DIR" "$MEM_DIR" "$CEPH_DIR" "$FIO_DIR"; do
			[ -e "$d" ] && die "$d exists: an earlier run is still going or was killed;" \
				"stop what it started and remove it first"
		done
	fi
	mkdir -p "$run_dir"
	if [ $install -eq 1 ]; then
		"$ROOT/utils/install-deps.sh" --bench
	fi
	for tool in fio iperf3 ss unshare; do
		command -v "$tool" >/dev/null || die "$tool not found: run utils/install-deps.sh --bench"
	done
	if ! skipped daos || ! skipped memory; then
		step "building $build" 10
		if [ ! -f "$build/build.ninja" ]; then
			meson setup "$build" "$ROOT" >"$run_dir/meson-setup.log" 2>&1 ||
				{ cat "$run_dir/meson-setup.log" >&2; rm -f "$run_dir/meson-setup.log"; die "meson setup failed"; }
			rm -f "$run_dir/meson-setup.log"
		fi
		ninja -C "$build" >"$run_dir/ninja.log" 2>&1 ||
			{ tail -30 "$run_dir/ninja.log" >&2; rm -f "$run_dir/ninja.log"; die "the build failed"; }
		rm -f "$run_dir/ninja.log"
		for bin in src/control/daos_server src/engine/daos_engine src/agent/daos_agent \
			src/tools/dmg bench/daos_perf; do
			[ -x "$build/$bin" ] || die "$build/$bin was not built"
		done
	fi
	if [ $netns -eq 1 ]; then
		if unshare --net true 2>/dev/null; then
			exec unshare --net -- env COMPARE_STAGE=measure COMPARE_T0=$SECONDS \
				"$ROOT/bench/compare.sh" "${orig_args[@]}"
		fi
		say "cannot create a network namespace (not root?): measuring on the machine's loopback"
	fi
fi
if [ "${COMPARE_STAGE:-}" = measure ]; then
	ip link set lo up || die "cannot bring the namespace's loopback up"
fi

mkdir -p "$run_dir"
rm -rf "$RAW" "$LOGS"
mkdir -p "$RAW"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The run's circumstances, beside the figures (the load average tells whether other work shared
# the machine).
/usr/bin/python3 - "$RAW/meta.json" "$run_dir" "$secs" "$quick" "$skip" \
	"$(df -T "$run_dir" | awk 'NR == 2 {print $2 " on " $1}')" "$(fio --version)" \
	"$(iperf3 --version | head -1)" "$(ceph-osd --version 2>/dev/null | cut -d' ' -f1-3)" <<'EOF'
import json, os, platform, sys, time
out, run_dir, secs, quick, skip, fs, fio, iperf3, ceph = sys.argv[1:]
with open("/proc/meminfo") as f:
    mem_kib = int(next(l for l in f if l.startswith("MemTotal:")).split()[1])
with open("/proc/loadavg") as f:
    load = " ".join(f.read().split()[:3])
meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host": platform.node(),
        "kernel": platform.release(), "cpus": os.cpu_count(), "mem_kib": mem_kib,
        "run_dir": run_dir, "fs": fs, "seconds": int(secs), "quick": quick == "1",
        "skipped": [s for s in skip.split(",") if s], "loadavg_start": load,
        "fio": fio, "iperf3": iperf3, "ceph": ceph}
with open(out, "w") as f:
    json.dump(meta, f, indent=1)
EOF

if ! skipped limits; then run_limits; fi
if ! skipped daos; then run_daos; fi
if ! skipped memory; then run_memory; fi
if ! skipped ceph; then run_ceph; fi

cut -d' ' -f1-3 /proc/loadavg >"$RAW/loadavg_end"
mkdir -p "$(dirname "$json")"
/usr/bin/python3 "$ROOT/bench/compare_report.py" "$RAW" --json "$json" \
	--markdown "$run_dir/compare.md" | tee "$run_dir/compare.txt"
say "done: $json, $run_dir/compare.txt, $run_dir/compare.md (raw outputs in $RAW)"
