"""daos_server's telemetry export (telemetry_port), dmg telemetry and a real Prometheus.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_metrics_export.py
Real daos_server/daos_engine processes (daos_cluster.py) with `telemetry_port: <free port>`
in their config and, per engine, `env_vars: [DAOS_TM_KEY_BASE=<key>]` so that the engines'
telemetry segments never collide with DAOS's default keys or with other tests' engines (the
server computes the same keys from the same config). I/O load is driven with a raw wire
client (the 40-byte src/proto header with its CRC32C, as test_engine_wire.py speaks it):
PING and TGT_QUERY on every target, which move the engines' network and pool counters, and
with real object I/O through libdaos (bench/daos_perf and a daos_agent), which moves the
engines' I/O counters (engine_pool_ops_update, engine_io_*).

  MX01  GET /metrics under load (wire requests and daos_perf object I/O through libdaos):
        `curl | promtool check metrics` finds no problem; the update counters of both
        engines grow; every
        family once (HELP, TYPE, contiguous series); both engines (rank labels) and the
        server's own families; counters grow; other paths 404, other methods 405, HEAD 200
  MX02  two servers scraped by a real Prometheus started from the configuration `dmg
        telemetry config` wrote ($HOME/.prometheus.yml, the symlink in the install dir):
        both targets up, the engines' counters in its HTTP API, growing with the load (the
        network counters with wire requests, engine_pool_ops_update with daos_perf I/O)
  MX03  dmg telemetry metrics list|query (-l, -p, -m, -j) against a server, and its
        errors: unknown metric, nothing listening, bad arguments, several hosts
  MX04  telemetry_port 0: the server listens on nothing but its control and Raft ports,
        telemetry_info says 0, dmg telemetry config leaves it out (with a note); -p
        overrides the servers' ports; the file is replaced on a second run
  MX05  an engine killed with SIGKILL: its leftover segment is not exported (source_up 0,
        no series of its rank); restarted with dmg system start, its metrics come back
        from the new segment (a later engine_started_at)
"""
import json
import os
import pathlib
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from agent_util import AGENT, Agent
from daos_cluster import BUILD, Cluster, api_call, free_port_pairs, wait_for

PROMETHEUS = pathlib.Path("/usr/bin/prometheus")
DAOS_PERF = BUILD / "bench" / "daos_perf"
PERF_TIMEOUT = 120        # seconds for one daos_perf run
CMD_TIMEOUT = 30          # seconds for one curl/promtool run
HTTP_TIMEOUT = 10         # seconds for one GET
PROM_READY_TIMEOUT = 60   # seconds for Prometheus to start answering
SCRAPE_TIMEOUT = 60       # seconds for Prometheus to see a change (scrape_interval 5 s)
STOP_TIMEOUT = 20         # seconds for Prometheus to exit after SIGTERM

# ---- the raw wire client (docs/design.md C1) ----

MAGIC = 0x534F4144
VERSION = 1
HDR = struct.Struct("<IHHIiQIIII")   # magic ver op flags status rpc mapv len crc reserved
OP_PING = 1
OP_QUERY = 7


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def wire_message(op, body=b"", rpc=1):
    zero = HDR.pack(MAGIC, VERSION, op, 0, 0, rpc, 0, len(body), 0, 0)
    return HDR.pack(MAGIC, VERSION, op, 0, 0, rpc, 0, len(body),
                    crc32c(body, crc32c(zero)), 0) + body


def wire_call(sock, op, body=b"", rpc=1):
    """Send one request and read its reply; the reply's status."""
    sock.sendall(wire_message(op, body, rpc))
    raw = b""
    while len(raw) < HDR.size:
        chunk = sock.recv(HDR.size - len(raw))
        assert chunk, "engine closed the connection"
        raw += chunk
    fields = HDR.unpack(raw)
    left = fields[7]
    while left > 0:
        chunk = sock.recv(min(left, 65536))
        assert chunk, "engine closed the connection"
        left -= len(chunk)
    return fields[4]


def target_ports(srv):
    """Every target endpoint of a server: fabric_iface_port + 1 + t (C1)."""
    return [base + 1 + t for base in srv.fabric_ports for t in range(srv.targets)]


