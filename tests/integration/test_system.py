"""daos_server, its engines and dmg: the system operations of the administration guide.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_system.py
(DAOS_BUILD_DIR defaults to <repo>/build). Every test starts real daos_server processes on
127.0.0.1 (daos_cluster.py: own ports, own directory, emulated storage) and stops them by
PID when it ends, pass or fail. Servers run insecure; TLS is covered by test_dmg_cli.py
and the transport's unit tests.

  SYS01  single access point: format, join, scan, usage, set-logmasks, format refusals,
         erase and reformat, clean shutdown with no engine left behind
  SYS02  three access points, two engines each: six ranks Joined, -j, --ranks, --host-ranks
  SYS03  system stop/start: same ranks, new incarnations; stop --force; selections
  SYS04  kill -9 of an engine: RAS engine_died in the control log, rank Errored, restart
  SYS05  kill -9 of the MS leader's server: new leader within 10 s, dmg keeps working
  SYS06  storage reformat (stop, format --force: same ranks, new UUIDs); system erase:
         refused while running, then stop, erase, format
  SYS07  system extension: a fourth server formatted with -l joins
  SYS08  bad configurations: exit 1 with file, line and key, never a crash
  SYS09  mutual TLS between dmg and servers and between servers (joins, fan-out)
"""
import re
import signal
import subprocess
import time

import pytest

from daos_cluster import (DAOS_SERVER, REPO, Cluster, SyslogCatcher, api_call, free_port_pairs,
                          server_env, tls_context, wait_for)


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


def ranks_of(members, addr):
    return sorted(m["rank"] for m in members if m["ctl_addr"] == addr)


def by_rank(members):
    return {m["rank"]: m for m in members}


def test_single_access_point(cluster):
    """SYS01: one server, one access point, two engines."""
    c = cluster(1, 1)
    srv = c.servers[0]
    res = c.format()
    assert res.stdout.endswith(f"\n  {srv.addr} 2           2\n"), res.stdout
    members = c.wait_members(2)
    assert [m["ctl_addr"] for m in members] == [srv.addr] * 2
    assert c.dmg_ok("system", "query").stdout == "Rank  State\n----  -----\n[0-1] Joined\n"
    assert c.dmg_ok("system", "leader-query").stdout == \
        f"Current Leader: {srv.addr}\n   Replica Set: {srv.addr}\n"

    lines = c.dmg_ok("storage", "scan").stdout.splitlines()
    assert lines[2].split()[0] == srv.addr and "(2 namespaces)" in lines[2]
    usage = c.dmg_json("storage", "query", "usage")["response"]["hosts"][srv.addr]
    assert usage["scm_total"] > 0 and 0 < usage["nvme_free"] <= usage["nvme_total"]
    assert c.dmg_ok("server", "set-logmasks", "DEBUG").stdout.endswith("OK (2 engines)\n")
    assert c.dmg_ok("server", "set-logmasks").stdout.endswith("OK (2 engines)\n")

    # formatting running engines is refused: by the storage module without --force,
    # and with --force until they are stopped
    res = c.dmg("storage", "format")
    assert res.returncode == 1
    assert "engine 0: SCM format failed: storage of engine 0 is already formatted " \
           "(use --force)" in res.stdout
    res = c.dmg("storage", "format", "--force")
    assert res.returncode == 1
    assert re.search(r"engine 1: SCM format failed: engine 1 \(rank [01]\) is (joined|ready): "
                     r"stop it first \(dmg system stop\)", res.stdout), res.stdout

    # erase needs stopped engines; then format brings ranks 0-1 back with new UUIDs
    res = c.dmg("system", "erase")
    assert res.returncode == 1
    assert "system erase needs every engine stopped: ranks 0-1 still running" in res.stderr
    assert "DER_BUSY" in res.stderr
    c.dmg_ok("system", "stop")
    assert c.dmg_ok("system", "erase").stdout.endswith("[0-1] erase     OK\n")
    assert c.dmg_ok("system", "query").stdout == "Query matches no ranks in system\n"
    c.format()
    again = c.wait_members(2)
    assert {m["uuid"] for m in again}.isdisjoint({m["uuid"] for m in members})

    # clean shutdown: exit 0, no engine left (Cluster.stop checks both)
    pids = srv.info()["engines"]
    statuses = c.stop()
    assert statuses == {0: 0}
    assert all(p["pid"] > 0 for p in pids)
    assert "daos_server stopped" in srv.log_text()


