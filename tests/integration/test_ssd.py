"""SSD management end to end: dmg storage query|set|replace|identify and scan --nvme-meta/-health.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_ssd.py

One daos_server with two engines of two targets each (file bdevs): engine 0 has two bdev
files (target 0 on the first, target 1 on the second), engine 1 one bdev file holding both
targets, armed with one injected read error (D_BIO_FAULT) and the VMD emulation switch
(DAOS_NVME_VMD_EMULATE=1, VMD_LED_PERIOD=1). A pool with NVMe on every target. Writes and
reads go to single targets over the wire (src/proto, as test_engine_wire.py speaks it).

  SSD01  list-devices: the seed's banner and lines (TrAddr = the bdev file, Targets per
         device, Rank, State:NORMAL), --rank and --uuid filters, -b health, -j envelope
  SSD02  list-pools: Rank:R Targets:[...] per rank; --verbose Blobs:[...] equal to each
         engine's daos_smd.json; --uuid filter; -j
  SSD03  device-health and target-health: "SMART data is not available for emulated
         devices", the I/O counters moving with wire writes; the injected read error shows
         as Read Errors:1; target-health names the target's device; scan --nvme-meta and
         --nvme-health
  SSD04  bad arguments: unknown device or pool UUID (DER_NONEXIST), a rank no host has
         (DER_NONEXIST), target out of range (DER_INVAL), malformed UUID and missing flags
         (refused by dmg), NORMAL device replaced (DER_INVAL): nothing changes
  SSD05  identify vmd: a non-VMD device gives "<host> DAOS error (-1010): DER_NOSYS"; the
         emulated VMD's LED goes QUICK_BLINK then back to OFF after VMD_LED_PERIOD
  SSD06  set nvme-faulty: "UUID:<u> Targets:[] Rank:0 State:FAULTY"; list-devices shows
         FAULTY; the RAS event device_set_faulty (manual) in the server log; blob writes of
         its target refused (DER_NVME_IO), the other device's target still writes, old data
         still read; a second set is DER_ALREADY; the health says the device refuses writes
  SSD07  the FAULTY state survives an engine restart (rank stop/start): the device is not
         opened again and its target's pool refuses writes; replace with the same UUID:
         State:NORMAL, and after a restart the target writes again
  SSD08  a bdev file added to the engine's configuration appears as NEW (Targets:[]) at the
         next start; replacing a device by it is refused with DER_NOTSUPPORTED (no target
         remap or rebuild yet), nothing changes; the server and every engine stay up
"""
import json
import os
import re
import signal
import socket
import struct

import pytest

from daos_cluster import Cluster, Server, wait_for

MiB = 1 << 20
BDEV_BYTES = 999997440          # bdev_size 1 (GB) rounded down to 4 KiB, as format creates
MAGIC = 0x534F4144
HDR = struct.Struct("<IHHIiQIIII")
OP_UPDATE, OP_FETCH = 16, 17
MAPV = 1 << 20                  # newer than any map the targets hold: never stale
IO_TIMEOUT = 10
VALUE = 64 * 1024               # above the inline threshold: the value goes to the blob
DER_NOSYS, DER_NONEXIST, DER_INVAL, DER_ALREADY = -1010, -1005, -1003, -1008
DER_NO_HDL, DER_NVME_IO, DER_NOTSUPPORTED = -1002, -2042, -2037
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class SsdServer(Server):
    """Engine 0 with two bdev files, engine 1 with one bdev, a read fault and VMD emulation."""

    extra_bdev = False   # SSD08: a third file added to engine 1's configuration
    read_fault = True    # engine 1's injected read error (SSD03)

    def bdevs(self, e):
        if e == 0:
            return [self.dir / "bdev0a.img", self.dir / "bdev0b.img"]
        files = [self.dir / "bdev1.img"]
        if self.extra_bdev:
            files.append(self.dir / "bdev1new.img")
        return files

    def write_config(self, access_points, extra=""):
        super().write_config(access_points, extra)
        text = self.config.read_text()
        for e in range(self.engines):
            old = f"        bdev_list: [{self.dir / f'bdev{e}.img'}]\n"
            assert old in text
            text = text.replace(old, "        bdev_list: ["
                                + ", ".join(str(p) for p in self.bdevs(e)) + "]\n")
        envs = ("    env_vars:\n"
                + (f"      - D_BIO_FAULT=dev={self.dir / 'bdev1.img'},op=read,count=1\n"
                   if self.read_fault else "")
                + "      - DAOS_NVME_VMD_EMULATE=1\n"
                "      - VMD_LED_PERIOD=1\n")
        marker = f"    log_file: {self.dir / 'engine1.log'}\n"
        assert marker in text
        text = text.replace(marker, marker + envs)
        self.config.write_text(text)


def crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = crc_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def wire_call(port, op, body):
    """One request to a target; (status, reply body)."""
    raw = HDR.pack(MAGIC, 1, op, 0, 0, 7, MAPV, len(body), 0, 0)
    crc = crc32c(body, crc32c(raw))
    msg = HDR.pack(MAGIC, 1, op, 0, 0, 7, MAPV, len(body), crc, 0) + body
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as s:
        s.settimeout(IO_TIMEOUT)
        s.sendall(msg)
        hdr = b""
        while len(hdr) < HDR.size:
            chunk = s.recv(HDR.size - len(hdr))
            assert chunk, "connection closed"
            hdr += chunk
        f = HDR.unpack(hdr)
        rep = b""
        while len(rep) < f[7]:
            chunk = s.recv(f[7] - len(rep))
            assert chunk, "truncated reply"
            rep += chunk
    return f[4], rep


def key(b):
    return struct.pack("<I", len(b)) + b


def prefix(pool, tgt, oid_lo):
    return pool + bytes([9]) * 16 + struct.pack("<IQQQ", tgt, oid_lo, 0, 0)


def write(port, pool, tgt, oid_lo, data):
    """Single value 'a' under dkey 'd' of object oid_lo; the status."""
    body = (prefix(pool, tgt, oid_lo) + key(b"d") + struct.pack("<I", 1) + key(b"a")
            + struct.pack("<IQQI", 1, len(data), 0, 1) + data)
    return wire_call(port, OP_UPDATE, body)[0]


def read(port, pool, tgt, oid_lo, size):
    """(status, the value's bytes)."""
    body = (prefix(pool, tgt, oid_lo) + key(b"d") + struct.pack("<I", 1) + key(b"a")
            + struct.pack("<IQQI", 1, 0, 0, 1) + struct.pack("<QI", size, 0))
    status, rep = wire_call(port, OP_FETCH, body)
    if status != 0:
        return status, b""
    nr, _size, got = struct.unpack_from("<IQQ", rep)
    assert nr == 1
    return status, rep[20:20 + got]


@pytest.fixture(scope="module")
def ssd(tmp_path_factory):
    base = tmp_path_factory.mktemp("ssd")
    cluster = Cluster(base / "sys", 0, 1)
    port = cluster.spare_ports.pop(0)
    srv = SsdServer(cluster, 0, port, engines=2, targets=2, bdev=True)
    cluster.servers.append(srv)
    cluster.aps = [srv.addr]
    try:
        cluster.start()
        cluster.format()
        cluster.wait_members(2)
        env = cluster.dmg_json("pool", "create", "--scm-size", "64M", "--nvme-size", "256M",
                               "ssdpool")
        assert env["status"] == 0, env
        cluster.pool = env["response"]["uuid"]
        yield cluster
    finally:
        cluster.stop()


def srv_of(cluster):
    return cluster.servers[0]


def rank_of_engine(cluster, e):
    """The rank of engine e (server_info)."""
    return next(x["rank"] for x in srv_of(cluster).info()["engines"] if x["idx"] == e)


def tgt_port(cluster, e, t):
    return srv_of(cluster).fabric_ports[e] + 1 + t


def pool_bytes(cluster):
    return bytes.fromhex(cluster.pool.replace("-", ""))


