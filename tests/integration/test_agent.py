"""daos_agent against real servers, and its socket protocol (docs/design.md, C5).

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_agent.py
Each test starts its own daos_agent (config, runtime directory and log in the test's temporary
directory, never inside a cluster's directory) and, where needed, a cluster of real
daos_server processes (daos_cluster.py); every process is stopped by PID, every wait bounded.
The client here speaks C5 directly: a 4-byte little-endian length, then one JSON object.

  AGTI01  attach info of a 2-rank system; many clients at once; call of get_attach_info and
          of agent methods forwarded, admin-only methods refused; after system stop and
          start the cache follows (states, map version); after an extension the new ranks
          appear; SIGUSR2 refreshes; SIGTERM: exit 0, socket removed
  AGTI02  bad frames and requests: error reply, connection closed, agent still serving
  AGTI03  unreachable access point: a clear error within the deadline, not a hang
  AGTI04  a second agent on the same runtime_dir is refused; a stale socket (agent killed
          with SIGKILL) is replaced by the next agent
  AGTI05  command line: version, help, bad flags, missing and bad config files, -s
  AGTI06  mutual TLS: the agent certificate reaches the MS; admin methods still refused
"""
import os
import signal
import struct
import subprocess
import threading
import time

import pytest

from daos_cluster import REPO, Cluster, free_port_pairs, wait_for
from agent_util import (AGENT, AGENT_TIMEOUT, CALL_TIMEOUT, CHANGE_TIMEOUT, MSG_MAX, Agent,
                        c5_call, c5_connect, c5_frame, c5_recv)

DER_NO_PERM = -1001
DER_INVAL = -1003
DER_NONEXIST = -1005
DER_UNREACH = -1006
DER_NOSYS = -1010
DER_PROTO = -1014
DER_OVERFLOW = -1017

pytestmark = pytest.mark.skipif(not AGENT.exists(), reason="daos_agent not built")


@pytest.fixture(name="agents")
def fixture_agents(tmp_path):
    """Factory of agents; each is stopped by PID at the end and must exit 0 unless it was
    killed on purpose (its process object is gone or returned non-zero by design)."""
    made = []

    def make(access_points, start=True, **kw):
        a = Agent(tmp_path / "agents", access_points, name=f"agent{len(made)}", **kw)
        made.append(a)
        return a.start() if start else a

    try:
        yield make
    finally:
        errors = []
        for a in made:
            if a.proc is not None and a.proc.poll() is None:
                status = a.stop()
                if status != 0:
                    errors.append(f"{a.dir}: exit {status}")
            errors += a.sanitizer_reports()
        assert not errors, errors


@pytest.fixture(name="cluster")
def fixture_cluster(tmp_path):
    """Factory of started clusters; every process is stopped by PID at the end."""
    made = []

    def make(nr_servers, nr_aps, **kw):
        c = Cluster(tmp_path / f"cluster{len(made)}", nr_servers, nr_aps, **kw)
        made.append(c)
        c.start()
        return c

    try:
        yield make
    finally:
        for c in made:
            c.stop()


def dead_access_point():
    """127.0.0.1:<port> with nothing listening."""
    port = free_port_pairs(1)[0]
    return f"127.0.0.1:{port}"


def uris_of(cluster):
    """The engines' endpoints (C1: ofi+tcp://IP:PORT, PORT = fabric_iface_port)."""
    return {f"127.0.0.1:{p}" for s in cluster.servers for p in s.fabric_ports}


def endpoints(reply):
    """The host:port of each rank's URI; the provider part must be ofi+tcp."""
    out = set()
    for x in reply["ranks"]:
        scheme, sep, addr = x["uri"].partition("://")
        assert sep and scheme.split(";")[0] == "ofi+tcp", x
        out.add(addr)
    return out


def wait_attach(agent, pred, what, timeout=CHANGE_TIMEOUT):
    """Poll get_attach_info (from the cache: no refresh) until pred(reply)."""
    def check():
        r = agent.attach()
        assert r["status"] == 0, r
        return r if pred(r) else None
    return wait_for(what, check, timeout, interval=0.25)