def test_three_access_points(cluster):
    """SYS02: three servers, three access points, two engines each."""
    c = cluster(3, 3)
    c.format()
    members = c.wait_members(6)
    assert c.dmg_ok("system", "query").stdout == "Rank  State\n----  -----\n[0-5] Joined\n"
    assert sorted(m["rank"] for m in members) == list(range(6))
    for srv in c.servers:
        assert len(ranks_of(members, srv.addr)) == 2
    assert len({m["uuid"] for m in members}) == 6
    assert all(m["incarnation"] > 0 and m["reason"] == "" for m in members)

    # -j: DAOS's envelope, parsed
    env = c.dmg_json("system", "query", "--ranks", "2-3")
    assert env["status"] == 0 and env["error"] is None
    assert [m["rank"] for m in env["response"]["members"]] == [2, 3]
    assert c.dmg_ok("system", "query", "--ranks", "2-3").stdout == \
        "Rank  State\n----  -----\n[2-3] Joined\n"
    res = c.dmg_ok("system", "query", "--ranks", "1,9")
    assert res.stdout.endswith("\nUnknown 1 rank: [9]\n")

    # --host-ranks: a host:port selects that server's ranks only
    for srv in c.servers:
        env = c.dmg_json("system", "query", "--host-ranks", srv.addr)
        assert [m["rank"] for m in env["response"]["members"]] == ranks_of(members, srv.addr)
    res = c.dmg_ok("system", "query", "-v", "--host-ranks", c.servers[1].addr)
    rows = res.stdout.splitlines()[2:]
    assert [int(r.split()[0]) for r in rows] == ranks_of(members, c.servers[1].addr)
    assert all(r.split()[2] == c.servers[1].addr for r in rows)

    # every access point knows the same leader, whichever one dmg asks
    leaders = {c.leader(hosts=s.addr) for s in c.servers}
    assert len(leaders) == 1 and leaders.pop() in c.aps
    res = c.dmg_ok("system", "leader-query", "-N")
    assert f"   Replica Set: {', '.join(sorted(c.aps, key=lambda a: int(a.split(':')[1])))}" \
        in res.stdout
    assert res.stdout.endswith(" Down Replicas: N/A\n")

    # a second format is refused on every host
    res = c.dmg("storage", "format")
    assert res.returncode == 1
    hosts = ",".join(sorted((s.addr for s in c.servers), key=lambda a: int(a.split(":")[1])))
    for idx in (0, 1):
        assert f"  {hosts} engine {idx}: SCM format failed: storage of engine {idx} is " \
               "already formatted (use --force)\n" in res.stdout, res.stdout
    assert res.stderr.startswith("ERROR: dmg: storage format failed on 3 of 3 hosts")


