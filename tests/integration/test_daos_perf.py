"""daos_perf (bench/daos_perf*.c) against real processes: a cluster (1 server x 2 engines x 2
targets, file bdevs), a daos_agent and a pool; each workload run briefly and its JSON checked.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_daos_perf.py
Everything runs under a temporary directory; every process is stopped by PID and every wait
is bounded.

  PF01  array write then read, 4 KiB .. 16 MiB, S1 and SX, sequential, -T 1: every phase has
        ops > 0, no error, p50 <= p95 <= p99 <= max, MB/s = ops x size / seconds, bytes =
        ops x size; the container daos_perf-<pid> is gone afterwards (cont_list)
  PF02  array, random order, 2 threads x 2 objects, -D: exactly D / size operations per phase
  PF03  single values 64 B .. 64 KiB, -D, random: exact counts, reads verified
  PF04  KV put, get, list, -D: the list phase returns every key put (ops = keys, size = the
        16-byte key length, calls = list calls)
  PF05  an RP and an EC class: exit 1, a DER_NOSYS message on stderr, the class in "refused",
        the S1 run beside them still measured; no container left behind
  PF06  -C an existing container: used and left in place (with the tool's objects);
        --keep: the tool's container stays, one for all the runs
  PF07  SIGINT during a phase: the phase stops, the results so far are printed,
        "interrupted": true, exit 1, and the container is still destroyed
  PF08  bad command lines: exit 1, one "daos_perf: <reason>" line, nothing sent (no agent
        needed: an agent error would show instead); --help exits 0 and names libdfs
  PF09  the table output: a header, one row per phase, the peak RSS line; -j output has no
        progress line in it even with --progress (that goes to stderr)
  PF10  a run that fills its target (4 KiB values past the pool's SCM): the failed updates are
        counted and described (DER_NOSPACE), the phase stops after 100 failures, exit 1; the
        reads and the list read exactly what was written (no verify error); the container is
        destroyed and the space returned (the next runs work)
  PF11  a pool destroyed (--force) while 1 MiB reads are in flight on it (the targets' device
        reads asynchronous): the tool ends within its deadline with the reads failed, every
        engine stays up and a new pool of the same name serves a full run
  PF12  16 MiB reads, 16 in flight on one target: more than a target's budget of
        asynchronous fetch memory (ENG_FETCH_ASYNC_BYTES_MAX), so some are served
        synchronously: every read returns its data (verified), none fails
"""
import json
import os
import signal
import subprocess
import time

import pytest

from agent_util import AGENT, Agent
from daos_cluster import BUILD, SANITIZER_RE, Cluster, api_call, wait_for

PERF = BUILD / "bench" / "daos_perf"
RUN_TIMEOUT = 180    # seconds for one daos_perf run (a 2-core CI machine)
POOL = "perfpool"

pytestmark = pytest.mark.skipif(not (PERF.exists() and AGENT.exists()),
                                reason="daos_perf or daos_agent not built")