def devices(cluster, *args):
    env = cluster.dmg_json("storage", "query", "list-devices", *args)
    assert env["status"] == 0, env
    (reply,) = env["response"]["hosts"].values()
    return reply["devices"]


def dev_by_addr(cluster, path):
    return next(d for d in devices(cluster) if d["tr_addr"] == str(path))


def smd(cluster, e):
    return json.loads((srv_of(cluster).dir / f"scm{e}" / "daos_smd.json").read_text())


def banner(cluster):
    host = srv_of(cluster).addr
    return f"{'-' * len(host)}\n{host}\n{'-' * len(host)}\n"


def test_list_devices(ssd):
    """SSD01"""
    srv = srv_of(ssd)
    r0, r1 = rank_of_engine(ssd, 0), rank_of_engine(ssd, 1)
    res = ssd.dmg_ok("storage", "query", "list-devices")
    out = res.stdout
    assert out.startswith(banner(ssd) + "  Devices\n"), out
    expect = []
    for e, rank, tgts in ((0, r0, ["[0]", "[1]"]), (1, r1, ["[0 1]"])):
        for path, t in zip(srv.bdevs(e), tgts):
            d = next(x for x in smd(ssd, e)["devices"] if x["tr_addr"] == str(path))
            expect.append(f"    UUID:{d['uuid']} [TrAddr:{path}]\n"
                          f"      Targets:{t} Rank:{rank} State:NORMAL\n")
    if r1 < r0:
        expect = expect[2:] + expect[:2]
    assert out == banner(ssd) + "  Devices\n" + "".join(expect), out

    # filters: a rank, a device
    out = ssd.dmg_ok("storage", "query", "list-devices", "--rank", str(r1)).stdout
    assert str(srv.dir / "bdev1.img") in out and "bdev0a" not in out, out
    dev = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    out = ssd.dmg_ok("storage", "query", "list-devices", f"--uuid={dev['uuid']}").stdout
    assert out == (banner(ssd) + "  Devices\n" + f"    UUID:{dev['uuid']} [TrAddr:"
                   f"{srv.dir / 'bdev0b.img'}]\n      Targets:[1] Rank:{r0} State:NORMAL\n"), out

    # -b: the health block of each device
    out = ssd.dmg_ok("storage", "query", "list-devices", "-b").stdout
    assert out.count("      Health Stats:\n") == 3, out
    assert out.count("        SMART data is not available for emulated devices\n") == 3

    # -j: the envelope with every device, its rank, targets and state
    env = ssd.dmg_json("storage", "query", "list-devices")
    assert env["status"] == 0 and env["error"] is None
    reply = env["response"]["hosts"][srv.addr]
    assert sorted(reply["ranks"]) == sorted([r0, r1])
    assert {(d["tr_addr"], tuple(d["targets"]), d["rank"], d["state"], d["class"])
            for d in reply["devices"]} == {
        (str(srv.dir / "bdev0a.img"), (0,), r0, "NORMAL", "file"),
        (str(srv.dir / "bdev0b.img"), (1,), r0, "NORMAL", "file"),
        (str(srv.dir / "bdev1.img"), (0, 1), r1, "NORMAL", "file")}
    assert all(d["size"] == BDEV_BYTES for d in reply["devices"])