# ---- AGTI01 ----

def test_attach_info_follows_the_system(cluster, agents):
    """AGTI01: attach info, calls, stop/start and extension seen through the cache."""
    c = cluster(1, 1, engines=2)
    c.format()
    members = c.wait_members(2)
    a = agents(c.aps)

    r = a.attach()
    assert r["status"] == 0, r
    assert r["sys_name"] == "daos_server" and r["provider"] == "ofi+tcp;ofi_rxm"
    assert r["access_points"] == c.aps
    assert sorted(x["rank"] for x in r["ranks"]) == [0, 1]
    assert endpoints(r) == uris_of(c)
    assert all(x["state"] == "Joined" and x["targets"] == 1 for x in r["ranks"])
    assert sorted(x["rank"] for x in r["ranks"]) == sorted(m["rank"] for m in members)
    mv0 = r["map_version"]
    assert a.attach(sys="daos_server", refresh=True)["map_version"] == mv0

    # many clients at once
    replies, errors = [], []

    def client():
        try:
            replies.append(a.attach())
        except (OSError, AssertionError, ValueError) as exc:
            errors.append(repr(exc))
    threads = [threading.Thread(target=client) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(CALL_TIMEOUT)
    assert not errors and len(replies) == 64
    assert all(x == r for x in replies)

    # calls: forwarded to the MS leader (its reply or refusal verbatim), admin-only refused
    fwd = a.call({"op": "call", "method": "get_attach_info", "body": {}})
    assert fwd["status"] == 0 and fwd["body"]["map_version"] == mv0, fwd
    assert sorted(x["rank"] for x in fwd["body"]["ranks"]) == [0, 1]
    fwd = a.call({"op": "call", "method": "pool_query", "body": {"pool": "nosuchpool"}})
    assert fwd["status"] == DER_NONEXIST, fwd
    assert fwd["body"]["status"] == DER_NONEXIST and fwd["body"]["error"] == fwd["error"]
    ref = a.call({"op": "call", "method": "pool_create", "body": {"size": "1G"}})
    assert ref == {"status": DER_NO_PERM, "error": "method 'pool_create' is admin-only: use dmg"}
    ref = a.call({"op": "call", "method": "system_stop", "body": {}})
    assert ref["status"] == DER_NO_PERM
    assert len(c.members()) == 2   # nothing was stopped

    # system stop, then start: the cache follows without a refresh
    c.dmg_ok("system", "stop")
    r = wait_attach(a, lambda x: all(y["state"] == "Stopped" for y in x["ranks"]),
                    "the ranks Stopped in the agent's attach info")
    assert r["map_version"] > mv0
    mv1 = r["map_version"]
    c.dmg_ok("system", "start")
    c.wait_members(2)
    r = wait_attach(a, lambda x: all(y["state"] == "Joined" for y in x["ranks"]),
                    "the ranks Joined again in the agent's attach info")
    assert r["map_version"] > mv1 and sorted(x["rank"] for x in r["ranks"]) == [0, 1]

    # extension: a new server's ranks appear
    new = c.add_server(engines=2)
    new.start()
    new.wait_ready()
    wait_for("the new engines to wait for a format",
             lambda: new.engines_in("awaiting format"), 20)
    c.dmg_ok("storage", "format", hosts=new.addr)
    c.wait_members(4)
    r = wait_attach(a, lambda x: len(x["ranks"]) == 4, "four ranks in the agent's attach info")
    assert sorted(x["rank"] for x in r["ranks"]) == [0, 1, 2, 3]
    assert endpoints(r) == uris_of(c)

    # SIGUSR2: the cache is dropped and fetched again (DAOS's manual refresh)
    os.kill(a.proc.pid, signal.SIGUSR2)
    wait_for("the SIGUSR2 refresh in the log",
             lambda: "SIGUSR2: refreshing the attach info" in a.log.read_text(), 10)
    assert a.attach()["ranks"] == r["ranks"]

    # SIGTERM: exit 0, socket removed
    assert a.stop() == 0
    assert not a.sock.exists()
    log = a.log.read_text()
    assert "attach info refreshed" in log and "daos_agent stopped" in log


# ---- AGTI02 ----

def test_bad_frames(agents):
    """AGTI02: each bad frame gets an error reply, then the connection is closed; the
    agent serves on."""
    a = agents([dead_access_point()], extra="cache_expiration: 0")

    def exchange(raw):
        with c5_connect(a.sock) as s:
            s.sendall(raw)
            reply = c5_recv(s)
            assert c5_recv(s) is None, "the connection should be closed"
        return reply

    assert exchange(struct.pack("<I", MSG_MAX + 1)) == {
        "status": DER_OVERFLOW,
        "error": "message of 4194305 bytes exceeds the limit of 4194304 bytes"}
    assert exchange(struct.pack("<I", 0)) == {"status": DER_PROTO,
                                              "error": "empty message (length 0)"}
    r = exchange(struct.pack("<I", 5) + b"{op:}")
    assert r["status"] == DER_PROTO and r["error"].startswith("invalid JSON: ")
    assert exchange(struct.pack("<I", 2) + b"[]") == {
        "status": DER_PROTO, "error": "message must be a JSON object, got array"}
    assert exchange(c5_frame({"op": "evict"})) == {
        "status": DER_NOSYS, "error": "unknown op 'evict' (expected get_attach_info or call)"}
    assert exchange(c5_frame({"op": "call"})) == {
        "status": DER_INVAL, "error": "call request has no \"method\""}
    assert exchange(c5_frame({"op": "call", "method": "cont_list", "body": [1]})) == {
        "status": DER_INVAL, "error": "\"body\" must be an object, got array"}
    assert exchange(c5_frame({"op": "get_attach_info", "sys": "other"})) == {
        "status": DER_INVAL,
        "error": "system 'other' is not served by this agent (it serves 'daos_server')"}
    # a client that vanishes inside a frame
    with c5_connect(a.sock) as s:
        s.sendall(struct.pack("<I", 100) + b"{\"op\"")
    # still serving; a refusal that is not bad input leaves the connection open
    with c5_connect(a.sock) as s:
        for _ in range(2):
            s.sendall(c5_frame({"op": "call", "method": "pool_list"}))
            assert c5_recv(s) == {"status": DER_NO_PERM,
                                  "error": "method 'pool_list' is admin-only: use dmg"}
    assert a.proc.poll() is None


# ---- AGTI03 ----

def test_unreachable_access_point(agents):
    """AGTI03: no server: a clear -DER_UNREACH error within the bounded search."""
    ap = dead_access_point()
    a = agents([ap])
    t0 = time.monotonic()
    r = a.attach(refresh=True)
    assert time.monotonic() - t0 < 15
    assert r["status"] == DER_UNREACH, r
    assert r["error"].startswith("no MS leader answered get_attach_info within 5000 ms "
                                 f"(last: {ap}: cannot connect to {ap}: "), r
    r = a.call({"op": "call", "method": "cont_create", "body": {"pool": "p"}})
    assert r["status"] == DER_UNREACH and r["body"] == {}, r


# ---- AGTI04 ----

def test_one_agent_per_socket(agents):
    """AGTI04: a second agent on the same runtime_dir exits 1 with the reason; after a
    SIGKILL the stale socket is replaced by the next agent."""
    ap = dead_access_point()
    first = agents([ap])
    second = agents([ap], start=False)
    second.config, second.runtime = first.config, first.runtime
    proc = second.spawn()
    assert proc.wait(timeout=AGENT_TIMEOUT) == 1
    assert second.stderr() == (f"ERROR: daos_agent: another daos_agent is serving "
                               f"{first.sock} (it holds {first.sock}.lock)\n")
    r = first.call({"op": "call", "method": "pool_list"})   # the first still answers
    assert r["status"] == DER_NO_PERM

    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert first.sock.exists()   # stale
    third = agents([ap], start=False)
    third.config, third.runtime = first.config, first.runtime
    third.start()
    r = third.call({"op": "call", "method": "pool_destroy"})
    assert r["status"] == DER_NO_PERM
    assert third.stop() == 0
    assert not first.sock.exists()


# ---- AGTI05 ----

def run_agent(*args, timeout=AGENT_TIMEOUT):
    return subprocess.run([str(AGENT)] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_command_line(tmp_path, agents):
    """AGTI05: version, help, flags, config errors as file:line: key: problem, -s."""
    res = run_agent("version")
    assert res.returncode == 0 and res.stdout == "daos_agent v2.6.0\n"
    res = run_agent("--help")
    assert res.returncode == 0 and "-s, --runtime_dir=DIR" in res.stdout
    res = run_agent("--frob")
    assert res.returncode == 1 and res.stderr.startswith("ERROR: daos_agent: unknown flag `--frob'")
    res = run_agent("-o")
    assert res.returncode == 1
    assert res.stderr == "ERROR: daos_agent: expected argument for flag `-o'\n"
    res = run_agent("-o", tmp_path / "nope.yml")
    assert res.returncode == 1
    assert res.stderr == f"ERROR: daos_agent: {tmp_path / 'nope.yml'}: cannot open: " \
                         "No such file or directory\n"
    bad = tmp_path / "bad.yml"
    bad.write_text("name: daos_server\naccess_points: ['127.0.0.1']\ncache_expiration: -1\n")
    res = run_agent("-o", bad)
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: daos_agent: {bad}:3: cache_expiration: "), res.stderr
    res = run_agent("-o", bad, "stop")
    assert res.returncode == 1 and "unknown command 'stop'" in res.stderr

    # -s overrides runtime_dir; -l the log file
    a = agents([dead_access_point()], start=False)
    other = tmp_path / "other_run"
    a.proc = a.spawn("-s", str(other), "-l", str(tmp_path / "other.log"), "start")
    wait_for("the socket in the -s directory", lambda: (other / "daos_agent.sock").exists(),
             AGENT_TIMEOUT)
    assert oct(other.stat().st_mode & 0o777) == "0o755"
    assert oct((other / "daos_agent.sock").stat().st_mode & 0o777) == "0o666"
    r = c5_call(other / "daos_agent.sock", {"op": "call", "method": "pool_create"})
    assert r["status"] == DER_NO_PERM
    assert not a.sock.exists()
    assert a.stop(signal.SIGINT) == 0
    assert not (other / "daos_agent.sock").exists()
    assert "daos_agent stopped" in (tmp_path / "other.log").read_text()


# ---- AGTI06 ----

@pytest.fixture(name="certs", scope="module")
def fixture_certs(tmp_path_factory):
    """A project CA with server, admin and agent certificates."""
    base = tmp_path_factory.mktemp("certs")
    subprocess.run(["bash", str(REPO / "utils" / "certs" / "gen_certificates.sh"), str(base)],
                   check=True, capture_output=True, timeout=60)
    return base / "daosCA"


def test_tls(cluster, agents, certs):
    """AGTI06: with TLS the agent presents its certificate: the MS serves it attach info;
    a plain-HTTP agent gets a clear error."""
    c = cluster(1, 1, engines=1, certs=certs)
    c.format()
    c.wait_members(1)
    a = agents(c.aps, certs=certs)
    r = a.attach()
    assert r["status"] == 0 and [x["rank"] for x in r["ranks"]] == [0], r
    fwd = a.call({"op": "call", "method": "get_attach_info"})
    assert fwd["status"] == 0 and fwd["body"]["sys_name"] == "daos_server"
    plain = agents(c.aps)
    r = plain.attach()
    assert r["status"] == DER_UNREACH and "a TLS server drops plain HTTP" in r["error"], r