def test_stop_start(cluster):
    """SYS03: stop and start keep ranks and give new incarnations; selections; --force."""
    c = cluster(3, 3)
    c.format()
    before = by_rank(c.wait_members(6))

    res = c.dmg_ok("system", "stop")
    assert res.stdout == "Rank  Operation Result\n----  --------- ------\n[0-5] stop      OK\n"
    assert c.dmg_ok("system", "query").stdout == "Rank  State\n----  -----\n[0-5] Stopped\n"
    for srv in c.servers:
        assert all(e["pid"] == 0 for e in srv.info()["engines"])
    res = c.dmg_ok("system", "start")
    assert res.stdout.endswith("[0-5] start     OK\n")
    after = by_rank(c.wait_members(6))
    assert sorted(after) == sorted(before)
    for rank, m in after.items():
        assert m["uuid"] == before[rank]["uuid"]
        assert m["ctl_addr"] == before[rank]["ctl_addr"]
        assert m["incarnation"] > before[rank]["incarnation"]
        assert m["state"] == "Joined"

    # --ranks selects exactly those ranks
    res = c.dmg_ok("system", "stop", "--force", "--ranks", "2-3")
    assert res.stdout.endswith("[2-3] stop      OK\n")
    states = {m["rank"]: m["state"] for m in c.members()}
    assert states == {0: "Joined", 1: "Joined", 2: "Stopped", 3: "Stopped", 4: "Joined",
                      5: "Joined"}
    c.dmg_ok("system", "start", "--ranks", "2-3")
    c.wait_members(6)

    # --host-ranks selects one server's ranks
    target = c.servers[2]
    mine = ranks_of(c.members(), target.addr)
    res = c.dmg_ok("system", "stop", "--force", "--host-ranks", target.addr)
    assert f" stop      OK\n" in res.stdout
    states = {m["rank"]: m["state"] for m in c.members()}
    assert sorted(r for r, s in states.items() if s == "Stopped") == mine
    assert all(e["pid"] == 0 for e in target.info()["engines"])
    c.dmg_ok("system", "start", "--host-ranks", target.addr)
    final = c.wait_members(6)
    assert not [m for m in final if m["state"] in ("Excluded", "Errored")]

    # unknown ranks are refused, nothing happens
    res = c.dmg("system", "stop", "--ranks", "7")
    assert res.returncode == 1 and "unknown rank: 7" in res.stderr
    assert len(c.wait_members(6)) == 6


def test_engine_killed(cluster):
    """SYS04: kill -9 of one engine: RAS engine_died, rank Errored, restart with start."""
    c = cluster(3, 3)
    c.format()
    members = c.wait_members(6)
    srv = c.servers[1]
    eng = srv.info()["engines"][1]
    rank, pid = eng["rank"], eng["pid"]
    before = by_rank(members)[rank]
    catcher = SyslogCatcher(c.syslog_sock)
    import os
    os.kill(pid, signal.SIGKILL)

    def errored():
        m = by_rank(c.members())[rank]
        return m if m["state"] in ("Errored", "Excluded") else None
    m = wait_for(f"rank {rank} to be Errored", errored, 15)
    assert m["reason"] == "DAOS engine 1 exited unexpectedly: killed by signal 9 (Killed)"
    others = [x for x in c.members() if x["rank"] != rank]
    assert all(x["state"] == "Joined" for x in others)

    # the control-plane form of the RAS line, in the server's log
    line = wait_for("the engine_died line", lambda: next(
        (ln for ln in srv.log_text().splitlines() if "id: [engine_died]" in ln), None), 5)
    assert "&&& RAS EVENT" not in line
    assert "type: [STATE_CHANGE] sev: [ERROR] msg: [DAOS engine 1 exited unexpectedly: " \
           "killed by signal 9 (Killed)]" in line
    assert f"pid: [{pid}] rank: [{rank}] incarnation: [{before['incarnation']}]" in line
    # and in syslog: facility daemon, severity err (<27>), identity daos_server[pid]
    msg = catcher.wait(lambda m: "id: [engine_died]" in m, 10)
    catcher.close()
    assert re.match(r"<27>\w{3} [ \d]\d \d\d:\d\d:\d\d daos_server\[%d\]: " % srv.proc.pid, msg), msg
    assert f"pid: [{pid}] rank: [{rank}]" in msg

    res = c.dmg_ok("system", "start", "--ranks", str(rank))
    assert res.stdout.endswith(f"[{rank}]  start     OK\n")
    m = by_rank(c.wait_members(6))[rank]
    assert m["uuid"] == before["uuid"] and m["incarnation"] > before["incarnation"]
    assert m["reason"] == ""


