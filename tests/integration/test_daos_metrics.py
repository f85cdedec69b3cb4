"""daos_metrics on a real engine's telemetry segment (docs/design.md "engine: telemetry").

Run with:
  DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_daos_metrics.py
One daos_server with one engine of two targets (daos_cluster.py), formatted and joined. The
engine gets DAOS_TM_KEY_BASE (through its env_vars) so that its segment has a key of this test
run, not DAOS's 0x10242048 that other systems on this machine may use; daos_metrics reads the
same variable. A pool comes from `dmg pool create` when the build has it, else from raw
TGT_POOL_CREATE requests; the requests that move the counters are raw ones (PING, TGT_QUERY,
OBJ_UPDATE, OBJ_FETCH, a malformed body) in the wire format of test_engine_wire.py.

  DM01  the tree: "ID: 0", 4 spaces per level, engine metrics, values that follow the
        requests sent (requests received, bad requests: a body the handler refuses and a
        CRC mismatch the transport refuses, ops, latency samples, bytes, pool counters,
        vos_space equal to TGT_QUERY's answer)
  DM02  CSV: "ID: 0/<path>,<value>[,stats]" rows, -M header and ten columns, -T type column,
        every type filter together = no filter; -r: the ctime of the read first (CSV column
        and "timestamp," header; tree lines)
  DM03  type filters -c -d -t -s -g, in CSV and in the tree; -M in the tree
  DM04  -p: a subtree (with or without slashes), a leaf, a missing path (exit 1, reason)
  DM05  -i/-D: several rounds, counters that only grow
  DM06  a missing engine index: exit 1 naming the engine and its key, DER_NONEXIST
  DM07  bad flags and values: exit 1 with the reason and the usage; -h: usage, exit 0
  DM08  the pool destroyed (dmg pool destroy, or raw TGT_POOL_DESTROY): pool/<uuid> is gone
  DM09  dmg system stop: the engine's segment disappears; system start: a new one appears
        (runs last: it stops the system of the module's cluster)
"""
import csv
import io
import json
import os
import random
import re
import struct
import subprocess
import time
import uuid

import pytest

from daos_cluster import BUILD, Cluster, wait_for
from test_engine_wire import F_REPLY, OP, connect, key, message, read_reply

DAOS_METRICS = BUILD / "src" / "tools" / "daos_metrics" / "daos_metrics"
KEY_ENV = "DAOS_TM_KEY_BASE"
PROV = "ofi+tcp;ofi_rxm"
CMD_TIMEOUT = 30        # seconds for one daos_metrics run
DER_NONEXIST = -1005
CSV_HEADER = "name,value,min,max,mean,sample_size,sum,std_dev,description,units"
CONT = uuid.UUID("11111111-2222-3333-4444-555555555555").bytes


def unique_base():
    """A key base of this test run, away from DAOS's 0x10242048 and tm_demo's keys."""
    return 0x6E000000 | ((os.getpid() & 0xFFF) << 12) | (random.randrange(1, 0x100) << 4)


def ipc_keys():
    out = subprocess.run(["ipcs", "-m"], capture_output=True, text=True, timeout=CMD_TIMEOUT,
                         check=True).stdout
    return {int(f.split()[0], 16) for f in out.splitlines()
            if f.strip().startswith("0x") and len(f.split()) > 1}


