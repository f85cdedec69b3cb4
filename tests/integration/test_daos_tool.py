"""The daos user tool against a real system: daos_server, two engines, daos_agent, libdaos.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_daos_tool.py

One cluster for the module (1 server x 2 engines x 2 targets, file bdevs, daos_cluster.py),
formatted, with a daos_agent started by the test (its config, socket and log in the temporary
directory) and one pool `p1` made with `dmg pool create --size 1G --tier-ratio 10,90 p1`.
Every test works on containers and attributes of its own names, so none depends on another.
Each daos run has the agent's socket directory in DAOS_AGENT_DRPC_DIR and the temporary
directory as HOME; it must exit 0 or 1 (never a signal) with no sanitizer report. At the end
the servers must still be up and stop cleanly, and the agent must exit 0 on SIGTERM.
"""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from daos_cluster import BUILD, SANITIZER_RE, Cluster, wait_for

DAOS = BUILD / "src" / "tools" / "daos" / "daos"
AGENT = BUILD / "src" / "agent" / "daos_agent"
# libdaos' example program (examples/daos_example.c): writes an SX object with data
EXAMPLE = BUILD / "src" / "client" / "daos_example"

DAOS_TIMEOUT = 60      # seconds for one daos run (libdaos' own call timeout is below it)
AGENT_TIMEOUT = 20     # seconds for the agent to create its socket or to exit
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NONEXIST = "DER_NONEXIST(-1005): 'The specified entity does not exist'"
EXIST = "DER_EXIST(-1004): 'Entity already exists'"

pytestmark = pytest.mark.skipif(not DAOS.exists() or not AGENT.exists(),
                                reason="daos tool or daos_agent not built")


class Agent:
    """A daos_agent with its config, runtime directory and log in dir; stopped by PID."""

    def __init__(self, base, access_points):
        self.dir = base / "agent"
        self.dir.mkdir()
        self.runtime = self.dir / "run"
        self.log = self.dir / "agent.log"
        self.config = self.dir / "daos_agent.yml"
        self.config.write_text(
            "name: daos_server\n"
            "access_points: [" + ", ".join(f"'{a}'" for a in access_points) + "]\n"
            "transport_config:\n  allow_insecure: true\n"
            f"runtime_dir: {self.runtime}\n"
            f"log_file: {self.log}\n"
            "control_log_mask: DEBUG\n")
        self.proc = None

    @property
    def socket(self):
        return self.runtime / "daos_agent.sock"

    def start(self):
        with open(self.dir / "stderr.log", "ab") as err:
            self.proc = subprocess.Popen([str(AGENT), "-o", str(self.config), "start"],
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         stdin=subprocess.DEVNULL)

        def up():
            assert self.proc.poll() is None, \
                f"daos_agent exited {self.proc.returncode}: " \
                + (self.dir / "stderr.log").read_text()
            return self.socket.exists()
        wait_for("the agent socket", up, AGENT_TIMEOUT)

    def stop(self):
        """SIGTERM by PID; the exit status (SIGKILL after a bounded wait)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=AGENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=AGENT_TIMEOUT)
            raise AssertionError("daos_agent ignored SIGTERM") from None


class System:
    """The module's cluster, agent and pool, and a daos runner."""

    def __init__(self, tmp, cluster, agent):
        self.tmp = tmp
        self.cluster = cluster
        self.agent = agent
        self.pool_uuid = None

    def daos(self, *args, agent_dir=None):
        """Run daos; never a crash (exit 0 or 1), never a sanitizer report."""
        env = dict(os.environ, HOME=str(self.tmp),
                   DAOS_AGENT_DRPC_DIR=str(agent_dir or self.agent.runtime))
        env.pop("D_LOG_MASK", None)
        res = subprocess.run([str(DAOS)] + [str(a) for a in args], capture_output=True,
                             text=True, timeout=DAOS_TIMEOUT, env=env, check=False)
        assert res.returncode in (0, 1), \
            f"daos {args} exited {res.returncode}: {res.stdout}\n{res.stderr}"
        assert not SANITIZER_RE.search(res.stderr), res.stderr
        return res

    def ok(self, *args):
        res = self.daos(*args)
        assert res.returncode == 0, f"daos {args}: {res.stdout}\n{res.stderr}"
        assert res.stderr == "", res.stderr
        return res.stdout

    def json(self, *args):
        """daos -j: the envelope, parsed, with DAOS's keys in DAOS's order."""
        res = self.daos("-j", *args)
        env = json.loads(res.stdout)
        assert list(env) == ["response", "error", "status"], env
        assert (res.returncode == 0) == (env["status"] == 0), (res.returncode, env)
        return env

    def fails(self, args, message):
        """daos fails (exit 1) with exactly this one line on stderr and nothing on stdout."""
        res = self.daos(*args)
        assert res.returncode == 1, f"daos {args} succeeded: {res.stdout}"
        assert res.stdout == "", res.stdout
        assert res.stderr.splitlines()[0] == f"ERROR: daos: {message}", res.stderr
        return res


