"""libdaos against real processes: a cluster (1 server x 2 engines x 2 targets, file bdevs),
a daos_agent and a pool, driven by the C program src/client/tests/dc_test_io.c (built like
an application: public headers and the shared libdaos).

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_libdaos.py
Everything runs under a temporary directory; every process is stopped by PID and every wait
is bounded.

  LIBI01  container create (label, properties) and open; objects S1 and SX: single values
          and arrays of 1 B .. 8 MiB, blocking and through an event queue, read back and
          compared; dkey/akey/extent enumeration; greatest integer dkey; punch
  LIBI02  the KV API
  LIBI03  the array API across chunks: write, read, size, set_size, punch, destroy
  LIBI04  pool query (space), every container property, attributes, object ids, snapshots
          (a snapshot transaction reads the old value), the object index table, a second
          process working from the local2global blobs alone
  LIBI05  the pool map changes under a connected client (dmg pool exclude, then
          reintegrate): targets answer -DER_STALE, the client refreshes its map through the
          agent and its I/O goes on; map versions grow
  LIBI06  no agent at DAOS_AGENT_DRPC_DIR: -DER_AGENT_COMM, and the log names the socket
  LIBI07  examples/daos_example.c runs
  LIBI08  installation: headers flat in PREFIX/include, libraries in PREFIX/lib and
          PREFIX/lib64, sonames; an application compiles against them in strict C99 and
          links with the link lines DAOS applications use
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

from daos_cluster import BUILD, REPO, SANITIZER_RE, Cluster, wait_for

AGENT = BUILD / "src" / "agent" / "daos_agent"
TEST_IO = BUILD / "src" / "client" / "dc_test_io"
EXAMPLE = BUILD / "src" / "client" / "daos_example"
RUN_TIMEOUT = 300    # seconds for one scenario (8 MiB values on a small machine)
AGENT_TIMEOUT = 20   # seconds for the agent to create its socket or to exit
POOL = "libpool"

pytestmark = pytest.mark.skipif(not (AGENT.exists() and TEST_IO.exists()),
                                reason="daos_agent or dc_test_io not built")


class Agent:
    """A daos_agent under dir with an insecure config naming the cluster's access points."""

    def __init__(self, base, access_points):
        self.dir = pathlib.Path(base) / "agent"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.runtime = self.dir / "run"
        self.log = self.dir / "agent.log"
        self.config = self.dir / "daos_agent.yml"
        self.config.write_text("\n".join([
            "name: daos_server",
            "access_points: [" + ", ".join(f"'{a}'" for a in access_points) + "]",
            "transport_config:",
            "  allow_insecure: true",
            f"runtime_dir: {self.runtime}",
            f"log_file: {self.log}",
            "control_log_mask: DEBUG",
        ]) + "\n")
        self.proc = None

    def start(self):
        out = open(self.dir / "stdout.log", "ab")
        err = open(self.dir / "stderr.log", "ab")
        try:
            self.proc = subprocess.Popen([str(AGENT), "-o", str(self.config), "start"],
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        finally:
            out.close()
            err.close()
        wait_for("the agent socket", lambda: (self.runtime / "daos_agent.sock").exists()
                 or self.proc.poll() is not None, AGENT_TIMEOUT)
        assert self.proc.poll() is None, (self.dir / "stderr.log").read_text()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=AGENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=AGENT_TIMEOUT)
            raise AssertionError("daos_agent ignored SIGTERM")


def client_env(env_dir, agent_dir, log):
    env = dict(os.environ)
    env["DAOS_AGENT_DRPC_DIR"] = str(agent_dir)
    env["D_LOG_FILE"] = str(log)
    env["D_LOG_MASK"] = "INFO,client=DEBUG"
    env["CRT_TIMEOUT"] = "60"
    env["TMPDIR"] = str(env_dir)
    return env


def run_io(env, scenario, cont, *args, timeout=RUN_TIMEOUT, expect_ok=True):
    res = subprocess.run([str(TEST_IO), scenario, POOL, cont] + [str(a) for a in args],
                         capture_output=True, text=True, timeout=timeout,
                         env=env["client_env"], check=False)
    if expect_ok:
        assert res.returncode == 0 and f"OK {scenario}" in res.stdout, \
            (f"dc_test_io {scenario}: exit {res.returncode}\n{res.stdout}\n{res.stderr}\n"
             + tail(env["client_log"]))
    return res