def test_leader_killed(cluster):
    """SYS05: kill -9 of the MS leader's server: a new leader within 10 s, dmg works."""
    c = cluster(3, 3)
    c.format()
    members = c.wait_members(6)
    old = c.leader()
    assert old in c.aps
    victim = c.server_of(old)
    others = [s for s in c.servers if s is not victim]
    t0 = time.monotonic()
    victim.kill(signal.SIGKILL)
    victim.proc.wait(timeout=10)

    def new_leader():
        lead = c.leader(hosts=c.hostlist(others))
        return lead if lead and lead != old else None
    lead = wait_for("a new MS leader", new_leader, 10, interval=0.2)
    elapsed = time.monotonic() - t0
    assert elapsed < 10, elapsed
    assert lead in [s.addr for s in others]

    # dmg with all three access points: the dead one is skipped
    res = c.dmg("system", "query")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Rank  State\n")
    res = c.dmg_ok("system", "leader-query", "-N")
    assert f"Current Leader: {lead}\n" in res.stdout
    assert res.stdout.endswith(f" Down Replicas: {old}\n")
    # the surviving servers' ranks still stop and start through the new leader
    live = ranks_of(members, others[0].addr)
    text = ",".join(str(r) for r in live)
    c.dmg_ok("system", "stop", "--ranks", text)
    states = {m["rank"]: m["state"] for m in c.members()}
    assert [states[r] for r in live] == ["Stopped"] * len(live)
    c.dmg_ok("system", "start", "--ranks", text)
    states = {m["rank"]: m["state"] for m in c.members()}
    assert [states[r] for r in live] == ["Joined"] * len(live)

    # the killed server's engines exited by themselves (link lost); restarted, the server
    # resumes its Raft state and its engines rejoin with the ranks of their superblocks
    assert victim.engine_pids
    wait_for("the killed server's engines to exit", lambda: not victim.live_engine_pids(), 10)
    victim.killed = False
    victim.start()
    victim.wait_ready()
    # the killed server's ranks still read Joined from before: wait for the new lives
    def rejoined():
        m = by_rank(c.wait_members(6))
        return m if all(m[r]["incarnation"] > by_rank(members)[r]["incarnation"]
                        for r in ranks_of(members, victim.addr)) else None
    back = wait_for("the killed server's ranks to rejoin", rejoined, 30)
    for rank in ranks_of(members, victim.addr):
        assert back[rank]["uuid"] == by_rank(members)[rank]["uuid"]
    assert c.dmg_ok("system", "leader-query", "-N").stdout.endswith(" Down Replicas: N/A\n")


def test_erase_and_reformat(cluster):
    """SYS06: storage reformat after a controlled shutdown keeps the ranks with new
    UUIDs; erase only when stopped; erase then format gives a fresh system."""
    c = cluster(3, 3, engines=1)
    c.format()
    first = c.wait_members(3)

    # Storage Reformat: stop, then format --force; the engines start and rejoin in
    # their old places (ranks), as new engines (UUIDs), with nothing left behind.
    # The hostlist names one server: the membership's records say which to format.
    c.dmg_ok("system", "stop")
    res = c.dmg_ok("storage", "format", "--force", hosts=False)
    hosts = ",".join(sorted((s.addr for s in c.servers), key=lambda a: int(a.split(":")[1])))
    assert res.stdout.endswith(f"\n  {hosts} 1           1\n"), res.stdout
    again = by_rank(c.wait_members(3))
    assert sorted(again) == [0, 1, 2]
    for m in first:
        assert again[m["rank"]]["ctl_addr"] == m["ctl_addr"]
        assert again[m["rank"]]["uuid"] != m["uuid"]
        assert again[m["rank"]]["incarnation"] > m["incarnation"]
    first = list(again.values())
    res = c.dmg("system", "erase")
    assert res.returncode == 1
    assert "system erase needs every engine stopped: ranks 0-2 still running (run dmg " \
           "system stop first): DER_BUSY(-1012)" in res.stderr
    assert len(c.wait_members(3)) == 3
    c.dmg_ok("system", "stop", "--force")
    res = c.dmg_ok("system", "erase")
    assert res.stdout.endswith("[0-2] erase     OK\n")
    assert c.dmg_ok("system", "query").stdout == "Query matches no ranks in system\n"
    for srv in c.servers:
        assert not (srv.dir / "scm0" / "superblock").exists()
    c.format()
    again = c.wait_members(3)
    assert sorted(m["rank"] for m in again) == [0, 1, 2]
    assert {m["uuid"] for m in again}.isdisjoint({m["uuid"] for m in first})