def test_list_pools(ssd):
    """SSD02"""
    r0, r1 = rank_of_engine(ssd, 0), rank_of_engine(ssd, 1)
    ranks = sorted([r0, r1])
    out = ssd.dmg_ok("storage", "query", "list-pools").stdout
    assert out == (banner(ssd) + "  Pools\n" + f"    UUID:{ssd.pool}\n"
                   + "".join(f"      Rank:{r} Targets:[0 1]\n" for r in ranks)), out

    out = ssd.dmg_ok("storage", "query", "list-pools", "--verbose").stdout
    lines = [f"    UUID:{ssd.pool}\n"]
    for r in ranks:
        e = 0 if r == r0 else 1
        blobs = {b["tgt"]: b["id"] for p in smd(ssd, e)["pools"] if p["uuid"] == ssd.pool
                 for b in p["blobs"]}
        assert sorted(blobs) == [0, 1]
        lines.append(f"      Rank:{r} Targets:[0 1] Blobs:[{blobs[0]} {blobs[1]}]\n")
    assert out == banner(ssd) + "  Pools\n" + "".join(lines), out

    out = ssd.dmg_ok("storage", "query", "list-pools", "-u", ssd.pool, "-r", str(r1)).stdout
    assert out == (banner(ssd) + "  Pools\n" + f"    UUID:{ssd.pool}\n"
                   f"      Rank:{r1} Targets:[0 1]\n"), out

    env = ssd.dmg_json("storage", "query", "list-pools", "-v")
    assert env["status"] == 0
    pools = env["response"]["hosts"][srv_of(ssd).addr]["pools"]
    assert {(p["uuid"], p["rank"], tuple(p["targets"])) for p in pools} == {
        (ssd.pool, r, (0, 1)) for r in ranks}


def health_values(text):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^ +([A-Za-z /]+):(\d+)$", text,
                                                              re.M)}


def test_device_and_target_health(ssd):
    """SSD03"""
    srv = srv_of(ssd)
    r0, r1 = rank_of_engine(ssd, 0), rank_of_engine(ssd, 1)
    dev_a = dev_by_addr(ssd, srv.dir / "bdev0a.img")
    before = health_values(ssd.dmg_ok("storage", "query", "device-health",
                                      f"--uuid={dev_a['uuid']}").stdout)
    data = os.urandom(VALUE)
    assert write(tgt_port(ssd, 0, 0), pool_bytes(ssd), 0, 101, data) == 0
    out = ssd.dmg_ok("storage", "query", "device-health", f"--uuid={dev_a['uuid']}").stdout
    assert out.startswith(banner(ssd) + "  Devices\n"
                          f"    UUID:{dev_a['uuid']} [TrAddr:{srv.dir / 'bdev0a.img'}]\n"
                          f"      Targets:[0] Rank:{r0} State:NORMAL\n"
                          "      Health Stats:\n        Timestamp:"), out
    assert "        SMART data is not available for emulated devices\n" in out
    assert "Temperature" not in out
    after = health_values(out)
    for name in ("Read Errors", "Write Errors", "Unmap Errors", "Checksum Errors"):
        assert after[name] == 0, out
    assert after["Write Ops"] > before["Write Ops"], (before, after)
    assert after["Bytes Written"] >= before["Bytes Written"] + VALUE, (before, after)

    # target-health: the device holding the target, same block
    out = ssd.dmg_ok("storage", "query", "target-health", "--rank", str(r0), "--tgtid",
                     "1").stdout
    dev_b = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    assert f"    UUID:{dev_b['uuid']} [TrAddr:{srv.dir / 'bdev0b.img'}]\n" in out, out
    assert "      Health Stats:\n" in out

    # the injected read error of engine 1's device (D_BIO_FAULT, count 1)
    port = tgt_port(ssd, 1, 1)
    assert write(port, pool_bytes(ssd), 1, 102, data) == 0
    status, _ = read(port, pool_bytes(ssd), 1, 102, VALUE)
    assert status == DER_NVME_IO
    status, got = read(port, pool_bytes(ssd), 1, 102, VALUE)
    assert status == 0 and got == data
    out = ssd.dmg_ok("storage", "query", "target-health", "-r", str(r1), "-t", "1").stdout
    vals = health_values(out)
    assert vals["Read Errors"] == 1 and vals["Write Errors"] == 0, out
    env = ssd.dmg_json("storage", "query", "target-health", "-r", str(r1), "-t", "1")
    (dev,) = env["response"]["hosts"][srv.addr]["devices"]
    assert dev["health"]["read_errs"] == 1 and dev["health"]["smart"] is False

    # scan --nvme-meta / --nvme-health: per controller
    out = ssd.dmg_ok("storage", "scan", "--nvme-meta").stdout
    assert out.startswith(banner(ssd)), out
    assert f"TrAddr:{srv.dir / 'bdev0b.img'} Class:file Capacity:1000 MB\n  SMD Devices\n" \
           f"    UUID:{dev_b['uuid']} [TrAddr:{srv.dir / 'bdev0b.img'}]\n" \
           f"      Targets:[1] Rank:{r0} State:NORMAL\n" in out, out
    out = ssd.dmg_ok("storage", "scan", "--nvme-health").stdout
    assert out.count("  Health Stats:\n") == 3, out