def drive(ports, rounds, pool=None):
    """rounds of PING (and TGT_QUERY of pool) on every port."""
    for port in ports:
        with socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT) as s:
            s.settimeout(HTTP_TIMEOUT)
            for r in range(rounds):
                assert wire_call(s, OP_PING, rpc=r + 1) == 0
                if pool is not None:
                    assert wire_call(s, OP_QUERY, pool, rpc=r + 1) == 0


class Load:
    """A thread driving PING/TGT_QUERY rounds until stopped; errors are kept and raised."""

    def __init__(self, ports, pool=None):
        self.ports = ports
        self.pool = pool
        self.stop_ev = threading.Event()
        self.error = None
        self.rounds = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            while not self.stop_ev.is_set():
                drive(self.ports, 20, self.pool)
                self.rounds += 1
        except (OSError, AssertionError) as exc:
            self.error = exc

    def __enter__(self):
        self.thread.start()
        wait_for("the load to start", lambda: self.rounds > 0 or self.error, 30)
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "load thread did not stop"
        assert self.error is None, f"load failed: {self.error}"


# ---- clusters with telemetry ----

def key_base(idx):
    """A segment key base of this test run for server idx (engines add their index)."""
    return 0x6D000000 | ((os.getpid() & 0x3FF) << 12) | (random.randrange(0, 0x40) << 6) \
        | (idx << 4)


def with_telemetry(srv, port, base):
    """Make srv's config carry telemetry_port (None: no line, 0: explicit 0) and give each
    engine DAOS_TM_KEY_BASE=base."""
    orig = srv.write_config

    def write_config(access_points, extra=""):
        lines = [extra] if extra else []
        if port is not None:
            lines.append(f"telemetry_port: {port}")
        orig(access_points, extra="\n".join(lines))
        text = srv.config.read_text()
        text = text.replace("    nr_xs_helpers: 0\n",
                            f"    nr_xs_helpers: 0\n    env_vars: [DAOS_TM_KEY_BASE={base:#x}]\n")
        srv.config.write_text(text)

    srv.write_config = write_config
    srv.tm_port = port
    srv.tm_base = base


def remove_segments(c):
    """Remove the segments of our keys that are left (only after a failure: engines remove
    theirs when they stop)."""
    out = subprocess.run(["ipcs", "-m"], capture_output=True, text=True, timeout=CMD_TIMEOUT,
                         check=False).stdout
    for srv in c.servers:
        for e in range(srv.engines):
            key = f"0x{srv.tm_base + e:08x}"
            if key in out.split():
                subprocess.run(["ipcrm", "-M", key], capture_output=True, timeout=CMD_TIMEOUT,
                               check=False)


@pytest.fixture(name="cluster")
def fixture_cluster(tmp_path):
    """Factory of started, formatted clusters with telemetry; every process stopped by PID."""
    made = []

    def make(nr_servers, ports=None, engines=2, targets=1):
        """ports: telemetry_port per server (None in the list: no such line); default:
        a free port for each."""
        c = Cluster(tmp_path / f"cluster{len(made)}", nr_servers, 1, engines=engines,
                    targets=targets)
        made.append(c)
        if ports is None:
            taken = [s.port for s in c.servers] + [s.port + 1 for s in c.servers]
            ports = free_port_pairs(nr_servers, taken=taken)
        for srv, port in zip(c.servers, ports):
            with_telemetry(srv, port, key_base(srv.idx))
        c.start()
        c.format()
        c.wait_members(nr_servers * engines)
        return c

    try:
        yield make
    finally:
        for c in made:
            try:
                c.stop()
            finally:
                remove_segments(c)


