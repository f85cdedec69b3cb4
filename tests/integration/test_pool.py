"""Pools and containers: daos_server's pool and container methods (docs/design.md, C4) over
real engines, and dmg's pool commands.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_pool.py
One cluster serves the module (one daos_server, two engines of two targets each, 1 GiB of
SCM and a 1 GB file bdev per engine; daos_cluster.py starts and stops every process by PID);
each test creates the pools it needs under its own labels and destroys them, so tests do
not depend on each other. The cluster must stop cleanly at the end: servers stay up.

  POOL01  create with --size and the default tier ratio, label positional; storage usage
          before, after, and back to the same figures after destroy
  POOL02  create with --label, --size and --tier-ratio on --nranks 1
  POOL03  create with per-rank --scm-size/--nvme-size on --ranks, --nsvc; -j reply
  POOL04  pool list, list -v, list -n, list -j, system list-pools
  POOL05  pool query (space per tier: totals, min/max/mean) and query-targets
  POOL06  get-prop / set-prop, properties at create, label changes
  POOL07  too large: -DER_NOSPACE naming the largest size; duplicate label: -DER_EXIST;
          nothing left behind
  POOL08  destroy of a pool with containers: refused without --recursive/--force
  POOL09  exclude / reintegrate: map version, disabled targets, the map clients get
  POOL10  containers through the control API (C4): create, list, query, set-prop,
          attributes, snapshots, object ids, destroy; pool attributes; errors
  POOL11  bad arguments of every pool subcommand: clear error, exit 1, nothing sent
  POOL12  a create that a target refuses is undone: destroyed on every target, no record,
          the space back, the target's error in the reply
  POOL13  mutual TLS: dmg (admin) creates, queries and destroys; the leader's storage scan
          and the servers' storage_alloc use the server certificate; an agent may call the
          non-admin methods of C4 and is refused the admin ones
"""
import base64
import re
import socket
import struct
import subprocess
import uuid as uuidlib

import pytest

from daos_cluster import REPO, Cluster, api_call, tls_context

TARGETS = 2


@pytest.fixture(name="c", scope="module")
def fixture_cluster(tmp_path_factory):
    """One server, two engines Joined; stopped (exit 0, nothing left) at the end."""
    c = Cluster(tmp_path_factory.mktemp("pool"), 1, 1, engines=2, targets=TARGETS)
    try:
        c.start()
        c.format()
        c.wait_members(2)
        yield c
        # servers stayed up through everything: both ranks still Joined
        assert [m["state"] for m in c.members()] == ["Joined", "Joined"]
    finally:
        c.stop()


def call(c, method, body=None):
    """A control API call to the MS leader: (HTTP status, reply)."""
    return api_call(c.servers[0].addr, method, body)


def usage(c):
    """(text table, per-host JSON) of dmg storage query usage."""
    text = c.dmg_ok("storage", "query", "usage").stdout
    env = c.dmg_json("storage", "query", "usage")
    assert env["status"] == 0, env
    return text, env["response"]["hosts"][c.servers[0].addr]


def pools(c):
    env = c.dmg_json("pool", "list", "-n")
    assert env["status"] == 0, env
    return {p["label"]: p for p in env["response"]["pools"]}


def create(c, *args):
    env = c.dmg_json("pool", "create", *args)
    assert env["status"] == 0, env
    return env["response"]


def destroy(c, pool, *flags):
    res = c.dmg_ok("pool", "destroy", pool, *flags)
    assert res.stdout == "Pool-destroy command succeeded\n"


def fail(c, *args, hosts=None):
    res = c.dmg(*args, hosts=hosts)
    assert res.returncode == 1, (args, res.stdout, res.stderr)
    return res.stderr