def test_bad_arguments(ssd):
    """SSD04"""
    srv = srv_of(ssd)
    before = devices(ssd)
    r0 = rank_of_engine(ssd, 0)
    ghost = "11111111-2222-3333-4444-555555555555"
    host = srv.addr

    res = ssd.dmg("storage", "query", "device-health", f"--uuid={ghost}")
    assert res.returncode == 1
    assert res.stderr == ("ERROR: dmg: DAOS error (-1005): DER_NONEXIST: no NVMe device "
                          f"{ghost} on the host queried\n"), res.stderr
    env = ssd.dmg_json("storage", "query", "list-pools", "--uuid", ghost)
    assert env["status"] == DER_NONEXIST and "no pool" in env["error"], env

    res = ssd.dmg("storage", "query", "list-devices", "--rank", "7")
    assert res.returncode == 1
    assert "DER_NONEXIST: rank 7 is not a rank of the host queried" in res.stderr, res.stderr

    res = ssd.dmg("storage", "query", "target-health", "--rank", str(r0), "--tgtid", "5")
    assert res.returncode == 1
    assert res.stderr == (f"ERROR: dmg: {host} DAOS error (-1003): DER_INVAL: engine 0: "
                          "target 5 is out of range: this engine has 2 targets (0-1)\n"), \
        res.stderr
    env = ssd.dmg_json("storage", "query", "target-health", "--rank", str(r0), "--tgtid", "5")
    assert env["status"] == DER_INVAL and env["error"].startswith(f"{host} DAOS error"), env

    for args, msg in (
            (["storage", "set", "nvme-faulty", "--uuid=xyz"],
             "invalid --uuid: 'xyz' is not a UUID"),
            (["storage", "set", "nvme-faulty"], "the required flag `-u, --uuid' was not specified"),
            (["storage", "query", "target-health", "--rank", "0"],
             "the required flag `-t, --tgtid' was not specified"),
            (["storage", "replace", "nvme", "--old-uuid", ghost],
             "the required flag `--new-uuid' was not specified"),
            (["storage", "query", "target-health", "-r", "0", "-t", "64"],
             "invalid --tgtid: '64' (expected an integer from 0 to 63)")):
        res = ssd.dmg(*args)
        assert res.returncode == 1 and res.stderr.startswith(f"ERROR: dmg: {msg}\n"), res.stderr

    res = ssd.dmg("storage", "set", "nvme-faulty", f"--uuid={ghost}")
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: {host} DAOS error (-1005): DER_NONEXIST: no "
                                 f"NVMe device {ghost} on "), res.stderr
    dev = before[0]["uuid"]
    res = ssd.dmg("storage", "replace", "nvme", "--old-uuid", dev, "--new-uuid", dev)
    assert res.returncode == 1
    assert "DAOS error (-1003): DER_INVAL: " in res.stderr and "is NORMAL: only a FAULTY or " \
        "EVICTED device can be replaced" in res.stderr, res.stderr
    assert devices(ssd) == before


