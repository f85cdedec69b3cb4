"""bench/vos_perf: the single-target VOS benchmark, run small, its output checked.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_vos_perf.py
Each run uses a pool directory and a device file under the test's temporary directory.

  VP01  -j with an inline size and a blob size: every phase of each size is there with
        ops = count and consistent rates; the inline size has the index floor (lmdb) and
        vos_lmdb_ratio = fetch ops/s / lmdb ops/s; the blob size has raw and vos_raw_ratio
        = update MB/s / raw MB/s; the pool directory, the floor's environment, the device
        and the raw file are all removed afterwards
  VP02  --no-raw: neither raw nor lmdb phases; the table output names its rows
  VP03  bad command lines: exit status non-zero, one "vos_perf: <reason>" line, no files left
"""
import json
import subprocess

import pytest

from daos_cluster import BUILD

VOS_PERF = BUILD / "bench" / "vos_perf"
RUN_TIMEOUT = 120  # seconds: small counts on a 2-core machine

pytestmark = pytest.mark.skipif(not VOS_PERF.exists(), reason="vos_perf not built")


def run(tmp_path, *args, check=True):
    scm = tmp_path / "scm"
    dev = tmp_path / "dev.bdev"
    res = subprocess.run([str(VOS_PERF), "--scm", str(scm), "--dev", str(dev), *args],
                         capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    if check:
        assert res.returncode == 0, res.stderr
    return res


def left(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_vp01_json_phases_and_cleanup(tmp_path):
    res = run(tmp_path, "--sizes", "64,65536", "--count", "3000,64", "--batch", "16,8",
              "--rounds", "2", "-j")
    out = json.loads(res.stdout)
    sizes = {r["size"]: r for r in out["results"]}
    assert set(sizes) == {64, 65536}
    small, big = sizes[64], sizes[65536]
    assert small["blob"] is False and big["blob"] is True
    for r, count in ((small, 3000), (big, 64)):
        for phase in ("update", "fetch"):
            ph = r[phase]
            assert ph["ops"] == count
            assert ph["seconds"] > 0
            assert ph["ops_per_s"] == pytest.approx(count / ph["seconds"], rel=1e-3)
            assert ph["op_p50_us"] <= ph["op_p99_us"]
    floor = small["lmdb"]
    assert floor["ops"] == 3000 and floor["ops_per_s"] > 0
    assert small["vos_lmdb_ratio"] == pytest.approx(
        small["fetch"]["ops_per_s"] / floor["ops_per_s"], rel=1e-3)
    assert "raw" not in small
    assert big["raw"]["ops"] == 64
    assert big["vos_raw_ratio"] == pytest.approx(
        big["update"]["mb_per_s"] / big["raw"]["mb_per_s"], rel=1e-3)
    assert "lmdb" not in big
    assert left(tmp_path) == []


def test_vp02_no_raw_table(tmp_path):
    res = run(tmp_path, "--sizes", "64,65536", "--count", "2000,32", "--no-raw")
    rows = [line.split()[2] for line in res.stdout.splitlines()[1:] if line.strip()]
    assert rows == ["update", "fetch", "update", "fetch"], res.stdout
    assert left(tmp_path) == []


@pytest.mark.parametrize("args", [
    ["--sizes", "0"],
    ["--sizes", "64", "--count", "x"],
    ["--rounds", "0"],
    ["--order", "sideways"],
    ["--bogus"],
])
def test_vp03_bad_command_lines(tmp_path, args):
    res = run(tmp_path, *args, check=False)
    assert res.returncode != 0
    assert "vos_perf" in res.stderr
    assert left(tmp_path) == []