def test_create_default_ratio(c):
    """POOL01: --size with DAOS's 6,94 ratio on every rank; usage follows the pool."""
    before_text, before = usage(c)
    res = c.dmg_ok("pool", "create", "p01", "-z", "1.2G")
    out = res.stdout
    # per target: SCM in 4 KiB units, NVMe in whole MiB (the ratio shows the rounding)
    assert out.startswith("Creating DAOS pool with automatic storage allocation: 1.2 GB total, "
                          "6,94 tier ratio\nPool created with 6.02%,93.98% storage tier ratio\n"
                          "-------------------------------------------------\n"), out
    assert re.search(r"\n  UUID                 : [0-9a-f-]{36}\n", out), out
    assert "\n  Service Leader       : 0\n" in out
    assert "\n  Storage Ranks        : [0-1]\n" in out
    assert "\n  Total Size           : 1.2 GB\n" in out
    assert "\n  Storage tier 0 (SCM) : 72 MB (36 MB / rank)\n" in out
    assert "\n  Storage tier 1 (NVMe): 1.1 GB (562 MB / rank)\n" in out
    try:
        p = pools(c)["p01"]
        assert p["state"] == "Ready" and p["targets_total"] == 2 * TARGETS
        after_text, after = usage(c)
        assert after_text != before_text
        assert after["nvme_total"] == before["nvme_total"]
        # the pool's NVMe: 564 MB per rank rounded to whole MiB per target
        taken = before["nvme_free"] - after["nvme_free"]
        assert 2 * 560e6 < taken <= 2 * 564e6, taken
        assert before["scm_free"] - after["scm_free"] >= 2 * 35e6
    finally:
        destroy(c, "p01")
    assert "p01" not in pools(c)
    text, now = usage(c)
    assert now["nvme_free"] == before["nvme_free"]
    assert text == before_text


def test_create_tier_ratio_nranks(c):
    """POOL02: --label, a tier ratio, one rank."""
    resp = create(c, "--label", "p02", "-z", "1G", "-t", "20,80", "-k", "1")
    try:
        assert resp["label"] == "p02" and resp["tgt_ranks"] == [0]
        assert resp["svc_reps"] == [0] and resp["svc_ldr"] == 0
        scm, nvme = resp["tier_bytes"]
        assert 199e6 < scm <= 200e6 and 798e6 < nvme <= 800e6, resp
        out = c.dmg_ok("pool", "query", "p02").stdout
        assert out.startswith(f"Pool {resp['uuid']}, ntarget={TARGETS}, disabled=0, leader=0, "
                              "version=1, state=Ready\n"), out
    finally:
        destroy(c, "p02")


