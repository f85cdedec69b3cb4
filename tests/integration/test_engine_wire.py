"""daos_engine's target endpoints on the wire (docs/design.md C1, C3), from a raw socket.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_engine_wire.py
One daos_server with one engine of two targets (daos_cluster.py) is formatted and joined;
the test then speaks the 40-byte header of src/proto itself (with its own CRC32C) to each
target's port, fabric_iface_port + 1 + t.

  WIRE01  PING answered by every target, reply header checked (flag, id, CRC); the
          daos_nvme.json daos_server wrote for the engine (C2)
  WIRE02  a table of bad messages (header: magic, version, CRC, body length, opcode, reply
          flag, reserved, truncated then closed; bodies: at least one malformed body per
          opcode family): each gets an error reply or a closed connection, the engine stays
          alive and a new connection's PING succeeds; the rank is still Joined at the end
  WIRE03  a target port already in use: the engine says which in its log and exits non-zero
          before registering; daos_server reports it died (engine errored, engine_died)
"""
import json
import re
import socket
import struct

import pytest

from daos_cluster import Cluster, wait_for

MAGIC = 0x534F4144          # bytes 'D','A','O','S'
VERSION = 1
HDR = struct.Struct("<IHHIiQIIII")   # magic ver op flags status rpc mapv len crc reserved
assert HDR.size == 40
F_REPLY = 1
BODY_MAX = (64 << 20) + (1 << 20)
DER_INVAL = -1003
DER_PROTO = -1014
IO_TIMEOUT = 10           # seconds for one reply
POOL = bytes([4]) * 16    # a pool the test creates on both targets