class System:
    def __init__(self, cluster, agent):
        self.cluster = cluster
        self.agent = agent

    def env(self, agent_dir=None):
        return {"DAOS_AGENT_DRPC_DIR": str(agent_dir or self.agent.runtime),
                "PATH": "/usr/bin:/bin"}

    def run(self, *args, agent_dir=None, check=True):
        res = subprocess.run([str(PERF), *[str(a) for a in args]], env=self.env(agent_dir),
                             capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
        no_sanitizer_report(res.stderr)
        if check:
            assert res.returncode == 0, f"daos_perf {args}: {res.returncode}\n{res.stderr}"
        return res

    def json(self, *args, rc=0):
        res = self.run("-j", *args, check=False)
        assert res.returncode == rc, f"daos_perf {args}: {res.returncode}\n{res.stderr}"
        return json.loads(res.stdout), res

    def containers(self):
        status, reply = api_call(self.cluster.leader(), "cont_list", {"pool": POOL})
        assert status == 200, reply
        return [c["label"] for c in reply["containers"]]


@pytest.fixture(scope="module", name="system")
def fixture_system(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("daos_perf")
    cluster = Cluster(tmp / "cluster", 1, 1, engines=2, targets=2)
    agent = None
    try:
        cluster.start()
        cluster.format()
        cluster.wait_members(2)
        # 25% SCM, 62 MB per target: values up to 4 KiB stay in SCM (two LMDB pages each)
        cluster.dmg_ok("pool", "create", "--size", "1G", "--tier-ratio", "25,75", POOL)
        agent = Agent(tmp, cluster.aps).start()
        yield System(cluster, agent)
        cluster.wait_members(2)   # every engine survived the runs
    finally:
        try:
            status = agent.stop() if agent is not None else None
        finally:
            cluster.stop()
        assert status in (0, None), f"daos_agent exited {status}"


def no_sanitizer_report(stderr):
    reports = [ln for ln in stderr.splitlines() if SANITIZER_RE.search(ln)]
    assert not reports, "sanitizer reports:\n" + stderr


def check_row(row, size=None):
    """The invariants of one result row."""
    assert row["ops"] > 0, row
    assert row["errors"] == 0 and row["verify_errors"] == 0, row
    assert 0 < row["p50_us"] <= row["p95_us"] <= row["p99_us"] <= row["max_us"], row
    if size is not None:
        assert row["size"] == size, row
    assert row["bytes"] == row["ops"] * row["size"], row
    assert row["seconds"] > 0, row
    assert row["ops_per_s"] == pytest.approx(row["ops"] / row["seconds"], rel=1e-3)
    assert row["mb_per_s"] == pytest.approx(row["ops_per_s"] * row["size"] / 1e6, rel=1e-3)


def check_run(out, workload, phases, sizes, classes):
    rows = out["results"]
    want = [(workload, ph, s, c) for c in classes for s in sizes for ph in phases]
    got = [(r["workload"], r["phase"], r["size"], r["class"]) for r in rows]
    assert got == want, got
    for r in rows:
        check_row(r)
    assert out["refused"] == [] and out["interrupted"] is False
    assert out["client_peak_rss_bytes"] > out["io_buffer_bytes"] > 0
    return rows


def test_array_seq(system):
    """PF01"""
    sizes = [4096, 1 << 20, 16 << 20]
    out, _ = system.json("-P", POOL, "-w", "array", "-s", "4K,1M,16M", "-o", "S1,SX",
                         "-q", "4", "-T", "1", "--span", "16M")
    rows = check_run(out, "array", ["write", "read"], sizes, ["S1", "SX"])
    p = out["params"]
    assert (p["threads"], p["depth"], p["seconds"], p["order"]) == (1, 4, 1, "seq")
    assert p["cont"].startswith("daos_perf-") and p["cont_created"] is True
    assert p["pool_targets"] == 4 and p["pool_engines"] == 2
    # a write phase covers at most its span (16 MiB), and says so
    for r in rows:
        if r["phase"] == "write":
            assert r["ops"] <= (16 << 20) // r["size"], r
            assert r["span_short"] == (r["ops"] == (16 << 20) // r["size"]), r
    assert p["cont"] not in system.containers()


def test_array_random_threads(system):
    """PF02"""
    out, _ = system.json("-P", POOL, "-w", "array", "-s", "64K", "-t", "2", "-n", "2",
                         "-q", "8", "-D", "8M", "--rand")
    rows = check_run(out, "array", ["write", "read"], [65536], ["S1"])
    assert [r["ops"] for r in rows] == [128, 128]
    assert out["params"]["order"] == "random" and out["params"]["bytes"] == 8 << 20
    assert out["params"]["seconds"] is None
    assert out["io_buffer_bytes"] == 2 * 8 * 65536


def test_single_values(system):
    """PF03"""
    out, _ = system.json("-P", POOL, "-w", "sv", "-s", "64,4K,64K", "-q", "32", "-D", "4M",
                         "--rand")
    rows = check_run(out, "sv", ["update", "fetch"], [64, 4096, 65536], ["S1"])
    for r in rows:
        assert r["ops"] == (4 << 20) // r["size"], r


def test_kv(system):
    """PF04"""
    out, _ = system.json("-P", POOL, "-w", "kv", "-s", "100", "-n", "3", "-q", "8",
                         "-D", "300000")
    rows = out["results"]
    assert [r["phase"] for r in rows] == ["put", "get", "list"]
    for r in rows[:2]:
        check_row(r, 100)
        assert r["ops"] == 3000, r
    lst = rows[2]
    check_row(lst, 16)                # ops are keys, size the key length
    assert lst["ops"] == 3000, lst    # every key put, once
    assert lst["value_size"] == 100
    assert 3000 / 128 <= lst["calls"] <= 3000, lst   # at most 128 keys per call


def test_rp_ec_refused(system):
    """PF05"""
    before = system.containers()
    out, res = system.json("-P", POOL, "-w", "sv", "-o", "RP_2G1,S1,EC_2P1G1", "-D", "64K",
                           rc=1)
    assert [r["class"] for r in out["refused"]] == ["RP_2G1", "EC_2P1G1"]
    for r in out["refused"]:
        assert r["error"] == "DER_NOSYS" and r["rc"] == -1010, r
    assert ("daos_perf: object class RP_2G1: DER_NOSYS(-1010): 'Function not implemented': "
            "libdaos does not support replicated and erasure-coded classes yet; skipped"
            in res.stderr.splitlines()), res.stderr
    check_run(dict(out, refused=[]), "sv", ["update", "fetch"], [64], ["S1"])
    assert system.containers() == before
    # alone, the refused class makes no row at all
    out, _ = system.json("-P", POOL, "-o", "RP_3G1", "-T", "1", rc=1)
    assert out["results"] == [] and out["refused"][0]["class"] == "RP_3G1"
    assert system.containers() == before


def test_user_container_and_keep(system):
    """PF06"""
    status, reply = api_call(system.cluster.leader(), "cont_create",
                             {"pool": POOL, "label": "mine"})
    assert status == 200, reply
    out, _ = system.json("-P", POOL, "-C", "mine", "-w", "sv", "-D", "64K")
    assert out["params"]["cont"] == "mine" and out["params"]["cont_created"] is False
    assert "mine" in system.containers()
    status, reply = api_call(system.cluster.leader(), "cont_query",
                             {"pool": POOL, "cont": "mine"})
    assert status == 200 and reply["next_oid"] > 0, reply   # the tool's objects are there

    out, _ = system.json("-P", POOL, "--keep", "-w", "sv,kv", "-D", "64K")
    kept = out["params"]["cont"]
    assert kept in system.containers()
    for name in (kept, "mine"):
        status, reply = api_call(system.cluster.leader(), "cont_destroy",
                                 {"pool": POOL, "cont": name, "force": True})
        assert status == 200, reply
    assert "mine" not in system.containers() and kept not in system.containers()


def test_sigint(system):
    """PF07"""
    proc = subprocess.Popen([str(PERF), "-j", "-P", POOL, "-w", "sv", "-T", "60",
                             "--span", "1M", "-q", "4"], env=system.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # running once the write phase has made progress: wait for the container
        wait_for("the tool's container",
                 lambda: any(c.startswith("daos_perf-") for c in system.containers()), 30)
        time.sleep(1)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    no_sanitizer_report(err)
    assert proc.returncode == 1, err
    res = json.loads(out)
    assert res["interrupted"] is True
    assert len(res["results"]) >= 1 and res["results"][0]["ops"] > 0, res
    assert res["results"][0]["seconds"] < 30
    assert "daos_perf: interrupted" in err.splitlines()
    assert not any(c.startswith("daos_perf-") for c in system.containers())


BAD = [
    ([], "no pool: give -P POOL (a label or a UUID)"),
    (["-P", POOL, "-w", "posix"],
     "-w posix: POSIX metadata needs libdfs, which does not exist in this tree yet"),
    (["-P", POOL, "-w", "nope"], "-w 'nope': unknown workload (array, sv, kv)"),
    (["-P", POOL, "-s", "4Q"], "-s '4Q': not a size in bytes (e.g. 64, 4K, 1M; at least 1)"),
    (["-P", POOL, "-w", "sv", "-s", "2M"], "-s 2MiB: a sv value is at most 1MiB"),
    (["-P", POOL, "-o", "XYZ"],
     "-o 'XYZ': unknown object class (e.g. S1, S2, S4, S8, SX, RP_2G1, EC_2P1G1)"),
    (["-P", POOL, "-t", "0"], "-t '0': not a whole number in 1..64"),
    (["-P", POOL, "-q", "1000"], "-q '1000': not a whole number in 1..256"),
    (["-P", POOL, "-T", "-1"], "-T '-1': not a number of seconds in (0, 86400]"),
    (["-P", POOL, "-D", "1M", "-T", "1"], "-T and -D exclude each other"),
    (["-P", POOL, "--seq", "--rand"], "--seq and --rand exclude each other"),
    (["-P", POOL, "-n", "x"], "-n 'x': not a whole number in 1..4096"),
    (["-P", POOL, "--bogus"], "unknown option --bogus"),
    (["-P", POOL, "stray"], "unexpected argument 'stray'"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_arguments(tmp_path, args, message):
    """PF08 (no cluster: an agent directory without a socket shows nothing was sent)"""
    res = subprocess.run([str(PERF), *args], capture_output=True, text=True, timeout=30,
                         env={"DAOS_AGENT_DRPC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         check=False)
    no_sanitizer_report(res.stderr)
    assert res.returncode == 1, res
    assert res.stdout == ""
    assert res.stderr.splitlines() == [f"daos_perf: {message}", "Try 'daos_perf --help'."]


def test_help():
    """PF08"""
    res = subprocess.run([str(PERF), "--help"], capture_output=True, text=True, timeout=30,
                         check=False)
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith("usage: daos_perf -P POOL")
    assert "libdfs does not exist in this tree" in res.stdout


def test_table_and_progress(system):
    """PF09"""
    res = system.run("-P", POOL, "-w", "sv,array", "-s", "4K", "-D", "1M", "--progress")
    lines = res.stdout.splitlines()
    assert lines[0].startswith(f"daos_perf: pool {POOL} (4 targets, 2 engines), container "
                               "daos_perf-")
    assert lines[1].split() == ["workload", "phase", "size", "class", "thr", "x", "qd", "ops",
                                "ops/s", "MB/s", "p50", "us", "p95", "us", "p99", "us", "max",
                                "us", "errors"]
    rows = [ln.split() for ln in lines[2:6]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("sv", "update", "4KiB", "S1"), ("sv", "fetch", "4KiB", "S1"),
        ("array", "write", "4KiB", "S1"), ("array", "read", "4KiB", "S1")]
    for r in rows:
        assert r[4:7] == ["1", "x", "16"] and r[7] == "256" and r[-1] == "0", r
    assert lines[6].startswith("client peak RSS ") and lines[6].endswith(" MiB)")
    assert len(lines) == 7
    # -j --progress: stdout is JSON alone
    out, _ = system.json("-P", POOL, "-w", "sv", "-D", "64K", "--progress")
    assert out["results"][0]["ops"] == 1024


def test_pool_full(system):
    """PF10"""
    before = system.containers()
    out, res = system.json("-P", POOL, "-w", "sv,kv", "-s", "4K", "-q", "16", "-D", "512M",
                           rc=1)
    rows = out["results"]
    assert [r["phase"] for r in rows] == ["update", "fetch", "put", "get", "list"]
    for wr, rd in ((rows[0], rows[1]), (rows[2], rows[3])):
        assert 100 <= wr["errors"] < 100 + 16, wr
        assert wr["first_error"] == "DER_NOSPACE" and wr["verify_errors"] == 0, wr
        assert wr["ops"] > 0 and rd["ops"] == wr["ops"], (wr, rd)
        assert rd["errors"] == 0, rd
    assert rows[4]["ops"] == rows[2]["ops"] and rows[4]["errors"] == 0, rows[4]
    assert "failed: DER_NOSPACE(-1007): 'No space on storage target'" in res.stderr
    assert f"daos_perf: {sum(r['errors'] for r in rows)} operations failed" in res.stderr
    assert system.containers() == before
    # the space came back with the container
    out, _ = system.json("-P", POOL, "-w", "sv", "-s", "4K", "-D", "4M")
    assert out["results"][0]["ops"] == 1024


def test_pool_destroyed_under_reads(system):
    """PF11"""
    gone = "perfgone"
    system.cluster.dmg_ok("pool", "create", "--size", "800M", "--tier-ratio", "12,88", gone)
    proc = subprocess.Popen([str(PERF), "-j", "-P", gone, "-w", "array", "-s", "1M", "-q", "16",
                             "-T", "30", "--span", "96M"], env=system.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the write phase ends at its span (a second or two), then 30 s of reads
        time.sleep(4)
        assert proc.poll() is None, proc.communicate(timeout=5)
        system.cluster.dmg_ok("pool", "destroy", "--force", "--recursive", gone)
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    no_sanitizer_report(err)
    assert proc.returncode == 1, err
    rows = json.loads(out)["results"]
    assert [r["phase"] for r in rows] == ["write", "read"], rows
    assert rows[0]["errors"] == 0 and rows[0]["ops"] > 0, rows[0]
    assert rows[1]["errors"] > 0 and rows[1]["verify_errors"] == 0, rows[1]
    system.cluster.wait_members(2)
    system.cluster.dmg_ok("pool", "create", "--size", "800M", "--tier-ratio", "12,88", gone)
    try:
        out, _ = system.json("-P", gone, "-w", "array", "-s", "1M", "-q", "16", "-D", "64M")
        check_run(out, "array", ["write", "read"], [1 << 20], ["S1"])
    finally:
        system.cluster.dmg_ok("pool", "destroy", "--force", "--recursive", gone)


def test_reads_past_the_async_budget(system):
    """PF12"""
    out, _ = system.json("-P", POOL, "-w", "array", "-s", "16M", "-q", "16", "-T", "2",
                         "--span", "64M")
    rows = check_run(out, "array", ["write", "read"], [16 << 20], ["S1"])
    assert rows[1]["ops"] >= 16, rows[1]