def test_create_manual_sizes(c):
    """POOL03: per-rank SCM and NVMe on chosen ranks, one service replica, -j."""
    resp = create(c, "p03", "-s", "100M", "-n", "200M", "-r", "1", "-v", "1", "-u", "alice",
                  "-g", "staff")
    try:
        assert set(resp) >= {"uuid", "label", "svc_ldr", "svc_reps", "tgt_ranks", "tier_bytes"}
        assert resp["tgt_ranks"] == [1] and resp["svc_reps"] == [1]
        # per target: SCM in 4 KiB, NVMe in 1 MiB units
        assert resp["tier_bytes"] == [TARGETS * (50000000 // 4096 * 4096),
                                      TARGETS * (100000000 >> 20 << 20)]
        out = c.dmg_ok("pool", "create", "p03b", "-s", "100M").stdout
        assert "Creating DAOS pool with manual per-engine storage allocation: 100 MB SCM, " \
               "0 B NVMe (100.00% ratio)\n" in out
        assert "Pool created with 100.00%,0.00% storage tier ratio" in out
    finally:
        destroy(c, "p03")
        destroy(c, "p03b")


def test_list(c):
    """POOL04: pool list as DAOS prints it, verbose, no-query, JSON, system list-pools."""
    assert c.dmg_ok("pool", "list").stdout == "No pools in system\n"
    a = create(c, "p04a", "-z", "1.2G")
    create(c, "-z", "200M", "-t", "50,50", "-k", "1")
    try:
        out = c.dmg_ok("pool", "list").stdout
        lines = out.splitlines()
        assert lines[0].split() == ["Pool", "Size", "State", "Used", "Imbalance", "Disabled"]
        rows = {l.split()[0]: l.split() for l in lines[2:] if l}
        assert rows["p04a"][1:] == ["1.1", "GB", "Ready", "0%", "0%", "0/4"], rows
        unlabeled = [k for k in rows if k != "p04a"]
        assert len(unlabeled) == 1 and len(unlabeled[0]) == 8  # first part of the UUID
        assert out.endswith("\n\n")
        assert c.dmg_ok("system", "list-pools").stdout == out
        verbose = c.dmg_ok("pool", "list", "-v").stdout.splitlines()
        assert verbose[0].split() == ["Label", "UUID", "State", "SvcReps", "SCM", "Size", "SCM",
                                      "Used", "SCM", "Imbalance", "NVME", "Size", "NVME", "Used",
                                      "NVME", "Imbalance", "Disabled", "UpgradeNeeded?",
                                      "Rebuild", "State"]
        assert any(l.startswith("p04a  " + a["uuid"] + " Ready [0]") for l in verbose), \
            verbose
        assert any(l.startswith("-     ") for l in verbose)
        noq = c.dmg_ok("pool", "list", "-v", "-n").stdout.splitlines()
        assert noq[0].split() == ["Label", "UUID", "State", "SvcReps", "Disabled",
                                  "UpgradeNeeded?", "Rebuild", "State"]
        env = c.dmg_json("pool", "list")
        p = {x["uuid"]: x for x in env["response"]["pools"]}[a["uuid"]]
        assert [u["tier_name"] for u in p["usage"]] == ["SCM", "NVME"]
        assert p["usage"][1]["size"] > 0 and p["usage"][1]["free"] <= p["usage"][1]["size"]
        assert c.dmg_json("system", "list-pools")["response"]["pools"][0]["uuid"] in \
            {a["uuid"]} | {x["uuid"] for x in env["response"]["pools"]}
    finally:
        for uuid in [x["uuid"] for x in pools(c).values()]:
            destroy(c, uuid)
    assert c.dmg_ok("system", "list-pools").stdout == "No pools in system\n"


def test_query_and_targets(c):
    """POOL05: space per tier over the targets, and per target."""
    resp = create(c, "p05", "-z", "1.2G")
    try:
        out = c.dmg_ok("pool", "query", "p05").stdout
        assert out.startswith(f"Pool {resp['uuid']}, ntarget=4, disabled=0, leader=0, "
                              "version=1, state=Ready\nPool health info:\n"
                              "- Rebuild idle, 0 objs, 0 recs\nPool space info:\n"
                              "- Target(VOS) count:4\n- Storage tier 0 (SCM):\n"), out
        assert re.search(r"\n- Storage tier 1 \(NVMe\):\n  Total size: 1\.1 GB\n  Free: \S+ \S+, "
                         r"min:\S+ \S+, max:\S+ \S+, mean:\S+ \S+\n$", out), out
        q = c.dmg_json("pool", "query", "p05")["response"]
        assert q["total_targets"] == 4 and q["active_targets"] == 4
        assert q["disabled_targets"] == 0 and q["total_engines"] == 2
        assert q["map_version"] == 1 and q["svc_reps"] == [0] and q["state"] == "Ready"
        assert q["rebuild"] == {"status": 0, "state": "idle", "objects": 0, "records": 0}
        for t in q["tier_stats"]:
            assert t["media_type"] in ("scm", "nvme")
            assert 0 < t["free"] <= t["total"]
            assert t["min"] <= t["mean"] <= t["max"]
            assert t["mean"] == t["free"] // 4
        nvme = q["tier_stats"][1]
        assert nvme["total"] == 4 * (282000000 >> 20 << 20)
        out = c.dmg_ok("pool", "query", "p05", "-e", "-b").stdout
        assert "\n- Enabled ranks: 0-1\n- Disabled ranks: \n" in out, out

        out = c.dmg_ok("pool", "query-targets", "p05", "--rank", "1").stdout
        assert out.count("Target: type unknown, state up_in\n") == 2, out
        assert out.count("- Storage tier 1 (NVMe):\n  Total size: 281 MB\n  Free: ") == 2
        env = c.dmg_json("pool", "query-targets", resp["uuid"], "--rank", "0",
                         "--target-idx", "1")
        infos = env["response"]["infos"]
        assert [(i["rank"], i["target"], i["state"]) for i in infos] == [(0, 1, "up_in")]
        assert [s["media_type"] for s in infos[0]["space"]] == ["scm", "nvme"]
        err = fail(c, "pool", "query-targets", "p05", "--rank", "7")
        assert "rank 7 does not host pool" in err and "DER_NONEXIST" in err
        err = fail(c, "pool", "query-targets", "p05", "--rank", "0", "--target-idx", "5")
        assert "has no target 5 (it has 2)" in err
    finally:
        destroy(c, "p05")


def test_props(c):
    """POOL06: properties: defaults, set-prop, create -P, label changes, -j."""
    create(c, "p06", "-z", "1.2G", "-P", "reclaim:disabled,svc_rf:0")
    try:
        out = c.dmg_ok("pool", "get-prop", "p06").stdout
        lines = out.splitlines()
        assert lines[0] == "Pool p06 properties:"
        assert lines[1].split() == ["Name", "Value"] and len(lines) == 3 + 23
        table = {l.rsplit(" ", 1)[0].strip(): l.rsplit(" ", 1)[1] for l in lines[3:]}
        assert table["Reclaim strategy (reclaim)"] == "disabled"
        assert table["Pool label (label)"] == "p06"
        assert table["Rebuild space ratio (space_rb)"] == "0%"
        assert table["Pool service redundancy factor (svc_rf)"] == "0"
        assert re.search(r"\nEC cell size \(ec_cell_sz\) +64 KiB\n", out), out
        assert c.dmg_ok("pool", "set-prop", "p06", "space_rb:25,self_heal:exclude").stdout == \
            "pool set-prop succeeded\n"
        out = c.dmg_ok("pool", "get-prop", "p06", "space_rb,self_heal").stdout
        assert out == ("Pool p06 properties:\n"
                       "Name                            Value\n"
                       "----                            -----\n"
                       "Self-healing policy (self_heal) exclude\n"
                       "Rebuild space ratio (space_rb)  25%\n"), out
        env = c.dmg_json("pool", "get-prop", "p06", "space_rb,svc_list,label")
        assert env["response"]["props"] == [
            {"name": "label", "description": "Pool label", "value": "p06"},
            {"name": "space_rb", "description": "Rebuild space ratio", "value": 25},
            {"name": "svc_list", "description": "Pool service replica list", "value": [0]}]
        c.dmg_ok("pool", "set-prop", "p06", "label:p06-renamed")
        assert "p06-renamed" in pools(c)
        c.dmg_ok("pool", "set-prop", "p06-renamed", "label:p06")
        err = fail(c, "pool", "set-prop", "p06", "svc_rf:1")
        assert "pool property 'svc_rf' can only be set at pool create" in err
        # server-side checks too (a client that skips dmg's)
        st, r = call(c, "pool_set_prop", {"pool": "p06", "props": {"space_rb": "101"}})
        assert st == 400 and r["status"] == -1003
        assert r["error"] == "invalid space_rb value 101 (valid values: 0-100)"
    finally:
        destroy(c, "p06")


def test_nospace_duplicate(c):
    """POOL07: too large names the limit; a used label is refused; nothing left behind."""
    before_text, before = usage(c)
    err = fail(c, "pool", "create", "p07", "-z", "100G")
    assert "DER_NOSPACE(-1007)" in err, err
    m = re.search(r"not enough SCM space: 3\.0 GB per rank requested, the largest possible is "
                  r"(\S+ GB) per rank \((\d+) bytes, rank \d\)", err)
    assert m, err
    assert 1.0e9 < int(m.group(2)) <= before["scm_total"] / 2, err
    err = fail(c, "pool", "create", "p07", "-s", "100M", "-n", "2G")
    assert re.search(r"not enough NVMe space: 2\.0 GB per rank requested, the largest possible "
                     r"is \S+ MB per rank \(\d+ bytes, rank \d\): DER_NOSPACE", err), err
    err = fail(c, "pool", "create", "p07", "-z", "1G")
    assert "SCM size 30 MB per rank is below the minimum of 34 MB per rank (16 MiB per " \
           "target)" in err and "DER_INVAL" in err, err
    create(c, "p07", "-z", "1.2G")
    try:
        err = fail(c, "pool", "create", "p07", "-s", "50M")
        assert re.search(r"label 'p07' is used by pool [0-9a-f-]{36}: DER_EXIST\(-1004\)", err), err
        # 50% of the free space fits; all of it again after that does not
        half = create(c, "p07b", "-z", "50%", "-k", "1")
        assert half["tier_bytes"][0] > 0
        err = fail(c, "pool", "create", "p07c", "-s", "1G", "-k", "1")
        assert "DER_NOSPACE" in err
    finally:
        destroy(c, "p07")
        destroy(c, "p07b")
    assert set(pools(c)) == set()
    assert usage(c)[0] == before_text


def test_destroy_with_containers(c):
    """POOL08: a pool with containers needs --recursive or --force."""
    create(c, "p08", "-z", "1.2G")
    st, r = call(c, "cont_create", {"pool": "p08", "label": "c1"})
    assert st == 200, r
    err = fail(c, "pool", "destroy", "p08")
    assert re.search(r"pool [0-9a-f-]{36} has 1 container: destroy it first, or use "
                     r"--recursive or --force: DER_BUSY\(-1012\)", err), err
    assert "p08" in pools(c)
    destroy(c, "p08", "--recursive")
    create(c, "p08", "-z", "1.2G")
    for i in range(2):
        assert call(c, "cont_create", {"pool": "p08"})[0] == 200
    env = c.dmg_json("pool", "destroy", "p08")
    assert env["status"] == -1012 and "has 2 containers" in env["error"], env
    destroy(c, "p08", "-f")
    assert "p08" not in pools(c)


def test_exclude_reintegrate(c):
    """POOL09: target state changes bump the map version and reach clients' maps."""
    resp = create(c, "p09", "-z", "1.2G")
    try:
        st, r = call(c, "pool_connect", {"pool": "p09"})
        assert st == 200 and r["map_version"] == 1 and r["uuid"] == resp["uuid"]
        assert [x["rank"] for x in r["ranks"]] == [0, 1]
        assert len(base64.b64decode(r["map"])) > 20
        assert c.dmg_ok("pool", "exclude", "p09", "--rank", "1", "--target-idx", "0").stdout \
            == "Exclude command succeeded\n"
        q = c.dmg_json("pool", "query", "p09")["response"]
        assert (q["map_version"], q["disabled_targets"], q["active_targets"], q["state"]) == \
            (2, 1, 3, "Degraded")
        # the same again changes nothing
        c.dmg_ok("pool", "exclude", "p09", "--rank", "1", "--target-idx", "0")
        assert c.dmg_json("pool", "query", "p09")["response"]["map_version"] == 2
        out = c.dmg_ok("pool", "query", "p09").stdout
        assert "ntarget=4, disabled=1, leader=0, version=2, state=Degraded\n" in out
        assert "- Target(VOS) count:3\n" in out
        env = c.dmg_json("pool", "query-targets", "p09", "--rank", "1")
        assert [i["state"] for i in env["response"]["infos"]] == ["down", "up_in"]
        assert c.dmg_ok("pool", "list").stdout.splitlines()[2].split()[-1] == "1/4"
        assert c.dmg_ok("pool", "reintegrate", "p09", "--rank", "1").stdout == \
            "Reintegration command succeeded\n"
        q = c.dmg_json("pool", "query", "p09")["response"]
        assert (q["map_version"], q["disabled_targets"], q["state"]) == (3, 0, "Ready")
        st, r = call(c, "pool_connect", {"pool": "p09"})
        assert st == 200 and r["map_version"] == 3
        c.dmg_ok("pool", "exclude", "p09", "--rank", "0")
        assert c.dmg_json("pool", "query", "p09")["response"]["disabled_targets"] == 2
        err = fail(c, "pool", "exclude", "p09", "--rank", "5")
        assert "rank 5 does not host pool" in err and "DER_NONEXIST" in err
        err = fail(c, "pool", "exclude", "p09", "--rank", "0", "--target-idx", "2")
        assert "has no target 2 (it has 2)" in err
    finally:
        destroy(c, "p09")


def test_containers(c):
    """POOL10: the container methods of C4 and the pool attributes, through the API."""
    resp = create(c, "p10", "-z", "1.2G")
    try:
        st, r = call(c, "cont_create", {"pool": "p10", "label": "c1", "type": "POSIX",
                                        "props": {"rd_fac": "0", "cksum": "crc32"}})
        assert st == 200 and r["label"] == "c1", r
        c1 = r["uuid"]
        st, r = call(c, "cont_create", {"pool": resp["uuid"], "label": "c1"})
        assert st == 409 and r["status"] == -1004, r
        st, r = call(c, "cont_create", {"pool": "p10", "props": {"label": "c2"}})
        assert st == 200 and r["label"] == "c2"
        st, r = call(c, "cont_list", {"pool": "p10"})
        assert sorted((x["label"], x["type"]) for x in r["containers"]) == \
            [("c1", "POSIX"), ("c2", "unknown")]
        st, q = call(c, "cont_query", {"pool": "p10", "cont": "c1"})
        assert st == 200 and q["uuid"] == c1 and q["type"] == "POSIX"
        assert q["props"] == {"cksum": "crc32", "rd_fac": "0"} and q["snapshots"] == []
        assert q["next_oid"] == 1 and q["owner"].endswith("@") and q["pool"] == resp["uuid"]
        assert call(c, "cont_open", {"pool": "p10", "cont": c1})[1]["label"] == "c1"
        st, r = call(c, "cont_set_prop", {"pool": "p10", "cont": "c1",
                                          "props": {"label": "c1b", "status": "healthy"}})
        assert st == 200, r
        assert call(c, "cont_query", {"pool": "p10", "cont": "c1b"})[1]["props"]["status"] == \
            "healthy"
        val = base64.b64encode(b"\x00hello").decode()
        assert call(c, "cont_set_attr", {"pool": "p10", "cont": c1,
                                         "attrs": {"a": val, "b": ""}})[0] == 200
        st, r = call(c, "cont_get_attr", {"pool": "p10", "cont": c1})
        assert r == {"attrs": {"a": val, "b": ""}}
        st, r = call(c, "cont_get_attr", {"pool": "p10", "cont": c1, "names": ["zz"]})
        assert st == 404 and "attribute 'zz' does not exist" in r["error"]
        assert call(c, "cont_del_attr", {"pool": "p10", "cont": c1, "names": ["b"]})[0] == 200
        assert call(c, "cont_get_attr", {"pool": "p10", "cont": c1})[1] == {"attrs": {"a": val}}
        st, r = call(c, "cont_set_attr", {"pool": "p10", "cont": c1, "attrs": {"x": "!!"}})
        assert st == 400 and "not canonical base64" in r["error"]
        s1 = call(c, "cont_snap_create", {"pool": "p10", "cont": c1, "name": "daily"})[1]
        s2 = call(c, "cont_snap_create", {"pool": "p10", "cont": c1})[1]
        assert s2["epoch"] > s1["epoch"] > 0
        st, r = call(c, "cont_snap_list", {"pool": "p10", "cont": c1})
        assert r["snapshots"] == [{"epoch": s1["epoch"], "name": "daily"},
                                  {"epoch": s2["epoch"], "name": ""}]
        assert call(c, "cont_query", {"pool": "p10", "cont": c1})[1]["snapshots"] == \
            [s1["epoch"], s2["epoch"]]
        st, r = call(c, "cont_snap_create", {"pool": "p10", "cont": c1, "name": "daily"})
        assert st == 409 and r["status"] == -1004
        assert call(c, "cont_snap_destroy", {"pool": "p10", "cont": c1,
                                             "epoch": s1["epoch"]})[0] == 200
        st, r = call(c, "cont_snap_destroy", {"pool": "p10", "cont": c1, "epoch": s1["epoch"]})
        assert st == 404
        assert call(c, "cont_alloc_oids", {"pool": "p10", "cont": c1, "count": 100})[1] == \
            {"first": 1}
        assert call(c, "cont_alloc_oids", {"pool": "p10", "cont": c1, "count": 1})[1] == \
            {"first": 101}
        # pool attributes
        assert call(c, "pool_set_attr", {"pool": "p10", "attrs": {"k": val}})[0] == 200
        assert call(c, "pool_get_attr", {"pool": "p10"})[1] == {"attrs": {"k": val}}
        assert call(c, "pool_del_attr", {"pool": "p10", "names": ["k"]})[0] == 200
        assert call(c, "pool_get_attr", {"pool": "p10"})[1] == {"attrs": {}}
        # errors: names, bodies
        st, r = call(c, "cont_query", {"pool": "nope", "cont": "c1"})
        assert st == 404 and r["error"] == "pool 'nope' does not exist"
        st, r = call(c, "cont_query", {"pool": "p10", "cont": "nope"})
        assert st == 404 and r["error"] == \
            f"container 'nope' does not exist in pool {resp['uuid']}"
        st, r = call(c, "cont_query", {"pool": "p10"})
        assert st == 400 and r["error"] == "cont: missing"
        st, r = call(c, "cont_query", {"pool": "a/b", "cont": "c"})
        assert st == 400 and r["error"] == "pool: 'a/b' is neither a UUID nor a label"
        st, r = call(c, "cont_alloc_oids", {"pool": "p10", "cont": c1, "count": 0})
        assert st == 400
        # destroy: the targets first, then the record
        for cont in ("c1b", "c2"):
            st, r = call(c, "cont_destroy", {"pool": "p10", "cont": cont})
            assert st == 200, r
        assert call(c, "cont_list", {"pool": "p10"})[1] == {"containers": []}
    finally:
        destroy(c, "p10", "--force")


BAD_ARGS = [
    (["pool", "create", "x"],
     "the pool size is missing: give --size, or --scm-size (and --nvme-size)"),
    (["pool", "create", "x", "-z", "1Q"], "invalid --size: '1Q'"),
    (["pool", "create", "x", "-z", "0%"], "invalid --size: '0%' (a percentage must be 1% to "
                                          "100%)"),
    (["pool", "create", "x", "-z", "1G", "-t", "6,95"], "invalid --tier-ratio: '6,95'"),
    (["pool", "create", "x", "-z", "1G", "-s", "1G"],
     "--size cannot be used with --scm-size or --nvme-size"),
    (["pool", "create", "x", "-z", "1G", "-k", "1", "-r", "0"],
     "--nranks and --ranks cannot be used together"),
    (["pool", "create", "x", "-z", "1G", "-P", "reclaim:never"],
     "invalid --properties: invalid reclaim value never"),
    (["pool", "create", "x/y", "-z", "1G"], "invalid pool label 'x/y'"),
    (["pool", "create", "x", "-z", "1G", "-v", "0"], "invalid --nsvc: '0'"),
    (["pool", "destroy"], "the required argument `<pool>' was not provided"),
    (["pool", "destroy", "x", "--bogus"], "unknown flag `--bogus'"),
    (["pool", "list", "x"], "unexpected argument `x' for `dmg pool list'"),
    (["pool", "query"], "the required argument `<pool>' was not provided"),
    (["pool", "query", "bad label"], "invalid pool label or UUID 'bad label'"),
    (["pool", "query-targets", "x"], "the required flag `--rank' was not specified"),
    (["pool", "query-targets", "x", "--rank", "-1"], "expected argument for flag `--rank'"),
    (["pool", "query-targets", "x", "--rank", "0", "--target-idx", "99"],
     "invalid --target-idx: target index 99 is above 63"),
    (["pool", "get-prop", "x", "nope"], "unknown pool property 'nope'"),
    (["pool", "set-prop", "x"], "the required argument `<name:value,name:value...>' was not "
                                "provided"),
    (["pool", "set-prop", "x", "space_rb:101"],
     "invalid properties: invalid space_rb value 101 (valid values: 0-100)"),
    (["pool", "exclude", "x"], "the required flag `--rank' was not specified"),
    (["pool", "exclude", "x", "--rank", "a"], "invalid --rank: 'a'"),
    (["pool", "reintegrate", "x", "--rank", "0", "--target-idx", ""],
     "invalid --target-idx: empty target list"),
    (["pool", "frob"], "Unknown command `frob'"),
    (["system", "list-pools", "-z", "1"], "unknown flag `-z'"),
]


@pytest.mark.parametrize("args,msg", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_arguments(c, args, msg):
    """POOL11: refused before anything is sent (the host list is unreachable)."""
    err = fail(c, *args, hosts="127.0.0.1:1")
    assert err.startswith("ERROR: dmg: "), err
    assert msg in err, err
    assert "Run 'dmg " in err and "cannot connect" not in err, err


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def tgt_pool_create(ip, port, pool, scm, nvme, timeout=10):
    """Send TGT_POOL_CREATE (src/proto: 40-byte header, CRC32C over header and body)
    straight to a target; the reply's status."""
    body = pool.bytes + struct.pack("<QQ", scm, nvme)
    hdr = struct.pack("<IHHIiQIIII", 0x534F4144, 1, 2, 0, 0, 7, 0, len(body), 0, 0)
    crc = crc32c(hdr + body)
    hdr = hdr[:32] + struct.pack("<I", crc) + hdr[36:]
    with socket.create_connection((ip, port), timeout=timeout) as s:
        s.sendall(hdr + body)
        reply = b""
        while len(reply) < 40:
            chunk = s.recv(40 - len(reply))
            assert chunk, "target closed the connection"
            reply += chunk
    magic, _, opcode, flags, status = struct.unpack("<IHHIi", reply[:16])
    assert magic == 0x534F4144 and opcode == 2 and flags == 1, reply
    return status


def test_create_undone(c):
    """POOL12: one target already holds the pool's UUID with other sizes (-DER_EXIST): the
    create fails, and is undone everywhere."""
    before_text, _ = usage(c)
    st, info = call(c, "get_attach_info")
    assert st == 200, info
    uri = {r["rank"]: r["uri"] for r in info["ranks"]}[1]
    ip, port = uri.rsplit("//", 1)[1].rsplit(":", 1)
    pool = uuidlib.uuid4()
    # target 1 of rank 1 listens on the engine's port + 2 (C1)
    assert tgt_pool_create(ip, int(port) + 2, pool, 32 << 20, 0) == 0
    st, r = call(c, "pool_create", {"uuid": str(pool), "label": "p12", "scm_bytes": 100 << 20,
                                    "nvme_bytes": 100 << 20})
    assert st == 409 and r["status"] == -1004, r
    assert r["error"].startswith("pool create failed on 1 of 4 targets: rank 1 target 1 "
                                 f"({ip}:{int(port) + 2}): "), r
    assert "p12" not in pools(c)
    assert usage(c)[0] == before_text
    # the undo destroyed it on that target too: the same UUID is free everywhere now
    st, r = call(c, "pool_create", {"uuid": str(pool), "label": "p12", "scm_bytes": 100 << 20})
    assert st == 200 and r["uuid"] == str(pool), r
    destroy(c, "p12")


def test_tls_identities(tmp_path):
    """POOL13: admin, server and agent certificates on the pool and container methods."""
    subprocess.run(["bash", str(REPO / "utils" / "certs" / "gen_certificates.sh"),
                    str(tmp_path / "certs")], check=True, capture_output=True, timeout=60)
    certs = tmp_path / "certs" / "daosCA"
    c = Cluster(tmp_path / "tls", 1, 1, engines=2, targets=TARGETS, certs=certs)
    try:
        c.start()
        c.format()
        c.wait_members(2)
        before = c.dmg_ok("storage", "query", "usage").stdout
        resp = create(c, "t13", "-z", "1.2G")
        assert c.dmg_ok("storage", "query", "usage").stdout != before
        addr = c.servers[0].addr
        agent = tls_context(certs, "agent")
        for method, body in (("pool_query", {"pool": "t13"}), ("pool_connect", {"pool": "t13"}),
                             ("pool_get_prop", {"pool": "t13"}),
                             ("pool_get_attr", {"pool": "t13"}),
                             ("cont_create", {"pool": "t13", "label": "c"}),
                             ("cont_list", {"pool": "t13"}),
                             ("cont_query", {"pool": "t13", "cont": "c"}),
                             ("cont_destroy", {"pool": "t13", "cont": "c"})):
            status, reply = api_call(addr, method, body, tls=agent)
            assert status == 200, (method, reply)
        for method in ("pool_create", "pool_destroy", "pool_list", "pool_set_prop",
                       "pool_query_targets", "pool_exclude", "pool_reintegrate"):
            status, reply = api_call(addr, method, {"pool": "t13"}, tls=agent)
            assert status == 403 and reply["status"] == -1001, (method, reply)
            assert reply["error"] == f"method '{method}' needs the admin certificate, " \
                                     "caller is 'agent'"
        status, reply = api_call(addr, "storage_alloc", {}, tls=agent)
        assert status == 403 and "needs the admin or server certificate" in reply["error"]
        status, reply = api_call(addr, "pool_query", {"pool": resp["uuid"]}, tls=c.tls)
        assert status == 200 and reply["uuid"] == resp["uuid"]
        destroy(c, "t13")
        assert c.dmg_ok("storage", "query", "usage").stdout == before
    finally:
        c.stop()