def test_identify_vmd(ssd):
    """SSD05"""
    srv = srv_of(ssd)
    host = srv.addr
    dev_a = dev_by_addr(ssd, srv.dir / "bdev0a.img")
    res = ssd.dmg("storage", "identify", "vmd", f"--uuid={dev_a['uuid']}")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith(f"ERROR: dmg: {host} DAOS error (-1010): DER_NOSYS: "), \
        res.stderr
    # the seed's line as DAOS prints it with the default port (-l localhost)
    res = ssd.dmg("storage", "identify", "vmd", f"--uuid={dev_a['uuid']}",
                  hosts=f"localhost:{srv.port}")
    assert f"localhost:{srv.port} DAOS error (-1010): DER_NOSYS" in res.stderr, res.stderr
    env = ssd.dmg_json("storage", "identify", "vmd", f"--uuid={dev_a['uuid']}")
    assert env["status"] == DER_NOSYS and env["response"]["host_errors"][host]["status"] \
        == DER_NOSYS, env

    # engine 1 runs with the VMD emulation switch: QUICK_BLINK for VMD_LED_PERIOD (1 s)
    dev1 = dev_by_addr(ssd, srv.dir / "bdev1.img")
    out = ssd.dmg_ok("storage", "identify", "vmd", f"--uuid={dev1['uuid']}").stdout
    assert out == (banner(ssd) + "  Devices\n" + f"    UUID:{dev1['uuid']} [TrAddr:"
                   f"{srv.dir / 'bdev1.img'}] LED:QUICK_BLINK\n"), out
    assert dev_by_addr(ssd, srv.dir / "bdev1.img")["led"] in ("QUICK_BLINK", "OFF")
    wait_for("the LED back to OFF",
             lambda: dev_by_addr(ssd, srv.dir / "bdev1.img")["led"] == "OFF", 10, 0.3)
    assert next(d for d in smd(ssd, 1)["devices"] if d["uuid"] == dev1["uuid"])["led"] == "OFF"


def test_set_faulty(ssd):
    """SSD06"""
    srv = srv_of(ssd)
    r0 = rank_of_engine(ssd, 0)
    pool = pool_bytes(ssd)
    dev_b = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    old = os.urandom(VALUE)
    assert write(tgt_port(ssd, 0, 1), pool, 1, 201, old) == 0

    out = ssd.dmg_ok("storage", "set", "nvme-faulty", f"--uuid={dev_b['uuid']}").stdout
    assert out == (banner(ssd) + "  Devices\n"
                   f"    UUID:{dev_b['uuid']} Targets:[] Rank:{r0} State:FAULTY\n"), out
    d = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    assert d["state"] == "FAULTY" and d["targets"] == [1]
    # the RAS event reached the server (its log line; syslog is test_ras.py's)
    line = wait_for("device_set_faulty in the server log", lambda: next(
        (x for x in srv.log_text().splitlines()
         if "id: [device_set_faulty]" in x and dev_b["uuid"] in x), None), 10)
    assert "sev: [NOTICE]" in line and "manual" in line, line
    assert next(x for x in smd(ssd, 0)["devices"] if x["uuid"] == dev_b["uuid"])["state"] \
        == "FAULTY"

    # its target refuses blob writes, serves reads; the other device's target writes
    assert write(tgt_port(ssd, 0, 1), pool, 1, 202, os.urandom(VALUE)) == DER_NVME_IO
    status, got = read(tgt_port(ssd, 0, 1), pool, 1, 201, VALUE)
    assert status == 0 and got == old
    assert write(tgt_port(ssd, 0, 0), pool, 0, 203, os.urandom(VALUE)) == 0

    out = ssd.dmg_ok("storage", "query", "device-health", f"--uuid={dev_b['uuid']}").stdout
    assert "        I/O Failed:YES (set faulty; writes are refused)\n" in out, out
    assert health_values(out)["Write Errors"] == 0, out

    env = ssd.dmg_json("storage", "set", "nvme-faulty", f"--uuid={dev_b['uuid']}", "--force")
    assert env["status"] == DER_ALREADY and "is already FAULTY" in env["error"], env


def restart_rank(cluster, rank):
    cluster.dmg_ok("system", "stop", "--ranks", str(rank))
    wait_for(f"rank {rank} stopped", lambda: any(
        m["rank"] == rank and m["state"] == "Stopped" for m in cluster.members()), 60)
    cluster.dmg_ok("system", "start", "--ranks", str(rank))
    cluster.wait_members(2, timeout=60)


