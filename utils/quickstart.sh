#!/bin/bash
# utils/quickstart.sh [DIR]: the README's first command.
#
# Installs what the project needs (utils/install-deps.sh), builds it (build/), then starts a
# local system on the embedded default configuration (`daos_server start --local DIR`: one
# server, two engines with 2 targets each, SCM emulated in RAM or a directory, NVMe emulated
# by files, everything under DIR) and a daos_agent, formats the storage, creates a pool and a
# POSIX container, writes an object and reads it back with the example program, and prints
# `dmg system query` and `dmg pool query`. The system is left running; the last line says how
# to stop it. Every wait is bounded; any failure stops what this script started.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-/var/tmp/daos-quickstart}
BUILD=${DAOS_BUILD_DIR:-$ROOT/build}
CTL_ADDR=127.0.0.1:10001
WAIT_S=60

case "$DIR" in
/*) ;;
*) echo "quickstart: DIR must be an absolute path, got '$DIR'" >&2; exit 1 ;;
esac

"$ROOT/utils/install-deps.sh"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT"
fi
ninja -C "$BUILD"

DMG=("$BUILD/src/tools/dmg" -i -l "$CTL_ADDR")
DAOS_TOOL=$BUILD/src/tools/daos/daos
SERVER_PID_FILE=$DIR/daos_server.pid
AGENT_PID_FILE=$DIR/daos_agent.pid

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if running "$SERVER_PID_FILE"; then
	echo "quickstart: a system started from $DIR is already running" \
		"(pid $(cat "$SERVER_PID_FILE")); stop it first:" >&2
	echo "  kill $(cat "$SERVER_PID_FILE")${AGENT_PID_FILE:+ \$(cat $AGENT_PID_FILE)}" >&2
	exit 1
fi
if (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null; then
	echo "quickstart: port 10001 is already in use by another program" >&2
	exit 1
fi

# Each quick start is a new system: remove what an earlier one left in DIR (only the names
# the embedded configuration and this script use; DIR itself and anything else stay).
for scm in "$DIR/scm0" "$DIR/scm1"; do
	if mountpoint -q "$scm"; then umount "$scm"; fi
done
for old in scm0 scm1 bdev0.img bdev1.img run log agent control_raft daos_agent.yml \
	daos_server.pid daos_agent.pid; do
	rm -rf "${DIR:?}/$old"
done
mkdir -p "$DIR/log" "$DIR/agent"
started=()
cleanup() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "quickstart: failed (exit $rc); stopping what it started. Logs: $DIR/log" >&2
		for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
	fi
}
trap cleanup EXIT

wait_for() { # what, command...
	local what=$1
	shift
	for _ in $(seq $((WAIT_S * 5))); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.2
	done
	echo "quickstart: timed out after ${WAIT_S}s waiting for $what" >&2
	return 1
}

echo "== starting daos_server (embedded default configuration under $DIR)"
# From the build tree the engine is not beside daos_server (as it is once installed).
DAOS_ENGINE_BIN=$BUILD/src/engine/daos_engine \
	"$BUILD/src/control/daos_server" start --local "$DIR" -i \
	>"$DIR/log/daos_server.out" 2>&1 </dev/null &
echo $! >"$SERVER_PID_FILE"
started+=("$(cat "$SERVER_PID_FILE")")
wait_for "the control API on $CTL_ADDR" "${DMG[@]}" system leader-query

echo "== formatting storage"
"${DMG[@]}" storage format
joined() { [ "$("${DMG[@]}" -j system query | grep -c '"state": *"[Jj]oined"')" -ge 2 ]; }
wait_for "both engines to join" joined

echo "== starting daos_agent"
cat >"$DIR/daos_agent.yml" <<EOF
name: daos_server
access_points: ['127.0.0.1']
port: 10001
transport_config:
  allow_insecure: true
runtime_dir: $DIR/agent
log_file: $DIR/log/daos_agent.log
EOF
"$BUILD/src/agent/daos_agent" -o "$DIR/daos_agent.yml" -i start \
	>"$DIR/log/daos_agent.out" 2>&1 </dev/null &
echo $! >"$AGENT_PID_FILE"
started+=("$(cat "$AGENT_PID_FILE")")
export DAOS_AGENT_DRPC_DIR=$DIR/agent
wait_for "the agent socket" test -S "$DIR/agent/daos_agent.sock"

echo "== creating pool 'quickpool' and container 'quickcont'"
"${DMG[@]}" pool create --size 2G quickpool
"$DAOS_TOOL" container create quickpool quickcont --type POSIX

echo "== writing and reading back an object"
"$BUILD/src/client/daos_example" quickpool quickcont

echo "== dmg system query"
"${DMG[@]}" system query
echo "== dmg pool query quickpool"
"${DMG[@]}" pool query quickpool

trap - EXIT
echo
echo "The system is running (logs in $DIR/log). Stop it with:" \
	"kill $(cat "$AGENT_PID_FILE") $(cat "$SERVER_PID_FILE")"
