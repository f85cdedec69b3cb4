"""RAS events end to end, and the engines' log masks at run time (the administration guide's
"RAS Events" and "System Logging").

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_ras.py
Every test starts real daos_server processes on 127.0.0.1 (daos_cluster.py) and stops them by
PID at the end. The servers send syslog to a datagram socket the test owns (SyslogCatcher,
DAOS_SYSLOG_SOCKET): each event provoked here is checked (a) in syslog with facility daemon and
the severity of the event (<27> ERROR, <28> WARNING, <29> NOTICE), (b) in the server's log as
the control-plane line with its fields, and (c) for STATE_CHANGE events, in dmg system query.
Requests to the targets are raw src/proto messages (test_engine_wire.py's helpers).

  RAS01  engine_clock_drift (a write epoch one hour ahead: -DER_HLC_SYNC), device_media_error
         and device_set_faulty (auto: D_BIO_FAULT fails a blob write; FAULTY in SMD),
         engine_asserted with engine_died (SIGABRT: rank Errored)
  RAS02  at an engine start: pool_durable_format_incompat (pool header version 9),
         container_durable_format_incompat (container record version 7), pool_start_failed
         (a garbage VOS file); each with the rank, pool and container
  RAS03  system_fabric_provider_changed (a member joins again with another provider),
         pool_destroy_deferred (a target does not answer), system_stop_failed and
         system_start_failed (a server is gone)
  RAS04  dmg server set-logmasks ERR,mgmt=DEBUG changes what the engines log; bad masks are
         refused with the reason and change nothing; no argument restores the config mask
"""
import json
import os
import re
import signal
import struct
import time
import uuid as uuidlib

import pytest

from daos_cluster import Cluster, SyslogCatcher, api_call, wait_for
from test_engine_wire import OP, connect, key, message, read_reply

EVENT_TIMEOUT = 15           # seconds for an event to reach syslog
PRI = {"ERROR": 27, "WARNING": 28, "NOTICE": 29}   # facility daemon (3) * 8 + severity
DER_INVAL = -1003
DER_HLC_SYNC = -1037
DER_NVME_IO = -2042
DER_IO = -2001
HLC_EPOCH_UNIX_S = 1609459200   # gurt/hlc.h: HLC time starts 2021-01-01T00:00:00Z
VOS_MAGIC = b"VOSPOOL\0"        # VOS_POOL_MAGIC, little endian; the layout version follows
SCM = 16 << 20


@pytest.fixture(name="cluster")
def fixture_cluster(tmp_path):
    """Factory of clusters (started by the test); every process is stopped by PID at the end."""
    made = []

    def make(nr_servers, nr_aps, **kw):
        c = Cluster(tmp_path / f"cluster{len(made)}", nr_servers, nr_aps, **kw)
        made.append(c)
        return c

    try:
        yield make
    finally:
        for c in made:
            c.stop()


# ---- helpers ----

def up(c):
    """Start, format and wait for every rank Joined; a SyslogCatcher on the test's socket."""
    c.start()
    catcher = SyslogCatcher(c.syslog_sock)
    c.format()
    c.wait_members(sum(s.engines for s in c.servers))
    return catcher


def call(port, op, body, mapv=0):
    """One request to a target port: (status, reply body)."""
    with connect(port) as s:
        s.sendall(message(OP[op], body, mapv=mapv))
        rep = read_reply(s)
    assert rep is not None, f"{op}: connection closed"
    return rep[0]["status"], rep[1]


def tgt_port(srv, engine, tgt=0):
    return srv.fabric_ports[engine] + 1 + tgt


def pool_create(port, pool, scm=SCM, nvme=0):
    status, _ = call(port, "pool_create", pool.bytes + struct.pack("<QQ", scm, nvme))
    assert status == 0, status


def cont_create(port, pool, cont):
    status, _ = call(port, "cont_create", pool.bytes + cont.bytes)
    assert status == 0, status


def update(port, pool, cont, value, epoch=0, tgt=0, mapv=0):
    """A single-value update of akey "a" of dkey "d" of object (5, 0); the reply status."""
    body = (pool.bytes + cont.bytes + struct.pack("<IQQQ", tgt, 5, 0, epoch) + key(b"d")
            + struct.pack("<I", 1) + key(b"a") + struct.pack("<IQQI", 1, len(value), 0, 1)
            + value)
    return call(port, "update", body, mapv=mapv)[0]


def hlc_now():
    """An HLC timestamp of the local clock (nanoseconds since 2021, 18 logical bits)."""
    return (time.time_ns() - HLC_EPOCH_UNIX_S * 10**9) & ~((1 << 18) - 1)