@pytest.fixture(scope="module", name="system")
def fixture_system(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("daos_tool")
    cluster = Cluster(tmp / "cluster", 1, 1, engines=2, targets=2)
    agent = Agent(tmp, cluster.aps)
    try:
        cluster.start()
        cluster.format()
        cluster.wait_members(2)
        agent.start()
        # 1 GB as the brief's `dmg pool create --size 1G p1`; DAOS's default 6,94 split
        # leaves 30 MB of SCM per rank here, under the 16 MiB per target minimum
        res = cluster.dmg("pool", "create", "--size", "1G", "--tier-ratio", "10,90", "p1")
        assert res.returncode == 0, f"dmg pool create: {res.stdout}\n{res.stderr}"
        sysm = System(tmp, cluster, agent)
        env = cluster.dmg_json("pool", "query", "p1")
        assert env["status"] == 0, env
        sysm.pool_uuid = env["response"]["uuid"]
        yield sysm
        # servers up at the end: every member still Joined
        cluster.wait_members(2)
    finally:
        try:
            status = agent.stop()
        finally:
            cluster.stop()
        assert status in (0, None), f"daos_agent exited {status}"


def entity(text):
    """The "  Key : value" lines of an entity block as a dict."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^  (\S.*?) *: (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_pool_query(system):
    """pool query: DAOS's text, -e ranks, -j with PoolInfo's keys; the pool of dmg."""
    out = system.ok("pool", "query", "p1")
    lines = out.splitlines()
    assert re.fullmatch(rf"Pool {system.pool_uuid}, ntarget=4, disabled=0, leader=\d+, "
                        r"version=\d+, state=Ready", lines[0]), out
    assert lines[1] == "Pool health info:"
    assert lines[2] == "- Rebuild idle, 0 objs, 0 recs"
    assert lines[3:6] == ["Pool space info:", "- Target(VOS) count:4",
                          "- Storage tier 0 (SCM):"], out
    assert re.fullmatch(r"  Total size: \d+(\.\d)? [kMG]?B", lines[6]), out
    assert re.fullmatch(r"  Free: \S+ \S*B, min:\S+ \S*B, max:\S+ \S*B, mean:\S+ \S*B",
                        lines[7]), out
    assert lines[8] == "- Storage tier 1 (NVMe):"
    out = system.ok("pool", "query", system.pool_uuid, "-e")
    assert "- Enabled ranks: 0-1\n" in out
    env = system.json("pool", "query", "p1")
    assert env["status"] == 0 and env["error"] is None
    resp = env["response"]
    assert resp["uuid"] == system.pool_uuid
    assert resp["label"] == "p1"
    assert resp["total_targets"] == 4 and resp["active_targets"] == 4
    assert resp["disabled_targets"] == 0 and resp["total_engines"] == 2
    assert resp["state"] == "Ready"
    assert resp["rebuild"] == {"status": 0, "state": "idle", "objects": 0, "records": 0}
    assert [t["media_type"] for t in resp["tier_stats"]] == ["scm", "nvme"]
    for tier in resp["tier_stats"]:
        assert tier["total"] >= tier["free"] >= 0
        assert tier["min"] <= tier["mean"] <= tier["max"]
    out = system.ok("pool", "query", "p1", "--health-only")
    assert "Pool space info:" not in out and "- Rebuild idle" in out


def test_missing_pool(system):
    """A pool that does not exist: DAOS's message and DER code, text and -j."""
    system.fails(["pool", "query", "nopool"],
                 f"failed to connect to pool nopool: {NONEXIST}")
    system.fails(["cont", "create", "nopool", "c"],
                 f"failed to connect to pool nopool: {NONEXIST}")
    env = system.json("cont", "list", "00000000-0000-0000-0000-000000000001")
    assert env == {"response": None, "status": -1005,
                   "error": "failed to connect to pool 00000000-0000-0000-0000-000000000001: "
                            + NONEXIST}


def test_bad_arguments_nothing_sent(system, tmp_path):
    """Bad command lines: a clear error, exit 1, and no call made (an agent directory
    without a socket would otherwise turn into an agent error)."""
    cases = [
        (["pool", "qurey", "p1"], "Unknown command `qurey', did you mean `query'?"),
        (["pool", "query", "p1", "--bogus"], "unknown flag `--bogus'"),
        (["pool", "query"], "the required argument `<pool>' was not provided"),
        (["cont", "query", "p1"], "the required argument `<container>' was not provided"),
        (["cont", "create", "p1", "-P", "cksum:md5"],
         "invalid property 'cksum:md5': invalid choice 'md5' for cksum (valid: off, adler32, "
         "crc16, crc32, crc64, sha1, sha256, sha512)"),
        (["cont", "create", "p1", "-P", "frob:1"],
         "invalid property 'frob:1': unknown property 'frob' (valid: cksum, cksum_size, "
         "compression, dedup, dedup_threshold, ec_cell_sz, ec_pda, encryption, label, "
         "max_snapshot, rd_fac, rd_lvl, rp_pda, srv_cksum)"),
        (["cont", "create", "p1", "-z", "12XB"],
         "invalid -z/--chunk-size '12XB': unknown unit (use B, K, M, G, T, P, E with an "
         "optional B, or KiB, MiB, GiB, TiB, PiB, EiB)"),
        (["cont", "create", "p1", "-t", "zfs"],
         "invalid --type 'zfs' (valid: POSIX, HDF5, PYTHON, SPARK, DATABASE, ROOT, SEISMIC, "
         "METEO, unknown)"),
        (["cont", "set-prop", "p1", "c", "cksum:crc32"],
         "invalid property 'cksum:crc32': cksum can only be set when the container is "
         "created"),
        (["cont", "destroy-snap", "p1", "c"],
         "a single epoch (-e), an epoch range (-r) or a snapshot name (-s) must be provided"),
        (["obj", "query", "p1", "c", "12"],
         "invalid object id '12': expected HI.LO, two unsigned 64-bit decimal numbers"),
        (["obj", "query", "p1", "c", "1.2"],
         "invalid object id 1.2: no object class in it (ids come from "
         "daos_obj_generate_oid): DER_INVAL(-1003): 'Invalid parameters'"),
        (["pool", "set-attr", "p1", "novalue"], "invalid attribute 'novalue': expected "
                                                "name:value"),
    ]
    empty = tmp_path / "noagent"
    empty.mkdir()
    for args, message in cases:
        res = system.daos(*args, agent_dir=empty)
        assert res.returncode == 1, args
        assert res.stdout == ""
        assert res.stderr.splitlines()[0] == f"ERROR: daos: {message}", (args, res.stderr)
    # with no agent, a good command fails on the agent, not on its arguments
    res = system.daos("pool", "query", "p1", agent_dir=empty)
    assert res.returncode == 1
    assert res.stderr.startswith("ERROR: daos: failed to connect to pool p1: "), res.stderr


def test_container_lifecycle(system):
    """create (label, type, class, chunk size, properties), list, query, destroy."""
    out = system.ok("cont", "create", "p1", "lc1", "--type", "POSIX", "-o", "S1",
                    "--chunk-size", "1MiB", "--properties", "cksum:crc32,srv_cksum:on")
    ent = entity(out)
    assert ent["Container Label"] == "lc1" and ent["Container Type"] == "POSIX", out
    uuid = ent["Container UUID"]
    assert re.fullmatch(UUID_RE, uuid)
    assert out.endswith(f"\nSuccessfully created container {uuid}\n"), out
    assert out.splitlines()[:3] == [f"  Container UUID : {uuid}", "  Container Label: lc1",
                                    "  Container Type : POSIX"]
    # the same again: the label is taken
    system.fails(["cont", "create", "p1", "lc1"], f"failed to create container: {EXIST}")
    env = system.json("cont", "create", "p1", "-P", "label:lc2")
    assert env["status"] == 0, env
    lc2 = env["response"]
    assert lc2["container_label"] == "lc2" and lc2["container_type"] == "unknown"
    assert lc2["pool_uuid"] == system.pool_uuid

    listing = system.ok("cont", "list", "p1")
    lines = listing.splitlines()
    assert re.fullmatch(r"UUID +Label", lines[0]) and re.fullmatch(r"-{4} +-{5}", lines[1])
    rows = {tuple(line.split()) for line in lines[2:]}
    assert (uuid, "lc1") in rows and (lc2["container_uuid"], "lc2") in rows
    assert system.ok("pool", "list-containers", "p1") == listing
    assert system.ok("pool", "list-cont", system.pool_uuid) == listing
    env = system.json("cont", "ls", "p1")
    assert {"uuid": uuid, "label": "lc1"} in env["response"]

    for ident in ("lc1", uuid):
        ent = entity(system.ok("cont", "query", "p1", ident))
        assert ent["Container UUID"] == uuid and ent["Container Label"] == "lc1"
        assert ent["Container Type"] == "POSIX"
        assert ent["Pool UUID"] == system.pool_uuid
        assert ent["Container redundancy factor"] == "0"
        assert ent["Number of snapshots"] == "0"
        assert ent["Object Class"] == "S1"
        assert ent["Chunk Size"] == "1.0 MiB"
        assert re.fullmatch(r"0x[0-9a-f]+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} "
                            r"\+0000 UTC\)", ent["Latest open time"]), ent
    env = system.json("cont", "query", "p1", "lc1")
    resp = env["response"]
    assert resp["container_uuid"] == uuid and resp["container_label"] == "lc1"
    assert resp["container_type"] == "POSIX" and resp["chunk_size"] == 1048576
    assert resp["object_class"] == "S1" and resp["num_snapshots"] == 0

    assert system.ok("cont", "destroy", "p1", "lc1") == "Successfully destroyed container lc1\n"
    system.fails(["cont", "query", "p1", "lc1"], f"failed to open container lc1: {NONEXIST}")
    system.fails(["cont", "destroy", "p1", "lc1"],
                 f"failed to destroy container lc1: {NONEXIST}")
    env = system.json("cont", "destroy", "p1", lc2["container_uuid"], "--force")
    assert env == {"response": None, "error": None, "status": 0}
    assert "lc2" not in system.ok("cont", "list", "p1")


def test_properties(system):
    """get-prop (all, by name, -j) and set-prop (label, status) with DAOS's display names."""
    system.ok("cont", "create", "p1", "pc1", "-P", "cksum:crc64,cksum_size:64KiB,rd_lvl:rank")
    out = system.ok("cont", "get-prop", "p1", "pc1")
    lines = out.splitlines()
    assert lines[0] == "Properties for container pc1"
    assert re.fullmatch(r"Name +Value", lines[1]), out
    props = {}
    for line in lines[3:]:
        m = re.match(r"^(.*?\(\w+\)) +(.*)$", line)
        assert m, line
        props[m.group(1)] = m.group(2)
    assert props["Label (label)"] == "pc1"
    assert props["Checksum (cksum)"] == "crc64"
    assert props["Checksum Chunk Size (cksum_size)"] == "64 KiB"
    assert props["Redundancy Factor (rd_fac)"] == "rd_fac0"
    assert props["Redundancy Level (rd_lvl)"] == "rank (1)"
    assert props["Health (status)"] == "HEALTHY"
    assert props["Layout Type (layout_type)"] == "unknown (0)"
    assert "Highest Allocated OID (alloc_oid)" in props
    assert lines[-1].startswith("Access Control List (acl)"), out
    out = system.ok("cont", "get-prop", "p1", "pc1", "label,cksum")
    assert out.splitlines()[3:] == ["Label (label)    pc1", "Checksum (cksum) crc64"], out
    env = system.json("cont", "get-prop", "p1", "pc1", "cksum_size,rf")
    assert env["response"] == [
        {"name": "cksum_size", "description": "Checksum Chunk Size", "value": 65536},
        {"name": "rd_fac", "description": "Redundancy Factor", "value": "rd_fac0"}]

    assert system.ok("cont", "set-prop", "p1", "pc1", "label:pc1b,status:healthy") == \
        "Properties were successfully set\n"
    assert entity(system.ok("cont", "query", "p1", "pc1b"))["Container Label"] == "pc1b"
    env = system.json("cont", "set-prop", "p1", "pc1b", "--properties=label:pc1")
    assert env == {"response": None, "error": None, "status": 0}
    system.fails(["cont", "get-prop", "p1", "nocont"],
                 f"failed to open container nocont: {NONEXIST}")
    system.ok("cont", "destroy", "p1", "pc1")


def test_snapshots(system):
    """create-snap (named or not), list-snaps, destroy-snap by name, epoch and range."""
    system.ok("cont", "create", "p1", "sc1")
    out = system.ok("cont", "create-snap", "p1", "sc1", "-s", "first")
    m = re.fullmatch(r"snapshot/epoch (0x[0-9a-f]+) has been created\n", out)
    assert m, out
    first = int(m.group(1), 16)
    env = system.json("cont", "snap", "p1", "sc1")
    second = env["response"]["epoch"]
    assert second > first and "name" not in env["response"]
    env = system.json("cont", "snap", "p1", "sc1", "--snap", "third")
    third = env["response"]["epoch"]
    assert env["response"]["name"] == "third"

    out = system.ok("cont", "list-snaps", "p1", "sc1")
    assert out == (f"Container's snapshots :\n{first:#x} first\n{second:#x}\n"
                   f"{third:#x} third\n"), out
    env = system.json("cont", "list-snap", "p1", "sc1")
    assert env["response"] == [{"epoch": first, "name": "first"}, {"epoch": second},
                               {"epoch": third, "name": "third"}]
    ent = entity(system.ok("cont", "query", "p1", "sc1"))
    assert ent["Number of snapshots"] == "3"
    assert ent["Latest Persistent Snapshot"].startswith(f"{third:#x} ("), ent

    assert system.ok("cont", "destroy-snap", "p1", "sc1", "-s", "first") == ""
    system.fails(["cont", "destroy-snap", "p1", "sc1", "-s", "first"],
                 f"snapshot first not found in container sc1: {NONEXIST}")
    assert system.ok("cont", "destroy-snap", "p1", "sc1", "-e", str(second)) == ""
    assert system.ok("cont", "list-snaps", "p1", "sc1") == \
        f"Container's snapshots :\n{third:#x} third\n"
    assert system.ok("cont", "destroy-snap", "p1", "sc1", "-r", f"1-{third:#x}") == ""
    assert system.ok("cont", "list-snaps", "p1", "sc1") == \
        "Container's snapshots :\nno snapshots\n"
    assert system.json("cont", "list-snaps", "p1", "sc1")["response"] == []
    system.ok("cont", "destroy", "p1", "sc1")


@pytest.mark.parametrize("kind", ["pool", "cont"])
def test_attributes(system, kind):
    """set-attr (pairs and name value), list-attr (-V), get-attr, del-attr, on a pool and on
    a container; a missing attribute is DER_NONEXIST."""
    if kind == "pool":
        target = ["p1"]
        what = "pool p1"
        prefix = "tpa_"
    else:
        system.ok("cont", "create", "p1", "ac1")
        target = ["p1", "ac1"]
        what = "container ac1"
        prefix = "tca_"
    a, b, c = prefix + "a", prefix + "b", prefix + "c"
    assert system.ok(kind, "set-attr", *target, f"{a}:one,{b}:two:2") == ""
    assert system.ok(kind, "set-attr", *target, c, "three, with commas") == ""
    out = system.ok(kind, "list-attr", *target)
    assert out.splitlines()[:3] == [f"Attributes for {what}:", "Name", "----"]
    assert {a, b, c} <= set(out.splitlines()[3:])
    out = system.ok(kind, "list-attr", *target, "-V")
    rows = out.splitlines()
    assert rows[0] == f"Attributes for {what}:"
    assert re.fullmatch(r"Name +Value", rows[1])
    vals = {line.split(" ", 1)[0]: line.split(" ", 1)[1].strip() for line in rows[3:]}
    assert vals[a] == "one" and vals[b] == "two:2" and vals[c] == "three, with commas"
    env = system.json(kind, "list-attr", *target, "--verbose")
    assert env["response"][a] == "b25l"           # base64, as DAOS's []byte
    out = system.ok(kind, "get-attr", *target, b)
    assert out == f"Attributes for {what}:\nName {' ' * (len(b) - 4)}Value\n" \
                  f"---- {' ' * (len(b) - 4)}-----\n{b} two:2\n"
    env = system.json(kind, "get-attr", *target, f"{a},{c}")
    assert env["response"] == [{"name": a, "value": "b25l"},
                               {"name": c, "value": "dGhyZWUsIHdpdGggY29tbWFz"}]
    assert system.ok(kind, "del-attr", *target, a) == ""
    system.fails([kind, "get-attr", *target, a],
                 f"failed to get attribute '{a}' from {what}: {NONEXIST}")
    system.fails([kind, "del-attr", *target, a],
                 f"failed to delete attribute '{a}' on {what}: {NONEXIST}")
    assert a not in system.ok(kind, "list-attr", *target).splitlines()
    system.ok(kind, "del-attr", *target, f"{b},{c}")
    if kind == "cont":
        system.ok("cont", "destroy", "p1", "ac1")


def test_object_query(system):
    """object query: the class and groups from the oid, the ranks from libdaos, DAOS's
    first line; -j with objectLayout's keys."""
    system.ok("cont", "create", "p1", "oc1")
    # an S1 object id (type 0, redundancy RP_1, 1 group): hi = 1 << 48 | 1 << 32
    hi = (1 << 48) | (1 << 32)
    out = system.ok("obj", "query", "p1", "oc1", f"{hi}.7")
    lines = out.splitlines()
    assert lines[0] == f"oid: {hi}.7 ver 0 grp_nr: 1", out
    assert lines[1] == "class: S1 type: MULTI_HASHED"
    assert lines[2] == "grp: 0"
    assert re.fullmatch(r"replica 0( [01])?", lines[3]), out
    env = system.json("object", "query", "p1", "oc1", "--oid", f"{hi}.7")
    resp = env["response"]
    assert resp["oid"] == f"{hi}.7" and resp["class"] == "S1" and resp["version"] == 0
    assert len(resp["shards"]) == 1 and len(resp["shards"][0]["replicas"]) == 1
    assert "max dkey: none (empty object)" in out
    system.fails(["obj", "query", "p1", "nocont", f"{hi}.7"],
                 f"failed to open container nocont: {NONEXIST}")
    system.ok("cont", "destroy", "p1", "oc1")


@pytest.mark.skipif(not EXAMPLE.exists(), reason="libdaos example not built")
def test_object_query_with_data(system):
    """object query of an object that holds data: libdaos' example program writes an SX
    object (lo = 1, dkey "greetings") in container oex; SX over the pool's 4 targets is 4
    groups (class S4), its shards on both ranks."""
    env = dict(os.environ, DAOS_AGENT_DRPC_DIR=str(system.agent.runtime))
    res = subprocess.run([str(EXAMPLE), "p1", "oex"], capture_output=True, text=True,
                         timeout=DAOS_TIMEOUT, env=env, check=False)
    assert res.returncode == 0, res.stderr
    hi = (1 << 48) | (4 << 32)
    out = system.ok("obj", "query", "p1", "oex", f"{hi}.1")
    lines = out.splitlines()
    assert lines[:3] == [f"oid: {hi}.1 ver 0 grp_nr: 4", "class: S4 type: MULTI_HASHED",
                         "grp: 0"], out
    assert [x for x in lines if x.startswith("grp: ")] == [f"grp: {g}" for g in range(4)]
    ranks = next(x for x in lines if x.startswith("ranks: ")).split()[1:]
    assert sorted(ranks) == ["0", "1"], out
    assert lines[-1] == "max dkey: greetings"
    resp = system.json("obj", "query", "p1", "oex", f"{hi}.1")["response"]
    assert resp["class"] == "S4" and len(resp["shards"]) == 4
    assert sorted(resp["ranks"]) == [0, 1] and resp["max_dkey"] == "greetings"
    system.ok("cont", "destroy", "p1", "oex", "--force")


def test_json_of_commands_without_output(system):
    """Commands that print nothing on success answer -j with a null response; --verbose
    traces the calls on stderr, never on stdout."""
    null = {"response": None, "error": None, "status": 0}
    assert system.json("cont", "create", "p1", "jc1")["status"] == 0
    assert system.json("cont", "set-attr", "p1", "jc1", "k:v") == null
    assert system.json("pool", "set-attr", "p1", "tjn_k:v") == null
    assert system.json("pool", "del-attr", "p1", "tjn_k") == null
    epoch = system.json("cont", "create-snap", "p1", "jc1")["response"]["epoch"]
    assert system.json("cont", "destroy-snap", "p1", "jc1", "--epc", str(epoch)) == null
    env = system.json("cont", "destroy-snap", "p1", "jc1", "--epc", str(epoch))
    assert env["status"] == -1005 and env["response"] is None
    assert env["error"] == f"failed to destroy snapshot of container jc1: {NONEXIST}"
    res = system.daos("--verbose", "cont", "query", "p1", "jc1")
    assert res.returncode == 0
    assert res.stderr.splitlines()[:2] == ["daos: connecting to pool p1 (read-only)",
                                           "daos: opening container jc1 (read-only)"]
    assert res.stdout.startswith("  Container UUID")
    out = system.ok("pool", "query", "p1", "--show-disabled")
    assert "Disabled ranks" not in out
    assert system.json("pool", "query", "p1", "-b")["response"]["disabled_ranks"] == []
    system.ok("cont", "destroy", "p1", "jc1")


def test_servers_up(system):
    """Everything above left the system as it was: both ranks Joined, the pool Ready."""
    system.cluster.wait_members(2)
    env = system.json("pool", "query", "p1")
    assert env["response"]["state"] == "Ready"
    # bounded: a query answers well within the timeout
    start = time.monotonic()
    system.ok("pool", "query", "p1", "-t")
    assert time.monotonic() - start < DAOS_TIMEOUT