def dm(base, *args):
    """Run daos_metrics with the test's key base; the CompletedProcess."""
    assert DAOS_METRICS.exists(), f"{DAOS_METRICS} not built"
    return subprocess.run([str(DAOS_METRICS)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=CMD_TIMEOUT, check=False,
                          env=dict(os.environ, **{KEY_ENV: hex(base)}))


def dm_ok(base, *args):
    res = dm(base, *args)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    assert res.stderr == "", (args, res.stderr)
    return res.stdout


def csv_values(base, *args):
    """{path: row fields after the path} of daos_metrics -C (prefix "ID: 0/" checked)."""
    out = {}
    for row in csv.reader(io.StringIO(dm_ok(base, "-C", *args))):
        assert row[0].startswith("ID: 0/"), row
        out[row[0][len("ID: 0/"):]] = row[1:]
    return out


def value(base, path):
    vals = csv_values(base, "-p", path)
    assert path in vals, (path, vals)
    return int(vals[path][0])


# ---- the wire ----

def call(port, op, body=b"", mapv=0, rpc=1):
    """One request on a new connection: (reply header, body)."""
    with connect(port) as s:
        s.sendall(message(op, body, mapv=mapv, rpc=rpc))
        rep = read_reply(s)
    assert rep is not None, f"op {op}: connection closed"
    assert rep[0]["flags"] == F_REPLY
    return rep


def prefix(pool, tgt, oid_lo=7):
    """pool, cont, target index, oid (lo, hi), epoch 0 ("now" / "latest")."""
    return pool + CONT + struct.pack("<IQQQ", tgt, oid_lo, 0, 0)


def iod_single(akey, size):
    """akey, type 1 (single value), size, flags 0, nr 1."""
    return key(akey) + struct.pack("<IQQI", 1, size, 0, 1)


def update_body(pool, tgt, data):
    return prefix(pool, tgt) + key(b"dkey") + struct.pack("<I", 1) + iod_single(b"akey",
                                                                               len(data)) + data


def fetch_body(pool, tgt, cap):
    return (prefix(pool, tgt) + key(b"dkey") + struct.pack("<I", 1) + iod_single(b"akey", 0)
            + struct.pack("<QI", cap, 0))


def tgt_query(port, pool):
    """TGT_QUERY: (scm total, scm free, nvme total, nvme free, the pool's map version)."""
    h, body = call(port, OP["query"], pool)
    assert h["status"] == 0, h
    return struct.unpack("<QQQQ", body) + (h["mapv"],)


# ---- the cluster ----

def with_key_base(srv, base):
    """Make the server's config give its engines DAOS_TM_KEY_BASE (env_vars)."""
    orig = srv.write_config

    def write_config(access_points, extra=""):
        orig(access_points, extra)
        text = srv.config.read_text()
        text = text.replace("    nr_xs_helpers: 0\n",
                            f"    nr_xs_helpers: 0\n    env_vars:\n      - {KEY_ENV}={hex(base)}\n")
        srv.config.write_text(text)
    srv.write_config = write_config


def create_pool(c, ports):
    """A pool on both targets: dmg pool create when the build serves it, else raw
    TGT_POOL_CREATE. Returns (its uuid (bytes), whether dmg made it)."""
    res = c.dmg("-j", "pool", "create", "tmpool", "-s", "64M", "-n", "128M")
    try:
        env = json.loads(res.stdout)
    except ValueError:
        env = None
    if res.returncode == 0 and env and env["status"] == 0 and "uuid" in env["response"]:
        return uuid.UUID(env["response"]["uuid"]).bytes, True
    pool = uuid.uuid4().bytes
    for port in ports:
        h, _ = call(port, OP["pool_create"], pool + struct.pack("<QQ", 64 << 20, 0))
        assert h["status"] == 0, h
    return pool, False


@pytest.fixture(name="sysm", scope="module")
def fixture_sysm(tmp_path_factory):
    """(cluster, key base, target ports, pool uuid, made by dmg): one engine of two
    targets, joined."""
    base = unique_base()
    c = Cluster(tmp_path_factory.mktemp("metrics"), 1, 1, engines=1, targets=2)
    srv = c.servers[0]
    with_key_base(srv, base)
    try:
        c.start()
        c.format()
        c.wait_members(1)
        ports = [srv.fabric_ports[0] + 1 + t for t in range(2)]
        wait_for("the engine's segment", lambda: base in ipc_keys(), 20)
        yield (c, base, ports) + create_pool(c, ports)
    finally:
        try:
            c.stop()
        finally:
            # an engine that did not exit cleanly leaves its segment: never leave it behind
            subprocess.run(["ipcrm", "-M", hex(base)], capture_output=True,
                           timeout=CMD_TIMEOUT, check=False)


def test_tree(sysm):
    """DM01: the tree and the values that follow the requests sent."""
    _, base, ports, pool, _ = sysm
    ps = str(uuid.UUID(bytes=pool))
    recv0 = value(base, f"net/{PROV}/req_recv/tgt_0")
    recv1 = value(base, f"net/{PROV}/req_recv/tgt_1")
    bad0 = value(base, f"net/{PROV}/req_bad/tgt_0")
    bad1 = value(base, f"net/{PROV}/req_bad/tgt_1")
    # a message the transport refuses (CRC mismatch) before any handler sees it
    raw = bytearray(message(OP["ping"], rpc=99))
    raw[32] ^= 0xFF
    with connect(ports[1]) as s:
        s.sendall(bytes(raw))
        rep = read_reply(s)
    assert rep is not None and rep[0]["status"] == -1014, rep
    for i in range(5):
        h, _ = call(ports[0], OP["ping"], rpc=10 + i)
        assert h["status"] == 0
    scm_total, _, nvme_total, _, _ = tgt_query(ports[1], pool)
    mapv = tgt_query(ports[0], pool)[4]   # a pool made by dmg has a map: send its version
    # a fetch body that does not decode
    h, reason = call(ports[0], OP["fetch"], b"xyz")
    assert h["status"] == -1014 and reason, (h, reason)
    data = bytes(range(256)) * 16          # 4 KiB: DAOS's 4KB latency bucket
    h, _ = call(ports[0], OP["update"], update_body(pool, 0, data), mapv=mapv)
    assert h["status"] == 0, h
    h, body = call(ports[0], OP["fetch"], fetch_body(pool, 0, 8192), mapv=mapv)
    assert h["status"] == 0, h
    assert body.endswith(data)

    def settled():
        return (value(base, f"net/{PROV}/req_recv/tgt_0") >= recv0 + 9
                and value(base, f"pool/{ps}/ops/fetch/tgt_0") >= 1)
    wait_for("the counters", settled, 10)
    out = dm_ok(base, "-S", "0")
    lines = out.splitlines()
    assert lines[0] == "ID: 0"
    # level 1: 4 spaces; directories padded to 8 characters (DAOS's "%-8s")
    assert re.search(r"^    started_at: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", out, re.M), out
    assert re.search(r"^    servicing_at: ", out, re.M)
    assert "    rank: 0" in lines
    assert re.search(r"^    incarnation: \d+$", out, re.M)
    assert "    io      " in lines and "    net     " in lines and "    sched   " in lines
    assert f"        {PROV}" in lines
    assert re.search(r"^        rss: \d+ bytes$", out, re.M)
    assert re.search(r"^            tgt_0: \d+ us \[min: \d+, max: \d+, avg: \d+, sum: \d+"
                     r"(, stddev: \d+)?, samples: \d+\]$", out, re.M)
    # the values follow the requests: 5 pings, a query, a bad body, an update and a fetch
    assert value(base, f"net/{PROV}/req_recv/tgt_0") == recv0 + 9
    assert value(base, f"net/{PROV}/req_recv/tgt_1") == recv1 + 1
    assert value(base, f"net/{PROV}/req_bad/tgt_0") == bad0 + 1
    assert value(base, f"net/{PROV}/req_bad/tgt_1") == bad1 + 1    # the transport's refusal
    vals = csv_values(base)
    assert int(vals["io/latency/update/4KB/tgt_0"][4]) >= 1          # samples
    assert int(vals["io/ops/update/latency/tgt_0"][4]) >= 1
    assert int(vals["io/xferred/update/tgt_0"][0]) >= len(data)
    assert int(vals["io/xferred/fetch/tgt_0"][0]) >= len(data)
    assert int(vals[f"pool/{ps}/xferred/update/tgt_0"][0]) >= len(data)
    assert int(vals[f"pool/{ps}/ops/update/tgt_0"][0]) >= 1
    assert int(vals[f"pool/{ps}/vos_space/scm_total/tgt_1"][0]) == scm_total
    assert int(vals[f"pool/{ps}/vos_space/nvme_total/tgt_1"][0]) == nvme_total
    assert int(vals["started_at"][0]) <= int(vals["servicing_at"][0]) <= time.time()
    assert int(vals["sched/cycles/tgt_0"][0]) > 0
    # the NVMe device of the engine (a file bdev): no errors, NORMAL
    devs = [p for p in vals if re.fullmatch(r"nvme/[0-9a-f-]{36}/state", p)]
    assert len(devs) == 1, vals.keys()
    assert vals[devs[0]][0] == "0"
    assert vals[devs[0].replace("state", "commands/write_errs")][0] == "0"


def test_csv(sysm):
    """DM02: CSV rows, the -M header, the -T column; all filters = none."""
    _, base, _, _, _ = sysm
    plain = dm_ok(base, "-C")
    rows = list(csv.reader(io.StringIO(plain)))
    assert rows and all(r[0].startswith("ID: 0/") for r in rows)
    assert all(len(r) in (2, 8) for r in rows), [r for r in rows if len(r) not in (2, 8)]
    stats = {r[0] for r in rows if len(r) == 8}
    assert "ID: 0/io/ops/update/latency/tgt_0" in stats
    assert "ID: 0/rank" not in stats
    meta = dm_ok(base, "-C", "-M").splitlines()
    assert meta[0] == CSV_HEADER
    mrows = list(csv.reader(io.StringIO("\n".join(meta[1:]))))
    assert all(len(r) == 10 for r in mrows)
    by_name = {r[0]: r for r in mrows}
    assert by_name[f"ID: 0/net/{PROV}/req_recv/tgt_0"][8:] == ["requests received", "req"]
    assert by_name["ID: 0/rank"][8:] == ["Rank ID of this engine", ""]
    typed = {r[0]: r[1] for r in csv.reader(io.StringIO(dm_ok(base, "-C", "-T")))}
    assert typed["ID: 0/rank"] == "gauge"
    assert typed["ID: 0/started_at"] == "timestamp"
    assert typed[f"ID: 0/net/{PROV}/req_recv/tgt_0"] == "counter"
    assert typed["ID: 0/io/ops/fetch/latency/tgt_1"] == "gauge"
    tmeta = dm_ok(base, "-C", "-T", "-M").splitlines()
    assert tmeta[0] == "name,type,value,min,max,mean,sample_size,sum,std_dev,description,units"
    assert all(len(r) == 11 for r in csv.reader(io.StringIO("\n".join(tmeta[1:]))))
    # every type filter at once is the same set of rows as no filter
    allf = [r[0] for r in csv.reader(io.StringIO(dm_ok(base, "-C", "-c", "-d", "-t", "-s",
                                                       "-g")))]
    assert allf == [r[0] for r in rows]
    # -r: the time of the read (ctime) first, in CSV and in the tree
    ctime_re = r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}"
    read = dm_ok(base, "-C", "-r", "-M").splitlines()
    assert read[0] == "timestamp," + CSV_HEADER
    rrows = list(csv.reader(io.StringIO("\n".join(read[1:]))))
    assert all(len(r) == 11 and re.fullmatch(ctime_re, r[0]) for r in rrows), rrows[:3]
    assert [r[1] for r in rrows] == [r[0] for r in mrows]
    tree = dm_ok(base, "-r", "-p", f"net/{PROV}/req_recv").splitlines()
    assert tree[0] == "req_recv", tree
    assert all(re.fullmatch(r"    " + ctime_re + r", tgt_\d: \d+ req", ln) for ln in tree[1:]), tree