def syslog_event(catcher, srv, ras_id, sev, *parts):
    """The syslog message of event ras_id from srv containing every part: priority daemon.sev,
    identity daos_server[pid], the control-plane line (no "&&& RAS EVENT" prefix)."""
    msg = catcher.wait(lambda m: f"id: [{ras_id}]" in m and f"daos_server[{srv.proc.pid}]" in m
                       and all(p in m for p in parts), EVENT_TIMEOUT)
    assert re.match(r"<%d>\w{3} [ \d]\d \d\d:\d\d:\d\d daos_server\[%d\]: id: \[%s\] ts: \[" %
                    (PRI[sev], srv.proc.pid, ras_id), msg), msg
    assert f"sev: [{sev}]" in msg and "&&& RAS" not in msg, msg
    return msg


def log_event(srv, ras_id, *parts):
    """The line of event ras_id in srv's control log containing every part."""
    return wait_for(f"{ras_id} in the server log", lambda: next(
        (ln for ln in srv.log_text().splitlines()
         if f"id: [{ras_id}]" in ln and all(p in ln for p in parts)), None), 5)


def check_event(catcher, srv, ras_id, ev_type, sev, *parts):
    """(a) syslog and (b) the server log carry the event with these fields."""
    head = f"type: [{ev_type}] sev: [{sev}]"
    line = log_event(srv, ras_id, head, *parts)
    assert "&&& RAS EVENT" not in line, line
    msg = syslog_event(catcher, srv, ras_id, sev, head, *parts)
    return line, msg


def by_rank(members):
    return {m["rank"]: m for m in members}


def engine_log(srv, idx):
    path = srv.dir / f"engine{idx}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


# ---- RAS01 ----

def test_engine_events(cluster):
    """RAS01: clock drift, media error and auto faulty, assertion; rank Errored."""
    c = cluster(1, 1, engines=2, targets=1)
    srv = c.servers[0]
    bdev0 = srv.dir / "bdev0.img"
    # engine 0's first write to its bdev fails (bio's D_BIO_FAULT, through env_vars);
    # Cluster.start() would write the config again: this server is started by hand
    srv.write_config(c.aps)
    text = srv.config.read_text()
    first = f"    log_file: {srv.dir / 'engine0.log'}\n"
    assert first in text
    srv.config.write_text(text.replace(first, first + "    env_vars:\n      - "
                                       f"\"D_BIO_FAULT=dev={bdev0},op=write,count=1\"\n"))
    srv.start()
    srv.wait_ready()
    wait_for("engines to wait for a format", lambda: srv.engines_in("awaiting format"), 20)
    catcher = SyslogCatcher(c.syslog_sock)
    c.format()
    members = by_rank(c.wait_members(2))
    ranks = {e["idx"]: e["rank"] for e in srv.info()["engines"]}
    incs = {i: members[r]["incarnation"] for i, r in ranks.items()}

    # engine_clock_drift: a write epoch an hour ahead of the target's clock is refused
    port = tgt_port(srv, 1)
    pool = uuidlib.uuid4()
    cont = uuidlib.uuid4()
    pool_create(port, pool)
    assert update(port, pool, cont, b"x", epoch=hlc_now() + 3600 * 10**9) == DER_HLC_SYNC
    assert update(port, pool, cont, b"y", epoch=hlc_now() - 10**9) == 0
    line, _ = check_event(catcher, srv, "engine_clock_drift", "INFO", "ERROR",
                          "msg: [clock drift detected]", f"rank: [{ranks[1]}] "
                          f"incarnation: [{incs[1]}]", "data: [target 0: obj_update epoch 0x")
    assert re.search(r"is 3\d\d\d\.\d\d\d s ahead of this engine's clock \(bound 1\.000 s\); "
                     r"refused with DER_HLC_SYNC; 0 more refusal\(s\) since the last event\]$",
                     line), line
    # the engine's own line, in its log
    assert "&&& RAS EVENT id: [engine_clock_drift]" in engine_log(srv, 1)

    # device_media_error + device_set_faulty (auto): the blob write fails
    port = tgt_port(srv, 0)
    pool = uuidlib.uuid4()
    pool_create(port, pool, nvme=16 << 20)
    assert update(port, pool, cont, b"z" * (64 << 10)) == DER_NVME_IO
    smd = json.loads((srv.dir / "scm0" / "daos_smd.json").read_text())
    dev = next(d for d in smd["devices"] if d["tr_addr"] == str(bdev0))
    assert dev["state"] == "FAULTY", dev
    check_event(catcher, srv, "device_media_error", "INFO", "ERROR",
                f"msg: [Device: {dev['uuid']} write error logged from tgt_id:0]",
                f"hwid: [{bdev0}] rank: [{ranks[0]}]",
                "data: [op=write tgt=0 new_errors=1 total=1]")
    check_event(catcher, srv, "device_set_faulty", "INFO", "ERROR",
                f"msg: [Device: {dev['uuid']} set faulty]", f"hwid: [{bdev0}]",
                "data: [auto; targets 0; write failed on target 0: Input/output error]")
    # refused from now on (the device and the pool are failed): no further event
    assert update(port, pool, cont, b"z" * (64 << 10)) in (DER_NVME_IO, DER_IO)
    time.sleep(0.5)
    assert sum("id: [device_media_error]" in ln for ln in srv.log_text().splitlines()) == 1
    assert sum("id: [device_set_faulty]" in ln for ln in srv.log_text().splitlines()) == 1

    # engine_asserted and engine_died: SIGABRT, both STATE_CHANGE; the rank is Errored
    pid = next(e["pid"] for e in srv.info()["engines"] if e["idx"] == 1)
    os.kill(pid, signal.SIGABRT)
    check_event(catcher, srv, "engine_died", "STATE_CHANGE", "ERROR",
                "msg: [DAOS engine 1 exited unexpectedly: killed by signal 6 (Aborted)]",
                f"pid: [{pid}] rank: [{ranks[1]}] incarnation: [{incs[1]}]")
    check_event(catcher, srv, "engine_asserted", "STATE_CHANGE", "ERROR",
                "msg: [DAOS engine 1 asserted: killed by signal 6 (Aborted), no assertion "
                "message]", f"pid: [{pid}] rank: [{ranks[1]}] incarnation: [{incs[1]}]")

    def errored():
        m = by_rank(c.members())[ranks[1]]
        return m if m["state"] == "Errored" else None
    m = wait_for("the rank to be Errored", errored, 15)
    assert m["reason"] in ("DAOS engine 1 exited unexpectedly: killed by signal 6 (Aborted)",
                           "DAOS engine 1 asserted: killed by signal 6 (Aborted), no "
                           "assertion message"), m
    assert by_rank(c.members())[ranks[0]]["state"] == "Joined"
    # a start brings it back with a new incarnation
    c.dmg_ok("system", "start", "--ranks", str(ranks[1]))
    m = by_rank(c.wait_members(2))[ranks[1]]
    assert m["incarnation"] > incs[1] and m["reason"] == ""
    catcher.close()