def test_extension(cluster):
    """SYS07: a new server pointed at the access points joins after its format."""
    c = cluster(3, 3, engines=1)
    c.format()
    c.wait_members(3)
    new = c.add_server(engines=2)
    new.start()
    new.wait_ready()
    wait_for("the new engines to wait for a format",
             lambda: new.engines_in("awaiting format"), 20)
    res = c.dmg_ok("storage", "format", hosts=new.addr)
    assert res.stdout.endswith(f"\n  {new.addr} 2           2\n"), res.stdout
    members = c.wait_members(5)
    assert ranks_of(members, new.addr) == [3, 4]
    res = c.dmg_ok("system", "query", "-v", "--ranks", "3-4")
    assert [ln.split()[2] for ln in res.stdout.splitlines()[2:]] == [new.addr] * 2
    # the new server is no replica: it sends dmg to the leader
    res = c.dmg_ok("system", "query", hosts=new.addr)
    assert res.stdout == "Rank  State\n----  -----\n[0-4] Joined\n"
    status, reply = api_call(new.addr, "system_query")
    assert status == 421 and reply["status"] == -2020 and reply["leader"] in c.aps


@pytest.fixture(name="certs", scope="module")
def fixture_certs(tmp_path_factory):
    """A project CA with server, admin and agent certificates."""
    base = tmp_path_factory.mktemp("certs")
    subprocess.run(["bash", str(REPO / "utils" / "certs" / "gen_certificates.sh"), str(base)],
                   check=True, capture_output=True, timeout=60)
    return base / "daosCA"


def test_tls(cluster, certs):
    """SYS09: three TLS servers: joins and the stop/start fan-out use the server
    certificate, dmg the admin one; other identities are refused."""
    c = cluster(3, 3, engines=1, certs=certs)
    c.format()
    before = by_rank(c.wait_members(3))
    c.dmg_ok("system", "stop", "--ranks", "1")
    c.dmg_ok("system", "start", "--ranks", "1")
    after = by_rank(c.wait_members(3))
    assert after[1]["incarnation"] > before[1]["incarnation"]
    leader = c.leader()
    agent = tls_context(certs, "agent")
    status, reply = api_call(leader, "system_stop", tls=agent)
    assert status == 403 and reply["status"] == -1001
    assert reply["error"] == "method 'system_stop' needs the admin certificate, caller is " \
                             "'agent'"
    status, reply = api_call(leader, "system_join", {"uuid": before[0]["uuid"]}, tls=c.tls)
    assert status == 403 and "needs the server certificate, caller is 'admin'" in \
        reply["error"]
    status, reply = api_call(leader, "system_leader_query", tls=agent)
    assert status == 200 and reply["leader"] == leader
    # plain HTTP to a TLS server is dropped
    res = c.dmg("-i", "system", "query")
    assert res.returncode == 1 and "a TLS server drops plain HTTP" in res.stderr


# ---- SYS08: bad configurations ----

