"""dmg against fake control servers (tests/tools/fake_ctl_server).

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_dmg_cli.py
(DAOS_BUILD_DIR defaults to <repo>/build). Every fake server listens on a free port of
127.0.0.1, answers the control API methods from canned JSON files and logs the requests
it got; it is stopped by PID at the end of each test. dmg runs with HOME set to the
test's temporary directory, so no user configuration is read.
"""
import json
import os
import pathlib
import selectors
import signal
import socket
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("DAOS_BUILD_DIR", str(REPO / "build")))
DMG = BUILD / "src" / "tools" / "dmg"
FAKE = BUILD / "tests" / "tools" / "fake_ctl_server"
GEN_CERTS = REPO / "utils" / "certs" / "gen_certificates.sh"
CMD_TIMEOUT = 30     # seconds for any one dmg run
START_TIMEOUT = 10   # seconds for a fake server to listen

NOTLEADER = -2008

SIX_JOINED = {"members": [{"rank": r, "uuid": f"uuid-{r}", "ctl_addr": "127.0.0.1:10001",
                           "fault_domain": "/node", "state": "Joined", "reason": ""}
                          for r in range(6)],
              "map_version": 6}


def free_port():
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeServer:
    """One fake_ctl_server process with canned replies {method: object}."""

    def __init__(self, tmp, name, replies, tls=None, identity=None, port=0):
        self.dir = tmp / name
        self.dir.mkdir()
        self.log = self.dir / "requests.log"
        cmd = [str(FAKE), "--port", str(port), "--log", str(self.log)]
        if tls is None:
            cmd.append("--insecure")
        else:
            certs = tls / "certs"
            cmd += ["--ca", str(certs / "daosCA.crt"), "--cert", str(certs / "server.crt"),
                    "--key", str(certs / "server.key")]
        if identity:
            cmd += ["--identity", identity]
        for method, reply in replies.items():
            path = self.dir / f"{method}.json"
            path.write_text(json.dumps(reply))
            cmd.append(f"{method}={path}")
        with open(self.dir / "stderr.log", "w", encoding="utf-8") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        self.addr = self._wait_listening()

    def _wait_listening(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(START_TIMEOUT):
                self.stop()
                raise AssertionError(f"fake_ctl_server not listening within {START_TIMEOUT} s")
            line = self.proc.stdout.readline()
        finally:
            sel.close()
        prefix = "fake_ctl_server: listening on "
        if not line.startswith(prefix):
            self.stop()
            raise AssertionError(f"unexpected first line {line!r}: "
                                 f"{(self.dir / 'stderr.log').read_text()}")
        return line[len(prefix):].strip()

    def requests(self):
        if not self.log.exists():
            return []
        return [json.loads(x) for x in self.log.read_text().splitlines() if x]

    def stop(self):
        """SIGTERM by PID, bounded wait, SIGKILL as the last resort."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise AssertionError("fake_ctl_server ignored SIGTERM")
        self.proc.stdout.close()
        return self.proc.returncode


@pytest.fixture(name="servers")
def fixture_servers(tmp_path):
    """Factory of fake servers; all are stopped at the end of the test."""
    started = []

    def start(name, replies, **kw):
        srv = FakeServer(tmp_path, name, replies, **kw)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        assert srv.stop() == 0


@pytest.fixture(name="dmg")
def fixture_dmg(tmp_path):
    """Run dmg; returns the CompletedProcess. Never a crash: no signal exit."""
    assert DMG.exists(), f"{DMG} not built"
    assert FAKE.exists(), f"{FAKE} not built"
    env = dict(os.environ, HOME=str(tmp_path))

    def run(*args):
        res = subprocess.run([str(DMG)] + [str(a) for a in args], capture_output=True,
                             text=True, timeout=CMD_TIMEOUT, env=env, check=False)
        assert res.returncode in (0, 1), \
            f"dmg {args} exited {res.returncode}: {res.stdout}\n{res.stderr}"
        return res

    return run


def write_config(tmp, name, hosts, port=None, insecure=True, certs=None, cert="admin"):
    """A daos_control.yml; returns its path."""
    lines = ["name: daos_server"]
    if port is not None:
        lines.append(f"port: {port}")
    lines.append("hostlist: [" + ", ".join(f"'{h}'" for h in hosts) + "]")
    lines.append("transport_config:")
    lines.append(f"  allow_insecure: {'true' if insecure else 'false'}")
    if certs is not None:
        lines.append(f"  ca_cert: {certs / 'certs' / 'daosCA.crt'}")
        lines.append(f"  cert: {certs / 'certs' / (cert + '.crt')}")
        lines.append(f"  key: {certs / 'certs' / (cert + '.key')}")
    path = tmp / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_system_query(servers, dmg, tmp_path):
    """Human table, verbose table and -j envelope of system query."""
    srv = servers("a", {"system_query": SIX_JOINED})
    res = dmg("-i", "-l", srv.addr, "system", "query")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Rank  State\n----  -----\n[0-5] Joined\n"

    res = dmg("-i", "-l", srv.addr, "system", "query", "--verbose")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["Rank", "UUID", "Control", "Address", "Fault", "Domain",
                                "State", "Reason"]
    assert lines[2].split() == ["0", "uuid-0", "127.0.0.1:10001", "/node", "Joined"]
    assert len(lines) == 8

    res = dmg("-i", "-l", srv.addr, "-j", "system", "query")
    assert res.returncode == 0, res.stderr
    env = json.loads(res.stdout)
    assert list(env) == ["response", "error", "status"]
    assert env["error"] is None and env["status"] == 0
    assert [m["rank"] for m in env["response"]["members"]] == list(range(6))
    assert res.stdout.startswith('{\n  "response": {\n    "members": [')

    # the same through a generated daos_control.yml, without -l or -i
    host, port = srv.addr.rsplit(":", 1)
    cfg = write_config(tmp_path, "daos_control.yml", [host], port=port)
    res = dmg("-o", cfg, "system", "query")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Rank  State\n----  -----\n[0-5] Joined\n"
    assert [r["method"] for r in srv.requests()] == ["system_query"] * 4


def test_selection_passed_through(servers, dmg):
    """--ranks, --rank-hosts/--host-ranks and --force reach the server as JSON."""
    results = {"results": [{"rank": 2, "action": "stop", "status": 0, "msg": ""},
                           {"rank": 3, "action": "stop", "status": 0, "msg": ""}]}
    srv = servers("a", {"system_query": {"members": SIX_JOINED["members"][2:4]},
                        "system_stop": results, "system_start": results})
    res = dmg("-i", "-l", srv.addr, "system", "query", "--ranks", "3,2")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Rank  State\n----  -----\n[2-3] Joined\n"
    res = dmg("-i", "-l", srv.addr, "system", "query", "--rank-hosts", "node[2,1]")
    assert res.returncode == 0, res.stderr
    res = dmg("-i", "-l", srv.addr, "system", "stop", "--force", "--host-ranks", "node1")
    assert res.returncode == 0, res.stderr
    assert res.stdout == ("Rank  Operation Result\n----  --------- ------\n"
                          "[2-3] stop      OK\n")
    res = dmg("-i", "-l", srv.addr, "sys", "start", "-r", "2-3")
    assert res.returncode == 0, res.stderr
    bodies = [(r["method"], r["body"]) for r in srv.requests()]
    assert bodies == [("system_query", {"ranks": "2-3"}),
                      ("system_query", {"hosts": "node[1-2]"}),
                      ("system_stop", {"hosts": "node1", "force": True}),
                      ("system_start", {"ranks": "2-3"})]


def test_system_failures_and_other_commands(servers, dmg):
    """A failed rank fails the command; erase and leader-query print their text."""
    srv = servers("a", {
        "system_stop": {"results": [
            {"rank": 0, "action": "stop", "status": 0, "msg": ""},
            {"rank": 1, "action": "stop", "status": -1011, "msg": "rank 1 did not stop"}]},
        "system_erase": {"results": []},
        "system_leader_query": {"leader": "127.0.0.1:1",
                                "replicas": ["127.0.0.1:1", "127.0.0.1:2"],
                                "down_replicas": []},
    })
    res = dmg("-i", "-l", srv.addr, "system", "stop")
    assert res.returncode == 1
    assert "[1]  stop      rank 1 did not stop" in res.stdout
    assert res.stderr.startswith("ERROR: dmg: system stop failed on 1 rank: DER_TIMEDOUT")
    res = dmg("-i", "-l", srv.addr, "system", "erase")
    assert res.returncode == 0 and res.stdout == ""
    res = dmg("-i", "-l", srv.addr, "system", "leader-query")
    assert res.returncode == 0, res.stderr
    assert res.stdout == ("Current Leader: 127.0.0.1:1\n"
                          "   Replica Set: 127.0.0.1:1, 127.0.0.1:2\n")
    res = dmg("-i", "-l", srv.addr, "-j", "system", "stop")
    env = json.loads(res.stdout)
    assert res.returncode == 1
    assert env["status"] == -1011 and env["error"] == "system stop failed on 1 rank"
    assert len(env["response"]["results"]) == 2


SCAN = {"host": "h", "scm": [{"mount": "/mnt/daos0", "class": "ram", "size": 2000000000000,
                              "used": 0}],
        "nvme": [{"path": "/tmp/b.img", "class": "file", "size": 8000000000, "used": 0}]}
FORMAT = {"host": "h", "results": [{"idx": 0, "scm": "ok", "nvme": "ok", "rank": 0},
                                   {"idx": 1, "scm": "ok", "nvme": "ok", "rank": 1}]}
USAGE = {"host": "h", "scm_total": 6400000000000, "scm_free": 2000000000000,
         "nvme_total": 1500000000000, "nvme_free": 1090000000000}
FANOUT = {"storage_scan": SCAN, "storage_format": FORMAT, "storage_usage": USAGE,
          "set_logmasks": {"results": [{"idx": 0, "status": 0}]}}


def test_fanout(servers, dmg):
    """storage scan/format/query usage and set-logmasks call every host once."""
    a = servers("a", FANOUT)
    b = servers("b", FANOUT)
    hosts = f"{a.addr},{b.addr}"
    res = dmg("-i", "-l", hosts, "storage", "scan")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["Hosts", "SCM", "Total", "NVMe", "Total"]
    # identical results share a row; the host set lists both (sorted by port)
    both = ",".join(sorted([a.addr, b.addr], key=lambda x: int(x.split(":")[1])))
    assert lines[2:] == [f"{both} 2.0 TB (1 namespace) 8.0 GB (1 controller)"]

    res = dmg("-i", "-l", hosts, "storage", "format", "--force")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Format Summary:\n  Hosts")
    assert res.stdout.endswith(f"\n  {both} 2           2\n")

    res = dmg("-i", "-l", hosts, "sto", "query", "usage")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["Hosts", "SCM-Total", "SCM-Free", "SCM-Used", "NVMe-Total",
                                "NVMe-Free", "NVMe-Used"]
    assert [line.split(None, 1)[1] for line in lines[2:]] == \
        ["6.4 TB    2.0 TB   68 %     1.5 TB     1.1 TB    27 %"] * 2

    res = dmg("-i", "-l", hosts, "server", "set-logmasks", "ERR,mgmt=DEBUG")
    assert res.returncode == 0, res.stderr
    res = dmg("-i", "-l", hosts, "srv", "set-logmasks")
    assert res.returncode == 0, res.stderr

    res = dmg("-i", "-l", hosts, "-j", "storage", "scan", "-v")
    env = json.loads(res.stdout)
    assert env["status"] == 0 and env["error"] is None
    assert sorted(env["response"]["hosts"]) == sorted([a.addr, b.addr])
    assert env["response"]["host_errors"] == {}

    for srv in (a, b):
        assert [(r["method"], r["body"]) for r in srv.requests()] == [
            ("storage_scan", {"verbose": False}),
            ("storage_format", {"force": True, "replace": False}),
            ("storage_usage", {}),
            ("set_logmasks", {"masks": "ERR,mgmt=DEBUG"}),
            ("set_logmasks", {"masks": None}),
            ("storage_scan", {"verbose": True})]


def test_dead_host(servers, dmg):
    """A host that refuses connections is reported per host; the others still print."""
    live = servers("a", FANOUT)
    dead = f"127.0.0.1:{free_port()}"
    res = dmg("-i", "-l", f"{live.addr},{dead}", "storage", "scan")
    assert res.returncode == 1
    assert res.stdout.startswith("Errors:\n  Hosts")
    assert f"  {dead} cannot connect to {dead}: " in res.stdout
    assert f"\n{live.addr} 2.0 TB (1 namespace) 8.0 GB (1 controller)\n" in res.stdout
    assert res.stderr.startswith("ERROR: dmg: storage scan failed on 1 of 2 hosts: "
                                 "DER_UNREACH(-1006)")

    res = dmg("-i", "-l", f"{live.addr},{dead}", "-j", "storage", "query", "usage")
    env = json.loads(res.stdout)
    assert res.returncode == 1 and env["status"] == -1006
    assert list(env["response"]["hosts"]) == [live.addr]
    assert env["response"]["host_errors"][dead]["status"] == -1006

    # system commands: the first reachable access point answers
    ms = servers("ms", {"system_query": SIX_JOINED})
    res = dmg("-i", "-l", f"{dead},{ms.addr}", "system", "query")
    assert res.returncode == 0, res.stderr
    res = dmg("-i", "-l", dead, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: cannot connect to {dead}: ")
    res = dmg("-i", "-l", dead, "-j", "system", "query")
    env = json.loads(res.stdout)
    assert env["response"] is None and env["status"] == -1006
    assert env["error"].startswith(f"cannot connect to {dead}")


def test_notleader_redirect(servers, dmg):
    """A follower's NOTLEADER with a leader hint is followed; without a hint, or
    when the hinted leader is gone, the next access point of the list is tried."""
    leader = servers("leader", {"system_query": SIX_JOINED})
    follower = servers("follower", {"system_query": {
        "status": NOTLEADER, "error": "not the leader", "leader": leader.addr}})
    res = dmg("-d", "-i", "-l", follower.addr, "system", "query")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Rank  State\n----  -----\n[0-5] Joined\n"
    assert f"{follower.addr} is not the leader, trying {leader.addr}" in res.stderr
    assert len(follower.requests()) == 1 and len(leader.requests()) == 1

    dead = f"127.0.0.1:{free_port()}"
    stale = servers("stale", {"system_query": {
        "status": NOTLEADER, "error": "not the leader", "leader": dead}})
    res = dmg("-i", "-l", stale.addr, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: cannot connect to {dead}: ")

    nohint = servers("nohint", {"system_query": {"status": NOTLEADER,
                                                 "error": "election in progress"}})
    res = dmg("-i", "-l", f"{nohint.addr},{leader.addr}", "system", "query")
    assert res.returncode == 0, res.stderr
    res = dmg("-i", "-l", nohint.addr, "-j", "system", "query")
    env = json.loads(res.stdout)
    assert res.returncode == 1 and env["status"] == NOTLEADER
    assert env["error"] == f"{nohint.addr}: election in progress"


def test_redirect_loop(servers, dmg):
    """Hints that go round in circles stop after a bounded number of hops."""
    b_port = free_port()
    a = servers("a", {"system_query": {"status": NOTLEADER, "error": "not the leader",
                                       "leader": f"127.0.0.1:{b_port}"}})
    b = servers("b", {"system_query": {"status": NOTLEADER, "error": "not the leader",
                                       "leader": a.addr}}, port=b_port)
    res = dmg("-i", "-l", a.addr, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith("ERROR: dmg: no leader found after 8 redirects (last: "
                                 f"{a.addr}: not the leader): DER_NOTLEADER(-2008)")
    assert len(a.requests()) == 5 and len(b.requests()) == 4


@pytest.fixture(name="certs", scope="module")
def fixture_certs(tmp_path_factory):
    """A CA with server/admin/agent certificates, and a second, foreign CA."""
    base = tmp_path_factory.mktemp("certs")
    subprocess.run(["bash", str(GEN_CERTS), str(base / "ours")], check=True,
                   capture_output=True, timeout=60)
    subprocess.run(["bash", str(GEN_CERTS), str(base / "other")], check=True,
                   capture_output=True, timeout=60)
    return base / "ours" / "daosCA", base / "other" / "daosCA"


def test_tls(servers, dmg, tmp_path, certs):
    """Mutual TLS: the admin certificate is accepted; other identities, foreign
    certificates, plain HTTP and missing files are refused with a clear message."""
    ours, other = certs
    srv = servers("tls", {"system_query": SIX_JOINED}, tls=ours, identity="admin")
    host, port = srv.addr.rsplit(":", 1)

    good = write_config(tmp_path, "good.yml", [host], port=port, insecure=False, certs=ours)
    res = dmg("-o", good, "system", "query")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Rank  State\n----  -----\n[0-5] Joined\n"
    assert srv.requests()[-1]["identity"] == "admin"

    agent = write_config(tmp_path, "agent.yml", [host], port=port, insecure=False,
                         certs=ours, cert="agent")
    res = dmg("-o", agent, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: {srv.addr}: method 'system_query' needs the "
                                 "admin certificate, caller is 'agent': DER_NO_PERM")

    foreign = write_config(tmp_path, "foreign.yml", [host], port=port, insecure=False,
                           certs=other)
    res = dmg("-o", foreign, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: TLS: {srv.addr} failed verification: ")

    # our CA, a client certificate from another CA: the server refuses it
    mixed = tmp_path / "mixed.yml"
    mixed.write_text(foreign.read_text().replace(str(other / "certs" / "daosCA.crt"),
                                                 str(ours / "certs" / "daosCA.crt")))
    res = dmg("-o", mixed, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: {srv.addr}: client certificate rejected: "
                                 "not signed by a trusted CA: DER_BAD_CERT(-2044)")

    res = dmg("-i", "-l", srv.addr, "system", "query")
    assert res.returncode == 1
    assert "a TLS server drops plain HTTP" in res.stderr, res.stderr

    missing = tmp_path / "missing.yml"
    missing.write_text(good.read_text().replace("admin.crt", "nonexistent.crt"))
    res = dmg("-o", missing, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith("ERROR: dmg: cannot read certificate '")
    assert "nonexistent.crt': No such file or directory" in res.stderr


def test_plain_client_to_tls_only_config(dmg, tmp_path):
    """A config without allow_insecure needs the certificate paths."""
    cfg = tmp_path / "nocerts.yml"
    cfg.write_text("hostlist: ['127.0.0.1']\n")
    res = dmg("-o", cfg, "system", "query")
    assert res.returncode == 1
    assert res.stderr == (f"ERROR: dmg: {cfg}:1: transport_config: ca_cert is required "
                          "unless allow_insecure is true\n")


@pytest.mark.parametrize("args, message", [
    (["system", "quer"], "Unknown command `quer', did you mean `query'?"),
    (["pol", "list"], "Unknown command `pol', did you mean `pool'?"),
    (["system", "query", "--ranks", "1,x"], "invalid --ranks: invalid rank 'x' in '1,x'"),
    (["system", "stop", "--ranks", "1", "--rank-hosts", "h1"],
     "--ranks and --rank-hosts cannot be used together"),
    (["system", "query", "--bogus"], "unknown flag `--bogus'"),
    (["system", "query", "-Z"], "unknown flag `-Z'"),
    (["system"], "Please specify one command of: erase, leader-query, list-pools, query, "
                 "start or stop"),
    (["system", "query", "--ranks"], "expected argument for flag `-r, --ranks'"),
    (["-l", "h[1-", "storage", "scan"], "invalid -l/--host-list: unbalanced bracket in 'h[1-'"),
    (["server", "set-logmasks", "LOUD"], "invalid log masks: "),
])
def test_bad_arguments(dmg, args, message):
    """Bad arguments: exit 1, one clear ERROR line and a hint, nothing on stdout."""
    res = dmg(*args)
    assert res.returncode == 1
    assert res.stdout == ""
    first, hint = res.stderr.splitlines()
    assert first.startswith("ERROR: dmg: " + message), first
    assert hint.startswith("Run 'dmg") and hint.endswith(" --help' for usage.")


def test_help(dmg):
    """-h at every level exits 0 and lists the commands or flags."""
    res = dmg("-h")
    assert res.returncode == 0 and res.stderr == ""
    for name in ("server", "storage", "system"):
        assert f"\n  {name} " in res.stdout
    res = dmg("storage", "--help")
    assert res.returncode == 0
    for name in ("format", "query", "scan"):
        assert f"\n  {name} " in res.stdout
    res = dmg("system", "stop", "-h")
    assert res.returncode == 0
    assert "--force" in res.stdout and "--rank-hosts=" in res.stdout


def test_malformed_reply(servers, dmg):
    """A reply of the wrong shape is an error naming the field, not a crash."""
    srv = servers("a", {"system_query": {"members": [{"rank": "zero", "state": "Joined"}]},
                        "storage_scan": {"scm": "lots"}})
    res = dmg("-i", "-l", srv.addr, "system", "query")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: invalid reply from {srv.addr}: "
                                 "members[0].rank: expected an integer, got string")
    res = dmg("-i", "-l", srv.addr, "storage", "scan")
    assert res.returncode == 1
    assert f"invalid reply from {srv.addr}: scm: expected an array, got string" in res.stdout