# ---- RAS02 ----

def patch_pool_version(path, version):
    """Set the layout version of the VOS pool header in data.mdb (every copy of the page)."""
    data = bytearray(path.read_bytes())
    n = 0
    at = data.find(VOS_MAGIC)
    while at >= 0:
        data[at + 8:at + 12] = struct.pack("<I", version)
        n += 1
        at = data.find(VOS_MAGIC, at + 1)
    assert n > 0, f"no VOS header in {path}"
    path.write_bytes(bytes(data))


def patch_cont_version(path, cont, version):
    """Set the layout version (offset 32) of container cont's 40-byte record in data.mdb: an
    LMDB leaf node is data size (u16 lo, u16 hi), flags (u16), key size (u16), key, data."""
    data = bytearray(path.read_bytes())
    node = struct.pack("<HHHH", 40, 0, 0, 16) + cont.bytes
    n = 0
    at = data.find(node)
    while at >= 0:
        rec = at + len(node)
        assert struct.unpack_from("<I", data, rec + 32)[0] == 1, "not a record of this build"
        struct.pack_into("<I", data, rec + 32, version)
        n += 1
        at = data.find(node, at + 1)
    assert n > 0, f"no record of container {cont} in {path}"
    path.write_bytes(bytes(data))


def test_start_events(cluster):
    """RAS02: incompatible pool and container layouts, a pool that cannot start."""
    c = cluster(1, 1, engines=1, targets=1, bdev=False)
    catcher = up(c)
    srv = c.servers[0]
    port = tgt_port(srv, 0)
    rank = srv.info()["engines"][0]["rank"]
    pa, pb, pc = uuidlib.uuid4(), uuidlib.uuid4(), uuidlib.uuid4()
    cont = uuidlib.uuid4()
    for p in (pa, pb, pc):
        pool_create(port, p)
    cont_create(port, pb, cont)
    assert update(port, pb, cont, b"b") == 0
    assert update(port, pc, cont, b"c") == 0
    c.dmg_ok("system", "stop", "--ranks", str(rank))
    wait_for("the engine to stop", lambda: srv.engines_in("stopped"), 20)
    pools = srv.dir / "scm0" / "pools"
    patch_pool_version(pools / str(pa) / "0" / "data.mdb", 9)
    patch_cont_version(pools / str(pb) / "0" / "data.mdb", cont, 7)
    (pools / str(pc) / "0" / "data.mdb").write_bytes(b"not an LMDB environment" * 200)

    c.dmg_ok("system", "start", "--ranks", str(rank))
    c.wait_members(1)
    check_event(catcher, srv, "pool_durable_format_incompat", "INFO", "ERROR",
                "msg: [incompatible layout version: 9 not in [1, 1]]",
                f"rank: [{rank}] pool: [{pa}] data: [target 0: the pool is not served]")
    check_event(catcher, srv, "container_durable_format_incompat", "INFO", "ERROR",
                "msg: [incompatible layout version: 7 not in [0, 1]]",
                f"rank: [{rank}] pool: [{pb}] container: [{cont}] "
                "data: [target 0: the container is not served]")
    check_event(catcher, srv, "pool_start_failed", "INFO", "ERROR",
                "msg: [failed to start pool on target 0: DER_DF_INVAL]",
                f"rank: [{rank}] pool: [{pc}] data: [target 0: its VOS pool cannot be opened: ")
    # the pools and container are refused, the engine serves the rest
    assert update(port, pa, cont, b"x") == -1002            # DER_NO_HDL: not served
    assert update(port, pb, cont, b"x") == -2023            # DER_DF_INCOMPT
    assert update(port, pb, uuidlib.uuid4(), b"x") == 0
    assert [m["state"] for m in c.members()] == ["Joined"]
    catcher.close()