def test_filters(sysm):
    """DM03: -c -d -t -s -g select types, in CSV and in the tree; -M in the tree."""
    _, base, _, _, _ = sysm
    typed = {r[0]: r[1] for r in csv.reader(io.StringIO(dm_ok(base, "-C", "-T")))}

    def names(*flags):
        return [r[0] for r in csv.reader(io.StringIO(dm_ok(base, "-C", *flags)))]
    counters = names("-c")
    assert counters and all(typed[n] == "counter" for n in counters)
    assert set(counters) == {n for n, t in typed.items() if t == "counter"}
    stamps = names("-t")
    assert "ID: 0/started_at" in stamps and all(typed[n] == "timestamp" for n in stamps)
    gauges = names("-g")
    assert "ID: 0/rank" in gauges and all(typed[n] == "gauge" for n in gauges)
    assert names("-d") == [] and names("-s") == []  # the engine has no durations, snapshots
    assert set(names("-c", "-t")) == set(counters) | set(stamps)
    # the tree keeps its directories, only the chosen metrics
    tree = dm_ok(base, "-t")
    assert "    started_at: " in tree and "rank: " not in tree and "    io      " in tree
    assert re.search(r"^            tgt_0: \d+ req, desc: requests received, units: req$",
                     dm_ok(base, "-M", "-c", "-p", "net"), re.M)
    assert re.search(r"^    type: counter, tgt_0: \d+ req$",
                     dm_ok(base, "-T", "-p", f"net/{PROV}/req_recv"), re.M)