BASE = """name: daos_server
access_points: ['127.0.0.1:{port}']
port: {port}
transport_config:
  allow_insecure: true
provider: ofi+tcp
socket_dir: {dir}/run
engines:
  - targets: 1
    fabric_iface: lo
    fabric_iface_port: 31000
    storage:
      - class: ram
        scm_mount: {dir}/scm0
        scm_size: 1
"""

BAD = [
    # (id, change: old -> new (or text appended), expected message after "ERROR: daos_server: ")
    ("unknown_key", ("access_points", "acces_points"),
     "bad.yml:2: unknown key 'acces_points' (did you mean 'access_points'?)"),
    ("provider", ("ofi+tcp", "ofi+verbs"),
     "bad.yml:6: provider: 'ofi+verbs' is not supported (supported: ofi+tcp, ofi+tcp;ofi_rxm)"),
    ("even_aps", ("['127.0.0.1:{port}']", "[a, b]"),
     "bad.yml:2: access_points: the number of access points must be odd (got 2)"),
    ("aps_type", ("['127.0.0.1:{port}']", "5"),
     "bad.yml:2: access_points: expected a list, got '5'"),
    ("port", ("port: {port}", "port: 70000"),
     "bad.yml:3: port: expected an integer in [1, 65535], got '70000'"),
    ("targets_str", ("targets: 1", "targets: abc"),
     "bad.yml:9: engines[0].targets: expected an integer in [1, 64], got 'abc'"),
    ("targets_big", ("targets: 1", "targets: 65"),
     "bad.yml:9: engines[0].targets: expected an integer in [1, 64], got '65'"),
    ("tier_class", ("class: ram", "class: tape"),
     "bad.yml:13: engines[0].storage[0].class: expected one of ram, dcpm, file, kdev, nvme, "
     "got 'tape'"),
    ("log_mask", ("fabric_iface: lo", "fabric_iface: lo\n    log_mask: LOUD"),
     "bad.yml:11: engines[0].log_mask: unknown log level 'LOUD' in 'LOUD'"),
    ("control_log_mask", ("name: daos_server", "name: daos_server\ncontrol_log_mask: VERBOSE"),
     "bad.yml:2: control_log_mask: expected one of DISABLED, TRACE, DEBUG, INFO, NOTICE, "
     "ERROR, got 'VERBOSE'"),
    ("name_long", ("name: daos_server", "name: averyveryverylongsystemname"),
     "bad.yml:1: name: 'averyveryverylongsystemname' is too long (27 bytes, max 15)"),
    ("relative_socket_dir", ("socket_dir: {dir}/run", "socket_dir: run"),
     "bad.yml:7: socket_dir: 'run' is not an absolute path"),
    ("fabric_port_overlap", ("fabric_iface_port: 31000", "fabric_iface_port: {portm1}"),
     "bad.yml:11: engines[0].fabric_iface_port: ports {portm1}-{port} include the control "
     "port {port}"),
    ("core_and_numa", ("fabric_iface: lo", "fabric_iface: lo\n    first_core: 0\n"
                       "    pinned_numa_node: 0"),
     "bad.yml:12: engines[0]: first_core and pinned_numa_node cannot both be set"),
    ("key_for_other_class", ("scm_size: 1", "scm_size: 1\n        bdev_size: 1"),
     "bad.yml:16: engines[0].storage[0]: key 'bdev_size' is not valid for class 'ram'"),
    ("duplicate_key", ("scm_size: 1", "scm_size: 1\n        scm_size: 2"),
     "bad.yml:16: engines[0].storage[0]: duplicate key 'scm_size' (first at line 15)"),
    ("no_certs", ("allow_insecure: true", "allow_insecure: false"),
     "bad.yml:4: transport_config: ca_cert is required unless allow_insecure is true"),
    ("yaml_syntax", ("scm_size: 1", "scm_size: [1"),
     "bad.yml:16:1: YAML syntax error: "),
    ("yaml_anchor", ("name: daos_server", "name: &n daos_server"),
     "bad.yml:1:7: YAML anchor '&n' is not supported in configuration files"),
    ("empty", None, "bad.yml: no configuration in the file (it is empty or only comments)"),
    ("unresolvable_ap", ("['127.0.0.1:{port}']", "['no-such-host.invalid:{port}']"),
     "cannot resolve access point 'no-such-host.invalid' to an IPv4 address"),
]