def scrape(port, path="/metrics", method="GET"):
    """(status, headers, body text) of one request to the telemetry port."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


SERIES_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def series(text):
    """{(name, frozenset of label pairs): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES_RE.match(line)
        assert m, f"unparsable line {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def values(text, name, **want):
    """{labels dict as tuple: value} of the series of name having the labels want."""
    got = {}
    for (n, labels), v in series(text).items():
        d = dict(labels)
        if n == name and all(d.get(k) == str(x) for k, x in want.items()):
            got[tuple(sorted(d.items()))] = v
    return got


def check_families(text):
    """Our own checks of the format: HELP and TYPE once per family, before its series,
    series of a family contiguous, no series twice, output ends with a newline."""
    assert text.endswith("\n")
    seen, current, typed, keys = set(), None, set(), set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name = line.split()[2]
            if name != current:
                assert name not in seen, f"family {name} appears twice"
                seen.add(name)
                current = name
            if line.startswith("# TYPE "):
                assert name not in typed
                typed.add(name)
            continue
        m = SERIES_RE.match(line)
        assert m, line
        assert m.group(1) == current, f"series {m.group(1)} outside its family"
        key = (m.group(1), m.group(2))
        assert key not in keys, f"duplicate series {line}"
        keys.add(key)
    return seen


def promtool_check(port):
    """`curl -s 127.0.0.1:<port>/metrics | promtool check metrics`: (rc, output)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool (Debian package prometheus) is not installed")
    if shutil.which("curl") is not None:
        res = subprocess.run(f"curl -s 127.0.0.1:{port}/metrics | {promtool} check metrics",
                             shell=True, capture_output=True, text=True, timeout=CMD_TIMEOUT,
                             check=False)
    else:
        res = subprocess.run([promtool, "check", "metrics"], input=scrape(port)[2],
                             capture_output=True, text=True, timeout=CMD_TIMEOUT, check=False)
    return res.returncode, res.stdout + res.stderr


def create_pool(c, label="p"):
    env = c.dmg_json("pool", "create", "--size", "1G", label)
    assert env["status"] == 0, env
    return env["response"]["uuid"]


class PerfLoad:
    """Object I/O through libdaos until stopped: bench/daos_perf runs of 4 KiB single values
    (SX, so that every target gets some), each a bounded amount of data in its own container
    (destroyed at its end, so the pool never fills), one after the other."""

    def __init__(self, agent, pool):
        assert DAOS_PERF.exists() and AGENT.exists(), "daos_perf or daos_agent not built"
        self.cmd = [str(DAOS_PERF), "-P", pool, "-w", "sv", "-s", "4K", "-o", "SX", "-q", "8",
                    "-D", "8M", "-j", "--no-progress"]
        self.env = dict(os.environ, DAOS_AGENT_DRPC_DIR=str(agent.runtime))
        self.stop_ev = threading.Event()
        self.error = None
        self.runs = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            while not self.stop_ev.is_set():
                res = subprocess.run(self.cmd, env=self.env, capture_output=True, text=True,
                                     timeout=PERF_TIMEOUT, check=False,
                                     stdin=subprocess.DEVNULL)
                assert res.returncode == 0, f"daos_perf failed: {res.stderr[-2000:]}"
                rows = json.loads(res.stdout)["results"]
                assert rows and all(r["errors"] == 0 and r["ops"] > 0 for r in rows), rows
                self.runs += 1
        except (OSError, AssertionError, ValueError, subprocess.TimeoutExpired) as exc:
            self.error = exc

    def __enter__(self):
        self.thread.start()
        wait_for("a first daos_perf run", lambda: self.runs > 0 or self.error, PERF_TIMEOUT)
        assert self.error is None, f"daos_perf load failed: {self.error}"
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join(timeout=PERF_TIMEOUT)
        assert not self.thread.is_alive(), "daos_perf load did not stop"
        assert self.error is None, f"daos_perf load failed: {self.error}"


def pool_updates(text):
    """Per rank, the sum of engine_pool_ops_update (object updates the engines served)."""
    got = {}
    for (lb, v) in values(text, "engine_pool_ops_update").items():
        rank = dict(lb)["rank"]
        got[rank] = got.get(rank, 0) + v
    return got


def uuid_bytes(text):
    return bytes.fromhex(text.replace("-", ""))


def test_promtool_under_load(cluster):
    """MX01: a scrape under I/O load passes promtool; every family once; counters grow."""
    c = cluster(1)        # 2 engines, 1 target each: `pool create --size 1G` fits
    srv = c.servers[0]
    pool = create_pool(c)
    ports = target_ports(srv)
    agent = Agent(c.dir, c.aps).start()
    try:
        with Load(ports, uuid_bytes(pool)), PerfLoad(agent, pool) as perf:
            io_first = pool_updates(scrape(srv.tm_port)[2])
            for _ in range(3):
                rc, out = promtool_check(srv.tm_port)
                assert rc == 0 and out.strip() == "", out
            runs = perf.runs
            wait_for("another daos_perf run", lambda: perf.runs > runs or perf.error,
                     PERF_TIMEOUT)
            status, headers, first = scrape(srv.tm_port)
            assert status == 200
            families = check_families(first)
            time.sleep(0.5)
            _, _, second = scrape(srv.tm_port)
    finally:
        assert agent.stop() == 0
    # object I/O through libdaos moved the engines' I/O counters on both ranks
    io_last = pool_updates(first)
    assert set(io_last) == {"0", "1"}, io_last
    assert all(io_last[r] > io_first.get(r, 0) for r in io_last), (io_first, io_last)
    assert sum(values(first, "engine_io_xferred_update").values()) > 0
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"

    # both engines, every target, and the pool's label
    recv1 = values(first, "engine_net_req_recv")
    assert {dict(k)["rank"] for k in recv1} == {"0", "1"}
    assert {dict(k)["target"] for k in recv1} == {"0"}
    assert all(dict(k)["provider"] for k in recv1)
    assert any(n.startswith("engine_pool_") and dict(lb).get("pool") == pool
               for (n, lb) in series(first)), "no engine_pool_* series of the pool"
    for fam in ("engine_started_at", "engine_exporter_scrape_duration_seconds",
                "engine_exporter_source_up", "server_telemetry_scrapes_total",
                "process_cpu_seconds_total", "process_resident_memory_bytes",
                "process_start_time_seconds", "server_mgmt_svc_leader",
                "server_system_members", "server_system_pools"):
        assert fam in families, fam
    assert values(first, "engine_exporter_source_up", engine=0)[(("engine", "0"), ("rank",
           str(srv_rank(srv, 0))))] == 1
    assert values(first, "server_system_members", state="Joined") == {(("state", "Joined"),): 2}
    assert values(first, "server_system_pools") == {(): 1}
    assert values(first, "server_mgmt_svc_leader") == {(): 1}
    # the counters moved between the two scrapes
    recv2 = values(second, "engine_net_req_recv")
    assert sum(recv2.values()) > sum(recv1.values()) > 0
    assert values(second, "server_telemetry_scrapes_total")[()] > \
        values(first, "server_telemetry_scrapes_total")[()]

    # other paths and methods
    status, _, body = scrape(srv.tm_port, "/")
    assert (status, body) == (404, "404 page not found\n")
    status, _, _ = scrape(srv.tm_port, "/metrics/x")
    assert status == 404
    status, headers, body = scrape(srv.tm_port, method="POST")
    assert (status, headers.get("Allow"), body) == (405, "GET, HEAD", "405 method not allowed\n")
    status, _, body = scrape(srv.tm_port, method="HEAD")
    assert (status, body) == (200, "")


def srv_rank(srv, idx):
    return next(e["rank"] for e in srv.info()["engines"] if e["idx"] == idx)


class Prometheus:
    """A real Prometheus on a free loopback port, stopped by PID."""

    def __init__(self, binary, config, data_dir):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(pathlib.Path(data_dir).parent / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [str(binary), f"--config.file={config}", f"--storage.tsdb.path={data_dir}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def api(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}",
                                    timeout=HTTP_TIMEOUT) as resp:
            return json.loads(resp.read())

    def query(self, expr):
        """The instant vector of expr: [(labels dict, value)]."""
        reply = self.api("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        assert reply["status"] == "success", reply
        return [(r["metric"], float(r["value"][1])) for r in reply["data"]["result"]]

    def wait_ready(self):
        def ready():
            assert self.proc.poll() is None, f"prometheus exited {self.proc.returncode}"
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready",
                                        timeout=HTTP_TIMEOUT) as resp:
                return resp.status == 200
        wait_for("Prometheus to be ready", ready, PROM_READY_TIMEOUT, interval=0.5)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=STOP_TIMEOUT)
        self.log.close()


def test_prometheus_two_servers(cluster, tmp_path):
    """MX02: Prometheus, configured by dmg telemetry config, scrapes both servers."""
    if not PROMETHEUS.exists():
        pytest.skip("prometheus (Debian package prometheus) is not installed")
    c = cluster(2, engines=1, targets=1)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    res = c.dmg_ok("telemetry", "config", "-i", bindir)
    cfg = c.home / ".prometheus.yml"
    targets = [f"127.0.0.1:{s.tm_port}" for s in c.servers]
    assert res.stdout == (
        "Configuring Prometheus for DAOS monitoring...\n"
        f"Wrote DAOS monitoring config to {cfg} (job daos, targets: {', '.join(targets)})\n"
        f"Linked {bindir / 'prometheus'} to {PROMETHEUS}\n"
        f"Start it with: {bindir / 'prometheus'} --config.file={cfg}\n")
    text = cfg.read_text()
    assert "  - job_name: daos\n    scrape_interval: 5s\n" in text
    assert text.endswith("      - targets:\n" + "".join(f"          - '{t}'\n" for t in targets))
    assert os.readlink(bindir / "prometheus") == str(PROMETHEUS)

    prom = Prometheus(bindir / "prometheus", cfg, tmp_path / "tsdb")
    try:
        prom.wait_ready()
        up = wait_for("both targets up", lambda: (lambda r: r if len(r) == 2 and all(
            v == 1 for _, v in r) else None)(prom.query('up{job="daos"}')), SCRAPE_TIMEOUT,
            interval=1)
        assert sorted(m["instance"] for m, _ in up) == sorted(targets)

        def per_rank():
            got = {}
            for m, v in prom.query("sum by (rank) (engine_net_req_recv)"):
                got[m["rank"]] = v
            return got if set(got) == {"0", "1"} else None
        before = wait_for("engine counters in Prometheus", per_rank, SCRAPE_TIMEOUT, interval=1)
        for srv in c.servers:
            drive(target_ports(srv), 50)
        after = wait_for("the counters to grow in Prometheus", lambda: (lambda g: g if g and all(
            g[r] >= before[r] + 50 for r in ("0", "1")) else None)(per_rank()), SCRAPE_TIMEOUT,
            interval=1)
        assert all(after[r] > before[r] for r in after)

        # object I/O through libdaos: the engines' update counters grow in Prometheus
        def io_per_rank():
            got = {}
            for m, v in prom.query("sum by (rank) (engine_pool_ops_update)"):
                got[m["rank"]] = v
            return got
        pool = create_pool(c)
        io_before = io_per_rank()
        agent = Agent(c.dir, c.aps).start()
        try:
            with PerfLoad(agent, pool):
                io_after = wait_for("the I/O counters to grow in Prometheus", lambda: (
                    lambda g: g if set(g) == {"0", "1"} and all(
                        g[r] > io_before.get(r, 0) for r in g) else None)(io_per_rank()),
                    SCRAPE_TIMEOUT, interval=1)
        finally:
            assert agent.stop() == 0
        assert sum(io_after.values()) > sum(io_before.values())
        # the server's own figures are there too, per instance
        assert len(prom.query('server_telemetry_scrapes_total{job="daos"}')) == 2
        assert sum(v for _, v in prom.query("server_mgmt_svc_leader")) == 1
    finally:
        prom.stop()


def dmg_tm(c, *args):
    """dmg telemetry ... without -l (metrics commands take their host from --host)."""
    return c.dmg("telemetry", *args, hosts=False)


def test_dmg_metrics(cluster):
    """MX03: dmg telemetry metrics list|query and their errors."""
    c = cluster(1)
    srv = c.servers[0]
    port = str(srv.tm_port)
    drive(target_ports(srv), 3)

    res = dmg_tm(c, "-p", port, "metrics", "list")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == f"connecting to localhost:{port}..."
    assert re.match(r"^Metric Set +Type +Description$", lines[1]), lines[1]
    assert re.match(r"^-{10} +-{4} +-{11}$", lines[2])
    rows = {ln.split()[0]: ln for ln in lines[3:]}
    assert rows["engine_net_req_recv"].split()[1] == "Generic"
    assert rows["engine_net_req_recv"].endswith("requests received (req)")
    assert rows["server_telemetry_scrapes_total"].split()[1] == "Counter"
    assert rows["engine_started_at"].split()[1] == "Gauge"
    assert list(rows) == sorted(rows)

    res = dmg_tm(c, "metrics", "query", "-l", "127.0.0.1", "-p", port, "-m",
                 "engine_started_at,engine_net_req_recv")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.startswith(f"connecting to 127.0.0.1:{port}...\n"
                          "- Metric Set: engine_started_at (Type: Gauge)\n"
                          "  Timestamp of last engine startup\n"
                          "    Metric Labels   Value\n"
                          "    ------ ------   -----\n"
                          "    Gauge  (rank=0) "), out
    assert "    Gauge  (rank=1) " in out
    assert "\n- Metric Set: engine_net_req_recv (Type: Generic)\n  requests received (req)\n" \
        in out
    assert re.search(r"\n    Generic \(provider=ofi\+tcp;ofi_rxm, rank=0, target=0\) +[1-9]\d*\n",
                     out), out
    assert out.endswith("\n\n")

    env = c.dmg_json("telemetry", "metrics", "query", "-p", port, "-m", "engine_net_req_recv",
                     hosts=False)
    assert env["status"] == 0 and env["error"] is None
    (mset,) = env["response"]["metric_sets"]
    assert (mset["type"], mset["name"], mset["description"]) == \
        ("generic", "engine_net_req_recv", "requests received (req)")
    assert sorted(m["labels"]["rank"] for m in mset["metrics"]) == ["0", "1"]
    assert all(m["value"] >= 3 for m in mset["metrics"])
    env = c.dmg_json("telemetry", "-p", port, "metrics", "list", hosts=False)
    names = [s["name"] for s in env["response"]["available_metric_sets"]]
    assert "engine_net_req_recv" in names and names == sorted(names)
    assert all(s["metrics"] is None for s in env["response"]["available_metric_sets"])
    # every family, when -m is not given
    env = c.dmg_json("telemetry", "metrics", "query", "-p", port, hosts=False)
    assert {s["name"] for s in env["response"]["metric_sets"]} >= set(names) - {
        "engine_exporter_scrape_duration_seconds"}

    # errors: an unknown metric, nothing listening, bad arguments, several hosts
    res = dmg_tm(c, "metrics", "query", "-p", port, "-m", "engine_nope")
    assert res.returncode == 1
    assert res.stderr.startswith('ERROR: dmg: metric "engine_nope" not found on host')
    dead = free_port_pairs(1, taken=[srv.port, srv.port + 1, srv.tm_port])[0]
    res = dmg_tm(c, "metrics", "list", "-p", str(dead))
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: unable to list metrics: GET "
                                 f"http://localhost:{dead}/metrics: "), res.stderr
    assert "DER_UNREACH" in res.stderr
    res = dmg_tm(c, "metrics", "list", "-p", "0")
    assert res.returncode == 1
    assert res.stderr == ("ERROR: dmg: invalid --port: '0' (expected an integer from 1 to "
                          "65535)\nRun 'dmg telemetry metrics list --help' for usage.\n")
    res = c.dmg("telemetry", "metrics", "list", "-p", port, hosts=f"127.0.0.1,{srv.addr}")
    assert res.returncode == 1
    assert "only one host may be queried at a time (-l names 2 hosts)" in res.stderr
    # -l before the command with one host is that host (its control port dropped)
    res = c.dmg("telemetry", "metrics", "list", "-p", port, hosts=srv.addr)
    assert res.returncode == 0 and res.stdout.startswith(f"connecting to 127.0.0.1:{port}...\n")


def listening_ports(pid):
    """TCP ports process pid listens on (its sockets' inodes matched in /proc/net/tcp)."""
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in pathlib.Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:   # state LISTEN
                ports.add(int(f[1].split(":")[1], 16))
    return ports


def test_config_and_disabled(cluster):
    """MX04: telemetry_port 0 (or absent) listens on nothing; config leaves it out."""
    c = cluster(2, ports=[0, None], engines=1)
    zero, absent = c.servers      # zero is the access point: control and Raft ports
    assert listening_ports(zero.proc.pid) == {zero.port, zero.port + 1}
    assert listening_ports(absent.proc.pid) == {absent.port}
    for srv in (zero, absent):
        assert api_call(srv.addr, "telemetry_info") == (200, {"telemetry_port": 0})

    res = c.dmg_ok("telemetry", "config", "-i", c.dir)
    cfg = c.home / ".prometheus.yml"
    assert res.stdout == (
        "Configuring Prometheus for DAOS monitoring...\n"
        f"Note: {zero.addr}: telemetry is disabled (telemetry_port: 0): left out\n"
        f"Note: {absent.addr}: telemetry is disabled (telemetry_port: 0): left out\n"
        f"Wrote DAOS monitoring config to {cfg} (job daos, targets: none)\n"
        f"Linked {c.dir / 'prometheus'} to {PROMETHEUS}\n"
        f"Start it with: {c.dir / 'prometheus'} --config.file={cfg}\n"), res.stdout
    assert cfg.read_text().endswith("      - targets: []\n")

    # -p: every host at that port, nobody asked; the file is replaced
    env = c.dmg_json("telemetry", "config", "-i", c.dir, "-p", "9999")
    assert env["status"] == 0, env
    r = env["response"]
    assert r["targets"] == ["127.0.0.1:9999"]      # both servers are 127.0.0.1
    assert (r["config_file"], r["job"], r["scrape_interval"], r["notes"]) == \
        (str(cfg), "daos", "5s", [])
    assert r["prometheus"] == str(c.dir / "prometheus") and r["linked_to"] is None
    assert cfg.read_text().endswith("      - targets:\n          - '127.0.0.1:9999'\n")

    # errors: an unknown system, a missing install directory (the file is still written)
    res = c.dmg("telemetry", "config", "-s", "graphite")
    assert res.returncode == 1
    assert "unsupported telemetry system: 'graphite' (supported: prometheus)" in res.stderr
    res = c.dmg("telemetry", "config", "-i", c.dir / "nowhere")
    assert res.returncode == 1
    assert f"install directory '{c.dir / 'nowhere'}': No such file or directory " \
           f"({cfg} was written)" in res.stderr


def test_config_asks_servers(cluster):
    """MX04 (cont.): config asks each server its telemetry_port; a disabled one is left out."""
    c = cluster(2, ports=[0, free_port_pairs(1)[0]], engines=1)
    off, on = c.servers
    assert listening_ports(off.proc.pid) == {off.port, off.port + 1}
    assert listening_ports(on.proc.pid) == {on.port, on.tm_port}
    assert api_call(on.addr, "telemetry_info") == (200, {"telemetry_port": on.tm_port})
    env = c.dmg_json("telemetry", "config", "-i", c.dir)
    assert env["status"] == 0, env
    assert env["response"]["targets"] == [f"127.0.0.1:{on.tm_port}"]
    assert env["response"]["notes"] == [
        f"{off.addr}: telemetry is disabled (telemetry_port: 0): left out"]
    status, _, _ = scrape(on.tm_port)
    assert status == 200


def test_engine_restart(cluster):
    """MX05: a killed engine's leftover segment is not exported; a restart re-attaches."""
    c = cluster(1)
    srv = c.servers[0]
    eng = srv.info()["engines"][1]
    rank, pid = eng["rank"], eng["pid"]
    _, _, text = scrape(srv.tm_port)
    started = values(text, "engine_started_at", rank=rank)
    assert len(started) == 1
    started = next(iter(started.values()))
    assert values(text, "engine_exporter_source_up", engine=1) == \
        {(("engine", "1"), ("rank", str(rank))): 1}

    os.kill(pid, signal.SIGKILL)
    wait_for(f"rank {rank} to be Errored", lambda: next(
        (m for m in c.members() if m["rank"] == rank and m["state"] in ("Errored", "Excluded")),
        None), 15)
    # the dead engine's segment is still there, but it is not exported
    key = f"0x{srv.tm_base + 1:08x}"
    ipcs = subprocess.run(["ipcs", "-m"], capture_output=True, text=True, timeout=CMD_TIMEOUT,
                          check=True).stdout
    assert key in ipcs.split()
    _, _, text = scrape(srv.tm_port)
    assert values(text, "engine_exporter_source_up", engine=1) == \
        {(("engine", "1"), ("rank", str(rank))): 0}
    assert not values(text, "engine_started_at", rank=rank)
    assert values(text, "engine_started_at", rank=1 - rank)   # the other engine is still there
    rc, out = promtool_check(srv.tm_port)
    assert rc == 0 and out.strip() == "", out

    time.sleep(1.1)     # engine_started_at has a one-second resolution
    c.dmg_ok("system", "start", "--ranks", str(rank))
    c.wait_members(2)

    def back():
        _, _, t = scrape(srv.tm_port)
        v = values(t, "engine_started_at", rank=rank)
        return t if v and next(iter(v.values())) > started else None
    text = wait_for("the restarted engine's metrics", back, 30, interval=0.2)
    assert values(text, "engine_exporter_source_up", engine=1) == \
        {(("engine", "1"), ("rank", str(rank))): 1}
    res = dmg_tm(c, "metrics", "query", "-p", str(srv.tm_port), "-m", "engine_started_at")
    assert res.returncode == 0 and f"(rank={rank})" in res.stdout


def test_port_in_use(tmp_path):
    """MX06: a telemetry_port another process holds: the server refuses to start, says why."""
    c = Cluster(tmp_path / "busy", 1, 1, engines=1)
    srv = c.servers[0]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        with_telemetry(srv, port, key_base(0))
        srv.write_config(c.aps)
        srv.start()
        srv.killed = True     # exit status 1 expected; Cluster.stop accepts it
        try:
            srv.proc.wait(timeout=30)
            assert srv.proc.returncode == 1
            err = (srv.dir / "stderr.log").read_text()
            assert f"ERROR: daos_server: telemetry_port {port}: cannot listen on " \
                   f"127.0.0.1:{port}: Address already in use\n" in err, err
        finally:
            c.stop()


class Segment:
    """A live engine's telemetry segment attached read-write (we own it: same uid), to
    damage and repair bytes of it."""

    def __init__(self, key):
        import ctypes
        self.ct = ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
        self.libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
        self.libc.shmat.restype = ctypes.c_void_p
        self.libc.shmdt.argtypes = [ctypes.c_void_p]
        shmid = self.libc.shmget(key, 0, 0)
        assert shmid >= 0, f"no segment of key {key:#x}: errno {ctypes.get_errno()}"
        addr = self.libc.shmat(shmid, None, 0)
        assert addr not in (None, ctypes.c_void_p(-1).value), "shmat failed"
        self.addr = addr
        self.size = struct.unpack("<Q", ctypes.string_at(addr + 16, 8))[0]   # sh_size

    def find(self, needle):
        data = self.ct.string_at(self.addr, self.size)
        assert data.count(needle) == 1, f"{needle!r} found {data.count(needle)} times"
        return data.index(needle)

    def peek(self, off, n):
        return self.ct.string_at(self.addr + off, n)

    def poke(self, off, data):
        self.ct.memmove(self.addr + off, data, len(data))

    def close(self):
        self.libc.shmdt(self.addr)


def test_bad_segment(cluster):
    """MX07: a damaged segment is left out of the scrape (200, the other engine exported,
    result="failure"); the engine keeps running; repaired, it is exported again."""
    c = cluster(1)
    srv = c.servers[0]
    rank = srv_rank(srv, 1)
    seg = Segment(srv.tm_base + 1)

    def up(text, engine):
        return next(iter(values(text, "engine_exporter_source_up", engine=engine).values()))
    try:
        # a node name the reader refuses (the walk fails: the export of that engine fails)
        off = seg.find(b"started_at\0")
        seg.poke(off, b"\x01")
        try:
            status, _, text = scrape(srv.tm_port)
            assert status == 200
            assert (up(text, 0), up(text, 1)) == (1, 0)
            assert not values(text, "engine_started_at", rank=rank)
            assert values(text, "engine_started_at", rank=1 - rank)
            assert values(text, "engine_exporter_scrape_duration_seconds", result="failure")
            rc, out = promtool_check(srv.tm_port)
            assert rc == 0 and out.strip() == "", out
        finally:
            seg.poke(off, b"s")
        text = wait_for("the repaired segment", lambda: (lambda t: t if up(t, 1) == 1 else None)(
            scrape(srv.tm_port)[2]), 10, interval=0.2)
        assert values(text, "engine_exporter_scrape_duration_seconds", result="success")

        # a header the reader refuses (bad magic): checked by every walk and every open,
        # so the engine stays out until it is repaired
        magic = seg.peek(0, 8)
        seg.poke(0, struct.pack("<Q", 0xDEADBEEF))
        try:
            for _ in range(2):
                status, _, text = scrape(srv.tm_port)
                assert status == 200 and up(text, 1) == 0 and up(text, 0) == 1
        finally:
            seg.poke(0, magic)
        wait_for("the engine back after the header repair",
                 lambda: up(scrape(srv.tm_port)[2], 1) == 1, 10, interval=0.2)
    finally:
        seg.close()
    # the engine never noticed
    assert all(e["state"] in ("joined", "ready") for e in srv.info()["engines"])
    log = srv.log_text()
    assert log.count("telemetry: segment of engine 1 cannot be exported") == 1, log
    assert "telemetry: cannot read segment" in log