def build_option(name):
    """A meson option of the build directory (e.g. b_sanitize), None when unknown."""
    info = BUILD / "meson-info" / "intro-buildoptions.json"
    if not info.exists():
        return None
    for opt in json.loads(info.read_text()):
        if opt["name"] == name:
            val = opt["value"]
            return ",".join(val) if isinstance(val, list) else val
    return None


def tail(path, n=60):
    p = pathlib.Path(path)
    if not p.exists():
        return ""
    return "\n".join(p.read_text(errors="replace").splitlines()[-n:])


@pytest.fixture(scope="module")
def env():
    base = pathlib.Path(tempfile.mkdtemp(prefix="libdaos_"))
    cluster = Cluster(base / "cluster", 1, 1, engines=2, targets=2)
    agent = Agent(base, cluster.aps)
    try:
        cluster.start()
        cluster.format()
        cluster.wait_members(2)
        res = cluster.dmg("pool", "create", "--scm-size", "256M", "--nvme-size", "600M", POOL)
        assert res.returncode == 0, f"pool create: {res.stdout}\n{res.stderr}"
        agent.start()
        log = base / "client.log"
        yield {"base": base, "cluster": cluster, "agent": agent,
               "client_env": client_env(base, agent.runtime, log), "client_log": log}
        # the servers are still up after everything the client did
        cluster.wait_members(2)
    finally:
        try:
            try:
                agent.stop()
            finally:
                cluster.stop()
            log = base / "client.log"
            reports = [line for line in log.read_text(errors="replace").splitlines()
                       if SANITIZER_RE.search(line)] if log.exists() else []
            assert not reports, reports
        finally:
            shutil.rmtree(base, ignore_errors=True)


def test_libi01_io(env):
    """LIBI01: container setup; S1 and SX objects, 1 B .. 8 MiB, blocking and EQ."""
    res = run_io(env, "setup", "iocont")
    assert "created" in res.stdout
    res = run_io(env, "setup", "iocont")      # second time: it exists, opened by label
    assert "created" not in res.stdout
    run_io(env, "io", "iocont")


def test_libi02_kv(env):
    """LIBI02: KV put/get/list/remove."""
    run_io(env, "setup", "kvcont")
    run_io(env, "kv", "kvcont")


def test_libi03_array(env):
    """LIBI03: the array API."""
    run_io(env, "setup", "arrcont")
    run_io(env, "array", "arrcont")


def test_libi04_meta(env):
    """LIBI04: pool/container metadata, snapshots, OIT, handle sharing across processes."""
    run_io(env, "setup", "metacont")
    res = run_io(env, "meta", "metacont", env["base"])
    assert "pool: 4 targets" in res.stdout, res.stdout