def test_faulty_persists_and_reuse(ssd):
    """SSD07"""
    srv = srv_of(ssd)
    r0 = rank_of_engine(ssd, 0)
    pool = pool_bytes(ssd)
    dev_b = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    assert dev_b["state"] == "FAULTY"
    restart_rank(ssd, r0)
    d = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    assert d["state"] == "FAULTY" and d["open"] is False, d
    # the pool of target 1 is not served without its device; target 0 still writes
    assert write(tgt_port(ssd, 0, 1), pool, 1, 301, os.urandom(VALUE)) == DER_NO_HDL
    assert write(tgt_port(ssd, 0, 0), pool, 0, 302, os.urandom(VALUE)) == 0

    out = ssd.dmg_ok("storage", "replace", "nvme", f"--old-uuid={dev_b['uuid']}",
                     f"--new-uuid={dev_b['uuid']}").stdout
    assert out == (banner(ssd) + "  Devices\n"
                   f"    UUID:{dev_b['uuid']} Targets:[] Rank:{r0} State:NORMAL\n"), out
    assert dev_by_addr(ssd, srv.dir / "bdev0b.img")["state"] == "NORMAL"
    restart_rank(ssd, r0)
    d = dev_by_addr(ssd, srv.dir / "bdev0b.img")
    assert d["state"] == "NORMAL" and d["open"] is True and d["targets"] == [1], d
    data = os.urandom(VALUE)
    assert write(tgt_port(ssd, 0, 1), pool, 1, 303, data) == 0
    status, got = read(tgt_port(ssd, 0, 1), pool, 1, 303, VALUE)
    assert status == 0 and got == data
    status, got = read(tgt_port(ssd, 0, 1), pool, 1, 201, VALUE)
    assert status == 0 and len(got) == VALUE


def test_new_device_and_replace(ssd):
    """SSD08"""
    srv = srv_of(ssd)
    r1 = rank_of_engine(ssd, 1)
    # the administrator adds a bdev file to engine 1 and restarts the server
    assert srv.stop() == 0
    new = srv.dir / "bdev1new.img"
    with open(new, "wb") as f:
        f.truncate(BDEV_BYTES)
    srv.extra_bdev = True
    srv.read_fault = False
    srv.write_config(ssd.aps)
    srv.start()
    srv.wait_ready()
    ssd.wait_members(2, timeout=60)
    d = dev_by_addr(ssd, new)
    assert d["state"] == "NEW" and d["targets"] == [] and d["rank"] == r1, d
    out = ssd.dmg_ok("storage", "query", "list-devices", "--rank", str(r1)).stdout
    assert f"    UUID:{d['uuid']} [TrAddr:{new}]\n      Targets:[] Rank:{r1} State:NEW\n" \
        in out, out

    old = dev_by_addr(ssd, srv.dir / "bdev1.img")
    ssd.dmg_ok("storage", "set", "nvme-faulty", "-u", old["uuid"])
    before = devices(ssd)
    res = ssd.dmg("storage", "replace", "nvme", "--old-uuid", old["uuid"], "--new-uuid",
                  d["uuid"])
    assert res.returncode == 1
    assert res.stderr.startswith(f"ERROR: dmg: {srv.addr} DAOS error (-2037): "
                                 "DER_NOTSUPPORTED: engine 1: replacing device "), res.stderr
    assert devices(ssd) == before
    # a NEW device cannot be the old one
    env = ssd.dmg_json("storage", "replace", "nvme", "--old-uuid", d["uuid"], "--new-uuid",
                       d["uuid"])
    assert env["status"] == DER_INVAL and "is NEW" in env["error"], env
    # reuse restores it; the server and every engine are still up
    ssd.dmg_ok("storage", "replace", "nvme", "--old-uuid", old["uuid"], "--new-uuid",
               old["uuid"])
    assert srv.running() and srv.engines_in("ready", "joined")
    assert len(srv.live_engine_pids()) == 2