@pytest.mark.parametrize("case, change, message", BAD, ids=[b[0] for b in BAD])
def test_bad_config(tmp_path, case, change, message):
    """SYS08: daos_server start -o bad.yml exits 1 with a message naming file, line and key;
    never a crash (a signal would give a negative return code)."""
    port = free_port_pairs(1)[0]
    fill = {"port": port, "portm1": port - 1, "dir": tmp_path}
    text = BASE.format(**fill)
    if change is None:
        text = ""
    else:
        old, new = (s.format(**fill) for s in change)
        assert old in text, case
        text = text.replace(old, new, 1)
    cfg = tmp_path / "bad.yml"
    cfg.write_text(text)
    res = subprocess.run([str(DAOS_SERVER), "start", "-o", str(cfg)], capture_output=True,
                         text=True, timeout=30, env=server_env(), cwd=tmp_path, check=False)
    assert res.returncode == 1, f"{case}: exit {res.returncode}\n{res.stderr}"
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("ERROR: daos_server: ")]
    assert len(errors) == 1, res.stderr
    expected = "ERROR: daos_server: " + message.format(**fill)
    if not message.startswith("cannot"):
        expected = expected.replace("bad.yml", str(cfg))
    assert errors[0].startswith(expected), f"{errors[0]!r} does not start with {expected!r}"
    assert not (tmp_path / "run").exists() or case == "unresolvable_ap"


def test_start_failures(tmp_path):
    """SYS08: start-up failures after the config: exit 1 with the reason, nothing left."""
    port = free_port_pairs(1)[0]
    base = BASE.format(port=port, dir=tmp_path)
    cfg = tmp_path / "daos_server.yml"
    cfg.write_text(base)
    env = server_env()

    # missing file, bad command line
    for args, message in [(["start", "-o", str(tmp_path / "none.yml")],
                           f"{tmp_path / 'none.yml'}: cannot open: No such file or directory"),
                          (["start", "--bogus"], "unknown flag `--bogus'"),
                          (["stop"], "unknown command 'stop'")]:
        res = subprocess.run([str(DAOS_SERVER)] + args, capture_output=True, text=True,
                             timeout=30, env=env, check=False)
        assert res.returncode == 1, res.stderr
        assert res.stderr.startswith("ERROR: daos_server: " + message), res.stderr

    # the control port is taken
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", port))
        s.listen(1)
        res = subprocess.run([str(DAOS_SERVER), "start", "-o", str(cfg)], capture_output=True,
                             text=True, timeout=30, env=env, check=False)
    assert res.returncode == 1, res.stderr
    assert f"ERROR: daos_server: cannot listen on 127.0.0.1:{port}: Address already in use" \
        in res.stderr
    # storage scan reads the config only: nothing is created
    res = subprocess.run([str(DAOS_SERVER), "storage", "scan", "-o", str(cfg)],
                         capture_output=True, text=True, timeout=30, env=env, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout == (f"Engine 0:\n  SCM  ram  {tmp_path}/scm0: total 0 B, used 0 B, "
                          "not formatted\n"), res.stdout
    assert not (tmp_path / "scm0").exists()
    res = subprocess.run([str(DAOS_SERVER), "version"], capture_output=True, text=True,
                         timeout=30, check=False)
    assert res.returncode == 0 and re.fullmatch(r"daos_server v\d+\.\d+\.\d+\n", res.stdout)