def test_libi05_stale(env):
    """LIBI05: exclude and reintegrate under a connected client: -DER_STALE handled."""
    cluster = env["cluster"]
    run_io(env, "setup", "stalecont")
    proc = subprocess.Popen([str(TEST_IO), "stale", POOL, "stalecont"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env["client_env"])
    out = []
    try:
        def expect(prefix):
            deadline = time.monotonic() + RUN_TIMEOUT
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                assert line, ("dc_test_io stale ended early:\n" + "".join(out)
                              + proc.stderr.read() + tail(env["client_log"]))
                out.append(line)
                if line.startswith(prefix):
                    return line
            raise AssertionError(f"no '{prefix}' from dc_test_io stale")

        v0 = int(expect("map ").split()[1])
        expect("READY exclude")
        res = cluster.dmg("pool", "exclude", POOL, "--rank", "1", "--target-idx", "0")
        assert res.returncode == 0, f"pool exclude: {res.stdout}\n{res.stderr}"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        v1 = int(expect("map ").split()[1])
        assert v1 > v0, out
        expect("READY reintegrate")
        res = cluster.dmg("pool", "reintegrate", POOL, "--rank", "1", "--target-idx", "0")
        assert res.returncode == 0, f"pool reintegrate: {res.stdout}\n{res.stderr}"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        v2 = int(expect("map ").split()[1])
        assert v2 > v1, out
        expect("OK stale")
        assert proc.wait(timeout=RUN_TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=RUN_TIMEOUT)
    # the targets did answer -DER_STALE at least once and the client refreshed
    log = env["client_log"].read_text(errors="replace")
    assert "map refreshed" in log or "stale map" in log, tail(env["client_log"])


def test_libi06_no_agent(env, tmp_path):
    """LIBI06: a missing agent is -DER_AGENT_COMM with the socket path in the log."""
    empty = tmp_path / "noagent"
    empty.mkdir()
    e = dict(env["client_env"])
    e["DAOS_AGENT_DRPC_DIR"] = str(empty)
    e["D_LOG_FILE"] = str(tmp_path / "noagent.log")
    res = subprocess.run([str(TEST_IO), "noagent", POOL, "x"], capture_output=True, text=True,
                         timeout=60, env=e, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "DER_AGENT_COMM(-2034)" in res.stdout
    log = (tmp_path / "noagent.log").read_text()
    assert str(empty / "daos_agent.sock") in log, log


def test_libi07_example(env):
    """LIBI07: the example program."""
    res = subprocess.run([str(EXAMPLE), POOL, "examplecont"], capture_output=True, text=True,
                         timeout=RUN_TIMEOUT, env=env["client_env"], check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "read 12 bytes: hello, DAOS" in res.stdout
    assert "kv answer = 42" in res.stdout


def test_libi08_install(tmp_path):
    """LIBI08: meson install layout; strict C99 compile and the DAOS link lines."""
    dest = tmp_path / "dest"
    prefix = "/opt/daos"
    res = subprocess.run(["meson", "install", "-C", str(BUILD), "--no-rebuild", "--quiet",
                          "--destdir", str(dest)], capture_output=True, text=True,
                         timeout=300, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    # the build's prefix, whatever it is
    root = next(p for p in dest.rglob("include") if (p / "daos.h").exists()).parent
    inc = root / "include"
    for h in ["daos.h", "daos_version.h", "daos_types.h", "daos_event.h", "daos_obj.h",
              "daos_array.h", "daos_kv.h", "daos_prop.h", "daos_cont.h", "daos_pool.h",
              "daos_mgmt.h", "daos_security.h", "daos_api.h", "daos_errno.h",
              "daos_obj_class.h", "gurt/common.h", "gurt/hash.h", "gurt/list.h",
              "gurt/types.h"]:
        assert (inc / h).exists(), h
    lib, lib64 = root / "lib", root / "lib64"
    assert lib64.exists()
    for name in ["libdaos.so", "libdaos.so.2", "libgurt.so", "libcart.so", "libdaos_common.so"]:
        assert (lib / name).exists(), name
        assert (lib64 / name).exists(), name
    soname = subprocess.run(["readelf", "-d", str(lib / "libdaos.so")], capture_output=True,
                            text=True, check=True).stdout
    assert "Library soname: [libdaos.so.2]" in soname
    syms = subprocess.run(["nm", "-D", "--defined-only", str(lib / "libdaos.so")],
                          capture_output=True, text=True, check=True).stdout
    for sym in ["daos_init", "daos_pool_connect2", "daos_pool_connect", "daos_cont_open2",
                "daos_cont_open", "daos_cont_create2", "daos_cont_destroy2",
                "daos_obj_generate_oid2", "daos_prop_alloc", "daos_acl_to_strs",
                "daos_oclass_name2id", "daos_kv_put", "daos_oit_list"]:
        assert f" T {sym}\n" in syms, sym
    assert " T pl_" not in syms and " T net_" not in syms and " T proto_" not in syms
    gsyms = subprocess.run(["nm", "-D", "--defined-only", str(lib / "libgurt.so")],
                           capture_output=True, text=True, check=True).stdout
    assert " T d_hash_murmur64\n" in gsyms
    src = tmp_path / "app.c"
    src.write_text("#include <daos.h>\n#include <gurt/common.h>\n#include <gurt/hash.h>\n"
                   "#if DAOS_API_VERSION_MAJOR < 2\n#error old\n#endif\n"
                   "int main(void) { daos_prop_t *p = daos_prop_alloc(1);\n"
                   "  daos_prop_free(p); (void)d_hash_murmur64((const unsigned char *)\"a\", 1, 0);\n"
                   "  return daos_oclass_name2id(\"SX\") == 0; }\n")
    # an application of a sanitizer build must carry the same runtime
    san = [f"-fsanitize={build_option('b_sanitize')}"] \
        if build_option("b_sanitize") not in (None, "none") else []
    for libs in (["-lgurt", "-ldaos_common", "-ldaos", "-luuid"],
                 ["-lcart", "-ldaos", "-lgurt", "-luuid"]):
        res = subprocess.run(["cc", "-std=c99", "-pedantic", "-Werror"] + san + [f"-I{inc}", str(src),
                              "-o", str(tmp_path / "app"), f"-L{lib64}",
                              f"-Wl,-rpath,{lib64}"] + libs,
                             capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr
        run = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True,
                             timeout=30, check=False)
        assert run.returncode == 0, run.stderr
    del prefix