OP = {"ping": 1, "pool_create": 2, "pool_destroy": 3, "cont_create": 4, "cont_destroy": 5,
      "map_update": 6, "query": 7, "update": 16, "fetch": 17, "punch": 18,
      "punch_dkeys": 19, "punch_akeys": 20, "list_dkey": 21, "list_akey": 22,
      "list_recx": 23, "list_obj": 24, "query_key": 25}


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data, crc=0):
    """CRC32C (Castagnoli) continuing from crc, zlib convention (check value 0xE3069283)."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def header(op, body=b"", rpc=1, magic=MAGIC, version=VERSION, flags=0, status=0, mapv=0,
           body_len=None, reserved=0, crc=None):
    """A header for body; every field can be forced to a bad value."""
    blen = len(body) if body_len is None else body_len
    if crc is None:
        crc = crc32c(body, crc32c(HDR.pack(magic, version, op, flags, status, rpc, mapv, blen,
                                           0, reserved)))
    return HDR.pack(magic, version, op, flags, status, rpc, mapv, blen, crc, reserved)


def message(op, body=b"", **kw):
    return header(op, body, **kw) + body


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    s.settimeout(IO_TIMEOUT)
    return s


def recv_exact(s, n):
    """n bytes, or fewer when the peer closed."""
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def read_reply(s):
    """(header fields, body) of one reply, or None when the connection was closed."""
    raw = recv_exact(s, HDR.size)
    if len(raw) == 0:
        return None
    assert len(raw) == HDR.size, f"truncated reply header ({len(raw)} bytes)"
    f = HDR.unpack(raw)
    body = recv_exact(s, f[7])
    assert len(body) == f[7], "truncated reply body"
    zeroed = raw[:32] + b"\0\0\0\0" + raw[36:]
    assert crc32c(body, crc32c(zeroed)) == f[8], "reply CRC mismatch"
    return {"magic": f[0], "version": f[1], "op": f[2], "flags": f[3], "status": f[4],
            "rpc": f[5], "mapv": f[6], "len": f[7], "reserved": f[9]}, body


def ping(port, rpc=77):
    with connect(port) as s:
        s.sendall(message(OP["ping"], rpc=rpc))
        rep = read_reply(s)
    assert rep is not None, "PING: connection closed"
    h, body = rep
    assert (h["magic"], h["version"], h["op"], h["flags"], h["status"], h["rpc"], h["len"],
            h["reserved"]) == (MAGIC, VERSION, OP["ping"], F_REPLY, 0, rpc, 0, 0), h
    assert body == b""


def uuid_bytes(n):
    return bytes([n]) * 16


def obj_prefix(tgt=0):
    """pool, cont, target index, oid (lo, hi), epoch: 60 bytes."""
    return uuid_bytes(1) + uuid_bytes(2) + struct.pack("<IQQQ", tgt, 5, 0, 0)


def key(b):
    return struct.pack("<I", len(b)) + b


ANCHOR = b"\0" * 120

# (name, raw bytes to send, what happens): "close" (the client sends part of a message and
# shuts its side: the engine closes without a reply), "refused" (header refusals: a
# -DER_PROTO reply naming the problem, then the engine closes), or the status of the reply
# on a connection that stays open (body refusals: -DER_PROTO with the decoder's reason).
BAD = [
    ("bad magic", message(OP["ping"], magic=0x12345678), "refused"),
    ("wrong version", message(OP["ping"], version=2), "refused"),
    ("bad CRC", message(OP["ping"], b"", crc=0xDEADBEEF), "refused"),
    ("bad CRC of a body", header(OP["query"], uuid_bytes(9)) + uuid_bytes(8), "refused"),
    ("body length over the limit", header(OP["update"], body_len=BODY_MAX + 1), "refused"),
    ("unknown opcode", message(999), "refused"),
    ("opcode 0", message(0), "refused"),
    ("reply flag set", message(OP["ping"], flags=F_REPLY), "refused"),
    ("unknown flag", message(OP["ping"], flags=0x80), "refused"),
    ("status in a request", message(OP["ping"], status=-1), "refused"),
    ("nonzero reserved", message(OP["ping"], reserved=1), "refused"),
    ("truncated header then close", message(OP["ping"])[:17], "close"),
    ("truncated body then close",
     header(OP["query"], uuid_bytes(3)) + uuid_bytes(3)[:5], "close"),
    # bodies, per family
    ("ping with a body", message(OP["ping"], b"x"), DER_PROTO),
    ("update: truncated data",
     message(OP["update"], obj_prefix() + key(b"d") + struct.pack("<I", 1) + key(b"a")
             + struct.pack("<IQQI", 1, 8, 0, 1) + b"abc"), DER_PROTO),
    ("update: iod count 2^32-1",
     message(OP["update"], obj_prefix() + key(b"d") + struct.pack("<I", 0xFFFFFFFF)), DER_PROTO),
    ("update: akey length 2^32-1",
     message(OP["update"], obj_prefix() + key(b"d") + struct.pack("<II", 1, 0xFFFFFFFF)),
     DER_PROTO),
    ("update: recx count over the limit",
     message(OP["update"], obj_prefix() + key(b"d") + struct.pack("<I", 1) + key(b"a")
             + struct.pack("<IQQI", 2, 1, 0, 0xFFFFFF)), DER_PROTO),
    ("fetch: iod count 0", message(OP["fetch"], obj_prefix() + key(b"d") + b"\0" * 4), DER_PROTO),
    ("fetch: empty body", message(OP["fetch"]), DER_PROTO),
    ("fetch: iod type 7",
     message(OP["fetch"], obj_prefix() + key(b"d") + struct.pack("<I", 1) + key(b"a")
             + struct.pack("<IQQI", 7, 1, 0, 1)), DER_PROTO),
    ("list_dkey: capacity 0",
     message(OP["list_dkey"], obj_prefix() + struct.pack("<II", 0, 64) + ANCHOR), DER_PROTO),
    ("list_akey: key buffer over the limit",
     message(OP["list_akey"], obj_prefix() + key(b"d") + struct.pack("<II", 1, 0xFFFFFFFF)
             + ANCHOR), DER_PROTO),
    ("list_recx: anchor type 9",
     message(OP["list_recx"], obj_prefix() + key(b"d") + key(b"a") + struct.pack("<I", 1)
             + struct.pack("<H", 9) + ANCHOR[2:]), DER_PROTO),
    ("list_obj: truncated anchor",
     message(OP["list_obj"], obj_prefix() + struct.pack("<I", 1) + ANCHOR[:50]), DER_PROTO),
    ("punch: trailing bytes", message(OP["punch"], obj_prefix() + b"zz"), DER_PROTO),
    ("punch_dkeys: empty key",
     message(OP["punch_dkeys"], obj_prefix() + struct.pack("<I", 1) + key(b"")), DER_PROTO),
    ("punch_akeys: key count 2^32-1",
     message(OP["punch_akeys"], obj_prefix() + key(b"d") + struct.pack("<I", 0xFFFFFFFF)),
     DER_PROTO),
    ("query_key: flags 0x40",
     message(OP["query_key"], obj_prefix() + struct.pack("<I", 0x40) + key(b"") + key(b"")),
     DER_PROTO),
    ("pool_create: truncated", message(OP["pool_create"], uuid_bytes(4) + b"\1\2"), DER_PROTO),
    ("pool_destroy: trailing bytes", message(OP["pool_destroy"], uuid_bytes(4) + b"\0"),
     DER_PROTO),
    ("cont_create: truncated", message(OP["cont_create"], uuid_bytes(4)), DER_PROTO),
    ("map_update: map length over the limit",
     message(OP["map_update"], uuid_bytes(4) + struct.pack("<II", 1, 0xFFFFFFF0)), DER_PROTO),
    ("map_update: map that does not decode",
     message(OP["map_update"], POOL + struct.pack("<II", 1, 8) + b"\xa5" * 8), DER_INVAL),
    ("map_update: truncated map",
     message(OP["map_update"], POOL + struct.pack("<II", 0, 8) + b"PLMP\1\0\0\0"),
     DER_INVAL),
    ("pool_create: SCM size 2^64-1",
     message(OP["pool_create"], POOL + struct.pack("<QQ", 2**64 - 1, 0)), DER_INVAL),
    ("update: target index 7",
     message(OP["update"], POOL + uuid_bytes(2) + struct.pack("<IQQQ", 7, 5, 0, 0) + key(b"d")
             + struct.pack("<I", 1) + key(b"a") + struct.pack("<IQQI", 1, 1, 0, 1) + b"x"),
     DER_INVAL),
    ("query: empty", message(OP["query"]), DER_PROTO),
]


@pytest.fixture(name="joined")
def fixture_joined(tmp_path):
    """One server, one engine of two targets, formatted and joined."""
    c = Cluster(tmp_path / "cluster", 1, 1, engines=1, targets=2)
    try:
        c.start()
        c.format()
        c.wait_members(1)
        yield c
    finally:
        c.stop()


def engine_pid(srv):
    pids = [e["pid"] for e in srv.info()["engines"] if e["pid"]]
    assert len(pids) == 1, pids
    return pids[0]


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def test_ping_every_target(joined):
    """WIRE01: each target answers PING on fabric_iface_port + 1 + t."""
    srv = joined.servers[0]
    base = srv.fabric_ports[0]
    for t in range(2):
        ping(base + 1 + t, rpc=100 + t)
    # nothing else listens: the system context port (SWIM later) and a third target's
    for port in (base, base + 3):
        with pytest.raises(OSError):
            ping(port)
    # C2: daos_server wrote the engine's NVMe list into its SCM mount before starting it
    conf = json.loads((srv.dir / "scm0" / "daos_nvme.json").read_text())
    assert conf == {"version": 1, "devices": [{"path": str(srv.dir / "bdev0.img"),
                                               "class": "file",
                                               "size": 10**9 // 4096 * 4096}]}, conf


def pool_create(port, scm):
    with connect(port) as s:
        s.sendall(message(OP["pool_create"], POOL + struct.pack("<QQ", scm, 0)))
        rep = read_reply(s)
    assert rep is not None and rep[0]["status"] == 0, rep


def test_bad_messages(joined):
    """WIRE02: bad messages never crash or wedge the engine."""
    srv = joined.servers[0]
    pid = engine_pid(srv)
    for t in range(2):
        port = srv.fabric_ports[0] + 1 + t
        pool_create(port, 16 << 20)
        for name, raw, expect in BAD:
            with connect(port) as s:
                s.sendall(raw)
                if expect == "close":
                    s.shutdown(socket.SHUT_WR)
                try:
                    rep = read_reply(s)
                except ConnectionResetError:
                    rep = None
                except socket.timeout as exc:
                    raise AssertionError(f"{name}: no answer in {IO_TIMEOUT} s") from exc
                if expect == "close":
                    assert rep is None, (name, rep)
                else:
                    assert rep is not None, f"{name}: closed without a reply"
                    h, body = rep
                    assert h["flags"] == F_REPLY and h["reserved"] == 0, (name, h)
                    want = DER_PROTO if expect == "refused" else expect
                    assert h["status"] == want, (name, h, body)
                    if want == DER_PROTO:
                        assert body, f"{name}: refusal without a reason"
                    if expect == "refused":
                        # the engine closes after its refusal
                        assert recv_exact(s, 1) == b"", name
                    else:
                        # the connection stays usable
                        s.sendall(message(OP["ping"], rpc=5))
                        again = read_reply(s)
                        assert again is not None and again[0]["status"] == 0, (name, again)
            assert alive(pid), f"engine died after '{name}'"
            ping(port)
    # the rank is still Joined and the engine the same process
    assert engine_pid(srv) == pid
    out = joined.dmg_ok("system", "query").stdout
    assert out == "Rank State\n---- -----\n[0]  Joined\n", out
    assert [m["state"] for m in joined.members()] == ["Joined"]


def test_port_in_use(tmp_path):
    """WIRE03: an engine that cannot bind a target port exits non-zero, reported as died."""
    c = Cluster(tmp_path / "cluster", 1, 1, engines=1, targets=2)
    srv = c.servers[0]
    port = srv.fabric_ports[0] + 2   # target 1
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.1", port))
        blocker.listen(1)
        srv.write_config(c.aps)
        srv.start()
        srv.wait_ready()
        wait_for("engine 0 to be errored", lambda: srv.engines_in("errored"), 20)
        log = (srv.dir / "engine0.log").read_text(errors="replace")
        assert f"target 1 cannot listen on 127.0.0.1:{port}" in log, log
        assert "Address already in use" in log
        ctl = srv.log_text()
        assert re.search(r"engine 0 \(pid \d+\) exited unexpectedly: exit status 1", ctl), ctl
        assert "engine_died" in ctl
    finally:
        blocker.close()
        c.stop()
