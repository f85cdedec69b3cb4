"""VOS crash consistency: a writer killed with SIGKILL at random points, then verified.

Run with: DAOS_BUILD_DIR=<build dir> /usr/bin/python3 -m pytest tests/integration/test_vos_crash.py

Each iteration starts `vos_crash write` (group commits of inline and blob values, overwrites,
punches, same-epoch rewrites, aggregation; an acknowledgement log synced after every commit),
kills it by PID with SIGKILL after a random 20..300 ms, and runs `vos_crash verify`: the pool's
space check passes and every acknowledged update reads back intact. Every fourth iteration
instead sets VOS_CRASH_KILL_AT, so the writer kills itself inside a commit, after the blob flush
and before the index commit.

What this proves: no process crash, at any point, loses an acknowledged update or corrupts the
pool. It does not simulate power loss (the kernel keeps a killed process's unsynced page cache).

VOS_CRASH_ITERATIONS (default 240) sets the number of iterations, VOS_CRASH_SEED the seed
(printed). The pool lives on /var/tmp (ext4, so the blob uses O_DIRECT) in a fresh directory,
removed at the end.
"""
import os
import pathlib
import random
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("DAOS_BUILD_DIR", str(REPO / "build")))
VOS_CRASH = BUILD / "tests" / "tools" / "vos_crash"
ITERATIONS = int(os.environ.get("VOS_CRASH_ITERATIONS", "240"))
CMD_TIMEOUT = 60  # seconds for one verify, or for a writer to kill itself
HOOK_EVERY = 4    # every fourth iteration kills inside a commit


@pytest.fixture
def workdir():
    base = "/var/tmp" if os.path.isdir("/var/tmp") else None
    d = tempfile.mkdtemp(prefix="test_vos_crash.", dir=base)
    try:
        yield pathlib.Path(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def verify(workdir, it, seed):
    res = subprocess.run([str(VOS_CRASH), "verify", "--dir", str(workdir / "vos")],
                         capture_output=True, text=True, timeout=CMD_TIMEOUT, check=False)
    assert res.returncode == 0, (
        f"iteration {it} (VOS_CRASH_SEED={seed}): verify failed:\n{res.stdout}{res.stderr}")
    return res.stdout.strip()


def test_vos_crash(workdir):
    if not VOS_CRASH.exists():
        pytest.skip(f"{VOS_CRASH} not built")
    seed = int(os.environ.get("VOS_CRASH_SEED", str(random.randrange(1, 1 << 31))))
    print(f"VOS_CRASH_SEED={seed} iterations={ITERATIONS}")
    rng = random.Random(seed)
    hooked = 0
    last = ""
    for it in range(ITERATIONS):
        env = dict(os.environ)
        hook = it % HOOK_EVERY == HOOK_EVERY - 1
        if hook:
            env["VOS_CRASH_KILL_AT"] = str(rng.randrange(1, 24))
        proc = subprocess.Popen(
            [str(VOS_CRASH), "write", "--dir", str(workdir / "vos"),
             "--seed", str(rng.randrange(1, 1 << 62))],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        try:
            if hook:
                # It kills itself at its K-th commit; bounded wait.
                proc.wait(timeout=CMD_TIMEOUT)
                hooked += 1
            else:
                time.sleep(rng.uniform(0.020, 0.300))
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=CMD_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        # A writer exits only by the kill: anything else is a failure it reported.
        assert proc.returncode == -signal.SIGKILL, (
            f"iteration {it} (VOS_CRASH_SEED={seed}): writer exited {proc.returncode}:\n{err}")
        last = verify(workdir, it, seed)
    print(f"{ITERATIONS} iterations ({hooked} killed inside a commit); last: {last}")