def test_path(sysm):
    """DM04: -p prints a subtree (leading/trailing '/' ignored) or a leaf; a missing path fails."""
    _, base, _, _, _ = sysm
    out = dm_ok(base, "-p", "net")
    lines = out.splitlines()
    assert lines[0] == "net     " and not out.startswith("ID:")
    assert lines[1] == f"    {PROV}"
    assert all(line.startswith("    ") for line in lines[1:])
    assert dm_ok(base, "-p", "/net/") .splitlines()[:2] == lines[:2]
    rows = list(csv.reader(io.StringIO(dm_ok(base, "-C", "-p", "io/ops/update"))))
    assert rows and all(r[0].startswith("ID: 0/io/ops/update/") for r in rows)
    assert len(rows) == 4   # active and latency of two targets
    assert re.fullmatch(r"rank: 0\n", dm_ok(base, "-p", "rank"))
    res = dm(base, "-p", "io/nope")
    assert res.returncode == 1 and res.stdout == ""
    assert "no metric or directory 'io/nope' in the telemetry of engine 0" in res.stderr
    assert "DER_METRIC_NOT_FOUND" in res.stderr
    res = dm(base, "-p", "io/bad name")
    assert res.returncode == 1 and "bad path 'io/bad name'" in res.stderr


def test_iterations(sysm):
    """DM05: -i 3 -D 1 prints three rounds a second apart; counters never go back."""
    _, base, ports, _, _ = sysm
    path = f"net/{PROV}/req_recv/tgt_0"
    start = time.monotonic()
    proc = subprocess.Popen([str(DAOS_METRICS), "-C", "-i", "3", "-D", "1", "-p", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **{KEY_ENV: hex(base)}))
    try:
        for _ in range(3):
            call(ports[0], OP["ping"])
            time.sleep(0.5)
        out, err = proc.communicate(timeout=CMD_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=CMD_TIMEOUT)
    assert proc.returncode == 0 and err == "", err
    assert time.monotonic() - start >= 2
    vals = [int(r[1]) for r in csv.reader(io.StringIO(out))]
    assert len(vals) == 3 and vals == sorted(vals), vals
    tree = dm_ok(base, "-i", "2", "-D", "1", "-p", "rank")
    assert tree == "rank: 0\n\nrank: 0\n"


