"""The data path end to end: two servers x two engines x four targets, libdaos through a
daos_agent, many objects written and read back, a system restart, and the space returned.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_datapath.py

  DP01  10,000 objects of 1 B .. 8 MiB (S1 and SX; single values, arrays and KV entries;
        blocking and event-queue calls) written by tests/tools/daos_bulk through the shared
        libdaos, read back and compared; `dmg system stop` + `dmg system start`: every object
        still there and intact; `dmg pool destroy --recursive` returns all space
        (`dmg storage query usage` equals the figures before the pool)
"""
import json
import subprocess

import pytest

from agent_util import AGENT, Agent
from daos_cluster import BUILD, Cluster, api_call, wait_for

BULK = BUILD / "tests" / "tools" / "daos_bulk"
BULK_TIMEOUT = 900   # seconds for one write or verify pass (CI machine: 2 cores)
OBJECTS = 10000

pytestmark = pytest.mark.skipif(not (BULK.exists() and AGENT.exists()),
                                reason="daos_bulk or daos_agent not built")


def usage(cluster):
    """Per host (SCM free, NVMe free) from `dmg storage query usage -j`."""
    out = cluster.dmg_json("storage", "query", "usage")
    return json.dumps(out, sort_keys=True)


def bulk(agent, op, *args):
    env = {"DAOS_AGENT_DRPC_DIR": str(agent.runtime), "PATH": "/usr/bin:/bin"}
    res = subprocess.run([str(BULK), op, *args], env=env, capture_output=True, text=True,
                         timeout=BULK_TIMEOUT, check=False)
    assert res.returncode == 0, f"daos_bulk {op} failed:\n{res.stderr[-4000:]}"
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["objects"] == OBJECTS, summary
    return summary


def test_objects_survive_restart_and_space_returns(tmp_path):
    """DP01"""
    cluster = Cluster(tmp_path / "sys", 2, 1, engines=2, targets=4)
    agent = None
    try:
        cluster.start()
        cluster.format()
        cluster.wait_members(4)
        before = usage(cluster)

        cluster.dmg_ok("pool", "create", "--scm-size", "256M", "--nvme-size", "700M", "bulk")
        leader = cluster.leader()
        status, reply = api_call(leader, "cont_create", {"pool": "bulk", "label": "objs"},
                                 tls=cluster.tls)
        assert status == 200, reply
        agent = Agent(tmp_path, cluster.aps).start()

        manifest = tmp_path / "manifest"
        common = ["--pool", "bulk", "--cont", "objs", "--manifest", str(manifest)]
        wrote = bulk(agent, "write", *common, "--objects", str(OBJECTS), "--seed", "7")
        read = bulk(agent, "verify", *common)
        assert read["bytes"] == wrote["bytes"]

        # the whole system down and up: same ranks, new engines, the data on their storage
        cluster.dmg_ok("system", "stop")
        wait_for("every rank stopped",
                 lambda: all(m["state"] == "Stopped" for m in cluster.members()), 60)
        cluster.dmg_ok("system", "start")
        cluster.wait_members(4, timeout=60)
        read = bulk(agent, "verify", *common)
        assert read["bytes"] == wrote["bytes"]

        cluster.dmg_ok("pool", "destroy", "--recursive", "bulk")
        after = usage(cluster)
        assert after == before, f"space not returned:\nbefore {before}\nafter  {after}"
    finally:
        if agent is not None:
            assert agent.stop() == 0, "daos_agent did not exit cleanly"
        cluster.stop()
