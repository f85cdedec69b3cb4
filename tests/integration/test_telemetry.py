"""Telemetry across processes: a tm_demo writer and tm_demo readers at once.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_telemetry.py
(DAOS_BUILD_DIR defaults to <repo>/build). Every writer gets a unique SysV key
and its segment is removed in a finally block even if a test fails.
"""
import csv
import io
import os
import pathlib
import random
import re
import selectors
import shutil
import signal
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("DAOS_BUILD_DIR", str(REPO / "build")))
TM_DEMO = BUILD / "tests" / "tools" / "tm_demo"
POOL = "7b5e2c8a-1d6f-4c3e-9a0b-5f1e2d3c4b5a"
CMD_TIMEOUT = 20  # seconds for any one tm_demo or promtool run
EXIT_NOSEG = 3
EXIT_USAGE = 2


def unique_key():
    """A key of this test run: pid bits plus a random part, away from DAOS's 0x10242048."""
    return 0x6B000000 | ((os.getpid() & 0xFFF) << 12) | random.randrange(1, 0x1000)


def segment_exists(key):
    out = subprocess.run(["ipcs", "-m"], capture_output=True, text=True,
                         timeout=CMD_TIMEOUT, check=True).stdout
    return f"0x{key:08x}" in out.split()


def remove_segment(key):
    subprocess.run(["ipcrm", "-M", f"0x{key:08x}"], capture_output=True,
                   timeout=CMD_TIMEOUT, check=False)


def tm_read(key, *args, keys=None):
    """Run 'tm_demo read' once; returns the CompletedProcess."""
    cmd = [str(TM_DEMO), "read"]
    for k in keys or [key]:
        cmd += ["--key", f"0x{k:x}"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True,
                          timeout=CMD_TIMEOUT, check=False)


def wait_ready(proc, timeout):
    """Wait for the writer's 'ready' line; bounded."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            raise AssertionError(f"tm_demo write not ready within {timeout} s")
        line = proc.stdout.readline()
    finally:
        sel.close()
    assert line.startswith("tm_demo: ready"), f"unexpected first line: {line!r}"


def stop(proc, timeout=10):
    """SIGTERM by PID, then a bounded wait; SIGKILL as the last resort."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
            raise AssertionError("tm_demo write ignored SIGTERM")
    return proc.returncode


@pytest.fixture(scope="session", autouse=True)
def built():
    if not os.access(TM_DEMO, os.X_OK):
        pytest.fail(f"{TM_DEMO} not found: build first or set DAOS_BUILD_DIR")