def test_missing_engine(sysm):
    """DM06: an engine index without a segment: exit 1 naming the engine and its key."""
    _, base, _, _, _ = sysm
    res = dm(base, "-S", "3")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr == (f"daos_metrics: no telemetry for engine 3: no shared memory segment "
                          f"with key {hex(base + 3)} (is the engine running?): "
                          f"DER_NONEXIST(-1005): 'The specified entity does not exist'\n")


@pytest.mark.parametrize("args, reason", [
    (["-x"], "unknown option '-x'"),
    (["--bogus"], "unknown option '--bogus'"),
    (["-S", "16"], "bad value '16' for -S/--srv_idx: expected an integer in [0, 15]"),
    (["-S", "abc"], "bad value 'abc' for -S/--srv_idx: expected an integer in [0, 15]"),
    (["-S", "-1"], "bad value '-1' for -S/--srv_idx: expected an integer in [0, 15]"),
    (["-i", "1e3"], "bad value '1e3' for -i/--iterations: expected an integer in [0, "
                    "4294967295]"),
    (["-D", "0"], "bad value '0' for -D/--delay: expected an integer in [1, 86400]"),
    (["--delay=90000"], "bad value '90000' for -D/--delay: expected an integer in [1, 86400]"),
    (["-S"], "option '-S' needs a value"),
    (["--path"], "option '--path' needs a value"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_bad_flags(sysm, args, reason):
    """DM07: bad flags and values: exit 1, the reason, then the usage on stderr."""
    _, base, _, _, _ = sysm
    res = dm(base, *args)
    assert res.returncode == 1 and res.stdout == ""
    first, rest = res.stderr.split("\n", 1)
    assert first == f"daos_metrics: {reason}"
    assert rest.startswith("Usage: daos_metrics [OPTIONS]\n")


def test_help_and_key_env(sysm):
    """DM07: -h prints the usage on stdout; a bad DAOS_TM_KEY_BASE is refused."""
    _, base, _, _, _ = sysm
    out = dm_ok(base, "-h")
    assert out.startswith("Usage: daos_metrics [OPTIONS]\n") and "--srv_idx" in out
    res = subprocess.run([str(DAOS_METRICS)], capture_output=True, text=True,
                         timeout=CMD_TIMEOUT, check=False, env=dict(os.environ, **{KEY_ENV: "zz"}))
    assert res.returncode == 1
    assert res.stderr == f"daos_metrics: {KEY_ENV}='zz' is not a key in [1, 0x7ffffff0]\n"


def test_pool_destroy(sysm):
    """DM08: a destroyed pool's directory leaves the tree; the other metrics stay."""
    c, base, ports, pool, by_dmg = sysm
    ps = str(uuid.UUID(bytes=pool))
    assert value(base, f"pool/{ps}/ops/update/tgt_0") >= 1
    if by_dmg:
        c.dmg_ok("pool", "destroy", "tmpool")
    else:
        for port in ports:
            h, _ = call(port, OP["pool_destroy"], pool)
            assert h["status"] == 0, h
    res = dm(base, "-p", f"pool/{ps}")
    assert res.returncode == 1 and "DER_METRIC_NOT_FOUND" in res.stderr, res
    assert value(base, "io/xferred/update/tgt_0") >= 4096


def test_system_stop_removes_segment(sysm):
    """DM09: after dmg system stop the engine's segment is gone; a start makes a new one."""
    c, base, _, _, _ = sysm
    before = value(base, "started_at")
    c.dmg_ok("system", "stop")
    wait_for("the segment to go", lambda: base not in ipc_keys(), 30)
    res = dm(base, "-S", "0")
    assert res.returncode == 1 and "DER_NONEXIST" in res.stderr
    time.sleep(1)   # started_at has a resolution of one second
    c.dmg_ok("system", "start")
    c.wait_members(1)
    wait_for("a new segment", lambda: base in ipc_keys(), 30)
    assert value(base, "started_at") > before
    assert value(base, "rank") == 0