# ---- RAS03 ----

def test_system_events(cluster):
    """RAS03: provider change, deferred destroy, failed system stop and start."""
    c = cluster(2, 1, engines=1, targets=1, bdev=False)
    catcher = up(c)
    leader, other = c.servers
    members = by_rank(c.members())
    rank1 = next(r for r, m in members.items() if m["ctl_addr"] == other.addr)
    rank0 = next(r for r in members if r != rank1)

    # system_fabric_provider_changed: the member joins again with another provider
    c.dmg_ok("system", "stop", "--ranks", str(rank1))
    status, reply = api_call(leader.addr, "system_query", {})
    assert status == 200, reply
    m = next(x for x in reply["members"] if x["rank"] == rank1)
    old_uri = m["fabric_uri"]
    assert old_uri == f"ofi+tcp;ofi_rxm://127.0.0.1:{other.fabric_ports[0]}", m
    new_uri = old_uri.replace("ofi+tcp;", "ofi+verbs;")
    status, reply = api_call(leader.addr, "system_join", {
        "uuid": m["uuid"], "ctl_addr": other.addr, "fabric_uri": new_uri,
        "fault_domain": m["fault_domain"], "targets": 1, "rank": rank1})
    assert status == 200 and reply.get("rank") == rank1, reply
    check_event(catcher, leader, "system_fabric_provider_changed", "INFO", "NOTICE",
                "msg: [System fabric provider changed: ofi+tcp;ofi_rxm -> ofi+verbs;ofi_rxm]",
                f"rank: [{rank1}] incarnation: [{reply['incarnation']}]",
                f"data: [rank {rank1} fabric URI {old_uri} -> {new_uri}]")
    # the engine's own join brings the provider back
    c.dmg_ok("system", "start", "--ranks", str(rank1))
    c.wait_members(2)
    check_event(catcher, leader, "system_fabric_provider_changed", "INFO", "NOTICE",
                "msg: [System fabric provider changed: ofi+verbs;ofi_rxm -> ofi+tcp;ofi_rxm]",
                f"rank: [{rank1}]")

    # pool_destroy_deferred: one engine does not answer; the pool stays Destroying
    env = c.dmg_json("pool", "create", "deferred", "-s", "64M")
    assert env["status"] == 0, env
    puuid = env["response"]["uuid"]
    pid = other.info()["engines"][0]["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        res = c.dmg("pool", "destroy", "deferred")
        assert res.returncode == 1 and "the pool stays Destroying" in res.stderr, res.stderr
    finally:
        os.kill(pid, signal.SIGCONT)
    check_event(catcher, leader, "pool_destroy_deferred", "INFO", "WARNING",
                "msg: [Pool destroy deferred: 1 of 2 targets failed]",
                f"pool: [{puuid}] data: [pool destroy failed on 1 of 2 targets (the pool "
                "stays Destroying: retry, or use --force): ")
    env = c.dmg_json("pool", "list", "-n")
    assert [p["state"] for p in env["response"]["pools"]] == ["Destroying"], env
    c.dmg_ok("pool", "destroy", "deferred")
    assert c.dmg_ok("pool", "list").stdout == "No pools in system\n"

    # system_stop_failed / system_start_failed: the other server is gone
    other.kill()
    other.proc.wait(timeout=10)
    res = c.dmg("system", "stop")
    assert res.returncode == 1, res.stdout
    line, _ = check_event(catcher, leader, "system_stop_failed", "INFO", "ERROR",
                          f"msg: [System shutdown failed during stop action, rank {rank1}: ")
    assert f"data: [rank {rank1}: " in line, line
    assert f"rank {rank0}" not in line, line
    res = c.dmg("system", "start")
    assert res.returncode == 1, res.stdout
    line, _ = check_event(catcher, leader, "system_start_failed", "INFO", "ERROR",
                          f"msg: [System startup failed, rank {rank1}: ")
    assert f"rank {rank0}" not in line, line
    states = {m["rank"]: m["state"] for m in c.members(hosts=leader.addr)}
    assert states[rank0] == "Joined" and states[rank1] != "Joined", states
    catcher.close()


# ---- RAS04 ----

def pool_line(text, pool):
    """Whether text has the engine's INFO line (pool facility) of the creation of pool."""
    return re.search(r" pool INFO .* target 0: pool %s created " % pool, text) is not None


def mgmt_line(text):
    """Whether text has the engine's DEBUG line (mgmt facility) of a TGT_POOL_CREATE."""
    return re.search(r" mgmt DBUG .* target 0: tgt_pool_create from 127\.0\.0\.1:\d+ ",
                     text) is not None


def test_logmasks(cluster):
    """RAS04: set-logmasks at run time; bad masks refused; reset to the config mask."""
    c = cluster(1, 1, engines=1, targets=1, bdev=False)
    catcher = up(c)
    catcher.close()
    srv = c.servers[0]
    port = tgt_port(srv, 0)

    def create_and_log():
        """Create a pool; the engine log written meanwhile, and the pool."""
        before = len(engine_log(srv, 0))
        pool = uuidlib.uuid4()
        pool_create(port, pool)
        time.sleep(0.2)
        return engine_log(srv, 0)[before:], pool

    # the config mask (log_mask: INFO): pool INFO lines, no DEBUG at all
    text, pool = create_and_log()
    assert pool_line(text, pool) and not mgmt_line(text), text
    # ERR,mgmt=DEBUG: mgmt DEBUG lines appear, the pool facility's INFO lines do not
    res = c.dmg_ok("server", "set-logmasks", "ERR,mgmt=DEBUG")
    assert res.stdout.endswith("OK (1 engine)\n"), res.stdout
    text, pool = create_and_log()
    assert mgmt_line(text) and not pool_line(text, pool), text
    status, reply = api_call(srv.addr, "set_logmasks", {"masks": "ERR,mgmt=DEBUG"})
    assert status == 200 and reply["results"] == [
        {"idx": 0, "status": 0, "msg": "", "masks": "ERR,mgmt=DBUG"}], reply
    # bad masks: refused with the reason by dmg and by the server; the engines keep theirs
    res = c.dmg("server", "set-logmasks", "ERR,mgmt=LOUD")
    assert res.returncode == 1 and "invalid log masks: " in res.stderr and "LOUD" in res.stderr, \
        res.stderr
    status, reply = api_call(srv.addr, "set_logmasks", {"masks": "ERR,nosuchfac=DEBUG"})
    assert reply["status"] == DER_INVAL and reply["error"].startswith("invalid log masks: "), \
        reply
    assert "nosuchfac" in reply["error"], reply
    text, pool = create_and_log()
    assert mgmt_line(text) and not pool_line(text, pool), text
    # no argument: back to the config's log_mask
    res = c.dmg_ok("server", "set-logmasks")
    assert res.stdout.endswith("OK (1 engine)\n"), res.stdout
    text, pool = create_and_log()
    assert pool_line(text, pool) and not mgmt_line(text), text
    status, reply = api_call(srv.addr, "set_logmasks", {"masks": None})
    assert status == 200 and reply["results"][0]["masks"] == "INFO", reply
    # the control plane's own log follows control_log_mask (DEBUG in these configs)
    assert re.search(r" control DBUG .* set_logmasks from ", srv.log_text()), "no DEBUG line"