@pytest.fixture
def writer():
    """A running writer; yields (key, process); always stopped and cleaned up."""
    key = unique_key()
    remove_segment(key)
    proc = subprocess.Popen([str(TM_DEMO), "write", "--key", f"0x{key:x}", "--targets", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_ready(proc, CMD_TIMEOUT)
        yield key, proc
    finally:
        try:
            stop(proc)
        finally:
            proc.stdout.close()
            proc.stderr.close()
            remove_segment(key)


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def counter(key, path):
    res = tm_read(key, "--csv")
    assert res.returncode == 0, res.stderr
    for row in csv_rows(res.stdout):
        if row[0] == path:
            return int(row[1])
    raise AssertionError(f"{path} not in CSV output:\n{res.stdout}")


def test_counters_grow(writer):
    key, _ = writer
    path = f"pool/{POOL}/ops/update"
    seen = [counter(key, path)]
    for _ in range(3):
        time.sleep(0.2)
        seen.append(counter(key, path))
    assert all(b > a for a, b in zip(seen, seen[1:])), seen


def check_exposition(text):
    """Our own format checks that promtool does not make: contiguous unique families."""
    assert text.endswith("\n")
    families, series, current = [], set(), None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in families, f"family {name} split"
            families.append(name)
            current = name
            assert line[len("# HELP " + name):].strip(), f"empty help: {line}"
        elif line.startswith("# TYPE "):
            _, _, name, typ = line.split()
            assert name == current
            assert typ in ("gauge", "counter", "untyped")
        else:
            ident = line.rsplit(" ", 1)[0]
            assert ident.split("{", 1)[0] == current, f"series outside its family: {line}"
            assert ident not in series, f"duplicate series: {line}"
            series.add(ident)
            assert re.search(r'rank="\d+"', ident), line
    assert families == sorted(families)
    return families


def test_prometheus_promtool(writer):
    key, _ = writer
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool (prometheus 2.x) is not installed: cannot check the exposition")
    # one engine, and the same engine again as a second rank (merged output)
    for args in ([], ["--rank", "0", "--rank", "1"]):
        keys = [key] if not args else [key, key]
        res = tm_read(key, "--prom", *args, keys=keys)
        assert res.returncode == 0, res.stderr
        check = subprocess.run([promtool, "check", "metrics"], input=res.stdout,
                               capture_output=True, text=True, timeout=CMD_TIMEOUT, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.strip() == "" and check.stderr.strip() == "", \
            check.stdout + check.stderr
        families = check_exposition(res.stdout)

    text = res.stdout
    assert f'engine_pool_ops_update{{pool="{POOL}",rank="0"}} ' in text
    assert f'engine_pool_ops_update{{pool="{POOL}",rank="1"}} ' in text
    assert 'engine_io_latency_update{rank="1",size="4KB",target="0"} ' in text
    assert 'engine_net_req_timeout{provider="ofi+tcp;ofi_rxm",rank="0"} ' in text
    assert 'engine_nvme_commands_read_errs{device="0000:81:00.0",rank="0"} ' in text
    assert 'engine_sched_cycle_duration{rank="0",xstream="2"} ' in text
    assert "# TYPE engine_pool_ops_update untyped" in text
    assert "# TYPE engine_io_latency_update_sum untyped" in text
    assert "# TYPE engine_io_latency_update gauge" in text
    assert "# HELP engine_io_latency_update update RPC processing time (us)" in text
    for suffix in ("", "_min", "_max", "_mean", "_stddev", "_sumsquares", "_samples", "_sum"):
        assert "engine_io_latency_update" + suffix in families


def test_csv_shape(writer):
    key, _ = writer
    res = tm_read(key, "--csv", "--meta")
    assert res.returncode == 0, res.stderr
    rows = csv_rows(res.stdout)
    assert rows[0] == ["name", "value", "min", "max", "mean", "sample_size", "sum", "std_dev",
                       "description", "units"]
    paths = [r[0] for r in rows[1:]]
    assert f"pool/{POOL}/ops/update" in paths
    assert "io/latency/update/4KB/tgt_1" in paths
    for row in rows[1:]:
        assert len(row) == 10, row
        int(row[1])
        if row[0].startswith(("io/latency/", "sched/")):
            mn, mx, mean, samples, total = (int(row[2]), int(row[3]), float(row[4]),
                                            int(row[5]), int(row[6]))
            float(row[7])
            if samples:
                assert mn <= mean <= mx and mn * samples <= total <= mx * samples, row
        else:
            assert row[2:8] == [""] * 6, row

    res = tm_read(key, "--csv", "--path", "io/latency")
    assert res.returncode == 0, res.stderr
    rows = csv_rows(res.stdout)
    assert len(rows) == 4
    assert all(len(r) == 8 and r[0].startswith("io/latency/update/") for r in rows), rows

    res = tm_read(key)  # tree
    assert res.returncode == 0, res.stderr
    assert "      4KB\n        tgt_0: " in res.stdout


def test_sigterm_removes_segment(writer):
    key, proc = writer
    assert segment_exists(key)
    assert stop(proc) == 0, proc.stderr.read()
    assert not segment_exists(key)
    res = tm_read(key)
    assert res.returncode == EXIT_NOSEG
    assert "DER_NONEXIST(-1005)" in res.stderr


def test_writer_stops_after_seconds():
    key = unique_key()
    try:
        res = subprocess.run([str(TM_DEMO), "write", "--key", f"0x{key:x}", "--seconds", "1"],
                             capture_output=True, text=True, timeout=CMD_TIMEOUT, check=False)
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith("tm_demo: ready")
        assert not segment_exists(key)
    finally:
        remove_segment(key)


def test_read_errors():
    key = unique_key()
    remove_segment(key)
    res = tm_read(key, "--prom")
    assert res.returncode == EXIT_NOSEG
    assert "DER_NONEXIST" in res.stderr
    for bad in (["read"], ["read", "--key", "0"], ["read", "--key", "x1"],
                ["read", "--key", "1", "--meta"], ["frob"], ["write", "--key", "1", "--prom"],
                ["write", "--key", "1", "--size", "10"]):
        res = subprocess.run([str(TM_DEMO)] + bad, capture_output=True, text=True,
                             timeout=CMD_TIMEOUT, check=False)
        assert res.returncode == EXIT_USAGE, (bad, res.stderr)
        assert "usage:" in res.stderr
