#!/usr/bin/env bash
# The project's test command (README "Quick start"; .ci/run calls exactly this).
#
# Installs what is needed (utils/install-deps.sh), builds three trees and runs
# every test, then prints one summary line "N passed, N failed":
#   build/       gcc, -Werror: unit tests (cmocka) and integration tests (pytest)
#   build-asan/  gcc + AddressSanitizer + UndefinedBehaviorSanitizer: unit tests
#                and the system and data path tests (test_system.py, test_engine_wire.py,
#                test_libdaos.py, test_daos_tool.py)
#   build-fuzz/  clang + libFuzzer + ASan/UBSan: each fuzz target replays its
#                committed corpus, then fuzzes for FUZZ_SECONDS (default 20)
# Every unit test case, fuzz target and pytest case counts once per build.
#
# Environment: FUZZ_SECONDS, UNIT_TIMEOUT (per program, default 600 s),
# PYTEST_ARGS (extra pytest arguments), SKIP_FUZZ=1, SKIP_INTEGRATION=1.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-600}
JOBS=${JOBS:-$(nproc)}
results="$top/build/test-results"

passed=0
failed=0
failures=()

say() { printf '== %s\n' "$*"; }
fail_note() { failures+=("$1"); }

utils/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

# setup_build DIR [meson options...]: configure (or reconfigure), then build.
setup_build() {
	local dir=$1
	shift
	local again=()
	# Reconfigure an existing tree: the test lists depend on which files exist.
	[ -f "$dir/build.ninja" ] && again=(--reconfigure)
	meson setup "${again[@]}" "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	rm -f "$dir.setup.log"
	ninja -C "$dir" -j "$JOBS" >"$dir.ninja.log" 2>&1 || { tail -n 60 "$dir.ninja.log"; return 1; }
	rm -f "$dir.ninja.log"
}

build_ok=1
say "build: gcc -Werror (build/)"
setup_build build || build_ok=0
mkdir -p "$results"
say "build: ASan + UBSan (build-asan/)"
setup_build build-asan -Db_sanitize=address,undefined -Db_lundef=false || build_ok=0
fuzz_ok=1
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	say "build: clang + libFuzzer (build-fuzz/)"
	CC=clang setup_build build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Ddefault_library=static || { build_ok=0; fuzz_ok=0; }
fi
if [ $build_ok -ne 1 ]; then
	failed=$((failed + 1))
	fail_note "build"
fi

# run_unit BUILD_DIR: every cmocka program, TAP output, one count per case.
run_unit() {
	local dir=$1 tag=$2 exe name out rc plan ok notok
	for exe in "$dir"/tests/unit/test_*; do
		[ -f "$exe" ] && [ -x "$exe" ] || continue
		name=$(basename "$exe")
		out="$results/$tag-$name.tap"
		# The same environment tests/unit/meson.build gives each test.
		CMOCKA_MESSAGE_OUTPUT=TAP DAOS_SOURCE_DIR="$top" \
		DAOS_ENGINE_BIN="$top/$dir/src/engine/daos_engine" \
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			timeout -k 10 "$UNIT_TIMEOUT" "$exe" >"$out" 2>&1
		rc=$?
		plan=$(sed -n 's/^1\.\.\([0-9]\+\).*/\1/p' "$out" | head -n 1)
		ok=$(grep -c '^ok ' "$out")
		notok=$(grep -c '^not ok ' "$out")
		[ -n "$plan" ] || plan=$((ok + notok))
		# A crash or timeout loses the remaining cases: count them as failed.
		if [ $((ok + notok)) -lt "$plan" ]; then
			notok=$((plan - ok))
		fi
		if [ $rc -ne 0 ] && [ "$notok" -eq 0 ]; then
			notok=1
		fi
		passed=$((passed + ok))
		failed=$((failed + notok))
		if [ "$notok" -ne 0 ]; then
			fail_note "$tag $name (exit $rc): see $out"
			grep -E '^not ok|ERROR|FAILED|runtime error|Sanitizer' "$out" | head -n 20
		fi
		printf '   %-6s %-24s %3d passed, %d failed\n' "$tag" "$name" "$ok" "$notok"
	done
}

say "unit tests (build/)"
run_unit build unit
say "unit tests, ASan + UBSan (build-asan/)"
run_unit build-asan asan

if [ "${SKIP_FUZZ:-0}" != 1 ] && [ $fuzz_ok -eq 1 ]; then
	say "fuzz targets (build-fuzz/), ${FUZZ_SECONDS}s each after the corpus replay"
	for exe in build-fuzz/tests/fuzz/fuzz_*; do
		[ -f "$exe" ] && [ -x "$exe" ] || continue
		name=${exe##*/fuzz_}
		corpus="tests/fuzz/corpus/$name"
		scratch=$(mktemp -d /tmp/fuzz-"$name".XXXXXX)
		out="$results/fuzz-$name.log"
		if ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
			timeout -k 10 $((FUZZ_SECONDS + 120)) "$exe" -max_total_time="$FUZZ_SECONDS" \
			-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$scratch/" \
			"$scratch" "$corpus" >"$out" 2>&1; then
			passed=$((passed + 1))
			printf '   %-6s %-24s passed (%s)\n' fuzz "$name" \
				"$(grep -o 'stat::number_of_executed_runs: *[0-9]*\|#[0-9]*.*DONE.*' "$out" | tail -n 1)"
		else
			failed=$((failed + 1))
			fail_note "fuzz $name: see $out, crash inputs in $scratch"
			tail -n 30 "$out"
			continue
		fi
		rm -rf "$scratch"
	done
fi

# run_pytest LABEL BUILD_DIR PATH...: one pytest run against the binaries of
# BUILD_DIR; its cases count in passed/failed.
run_pytest() {
	local label=$1 bdir=$2 junit rc t f
	shift 2
	say "$label"
	junit="$results/pytest-$(basename "$bdir").xml"
	rm -f "$junit"
	# shellcheck disable=SC2086
	DAOS_BUILD_DIR="$bdir" DAOS_SOURCE_DIR="$top" \
		timeout -k 30 1500 /usr/bin/python3 -m pytest "$@" -q \
		-p no:cacheprovider --junitxml="$junit" ${PYTEST_ARGS:-}
	rc=$?
	if [ $rc -eq 5 ]; then
		echo "   no integration tests collected"
	elif [ -f "$junit" ]; then
		read -r t f <<<"$(/usr/bin/python3 - "$junit" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
    s += int(su.get("skipped", 0))
print(t - f - s, f)
EOF
)"
		passed=$((passed + t))
		failed=$((failed + f))
		[ "$f" -eq 0 ] || fail_note "$label: $f failed (see output above)"
		[ $rc -eq 0 ] || [ "$f" -ne 0 ] || { failed=$((failed + 1)); fail_note "$label: pytest exit $rc"; }
	else
		failed=$((failed + 1))
		fail_note "$label: pytest did not run (exit $rc)"
	fi
}

if [ "${SKIP_INTEGRATION:-0}" != 1 ]; then
	run_pytest "integration tests (pytest)" "$top/build" tests/integration
	# the multi-process system tests again on the sanitizer build: daos_server
	# and daos_engine under ASan/UBSan, reports fail the run (daos_cluster.py)
	run_pytest "system and data path tests on the ASan+UBSan build" "$top/build-asan" \
		tests/integration/test_system.py tests/integration/test_engine_wire.py \
		tests/integration/test_libdaos.py tests/integration/test_daos_tool.py
fi

if [ ${#failures[@]} -ne 0 ]; then
	say "failures"
	printf '   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
