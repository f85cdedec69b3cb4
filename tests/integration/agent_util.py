"""daos_agent for integration tests: the process and a client of its socket (docs/design.md, C5).

Shared by every test that needs an agent (test_agent.py, test_datapath.py, ...).
"""

import json
import os
import pathlib
import signal
import socket
import struct
import subprocess

from daos_cluster import BUILD, SANITIZER_RE, wait_for

AGENT = BUILD / "src" / "agent" / "daos_agent"
AGENT_TIMEOUT = 20     # seconds for the agent to create its socket or to exit
CALL_TIMEOUT = 30      # seconds for one C5 request and its reply
CHANGE_TIMEOUT = 30    # seconds for a system change to reach the agent's cache
MSG_MAX = 4 << 20


# ---- A C5 client ----

def c5_connect(sock_path, timeout=CALL_TIMEOUT):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(sock_path))
    return s


def c5_frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack("<I", len(data)) + data


def _recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def c5_recv(s):
    """The next reply object, or None when the agent closed the connection."""
    hdr = _recv_exact(s, 4)
    if hdr is None:
        return None
    (n,) = struct.unpack("<I", hdr)
    assert 0 < n <= MSG_MAX, n
    body = _recv_exact(s, n)
    assert body is not None, "connection closed inside a reply"
    obj = json.loads(body)
    assert isinstance(obj, dict)
    return obj


def c5_call(sock_path, req):
    with c5_connect(sock_path) as s:
        s.sendall(c5_frame(req))
        reply = c5_recv(s)
    assert reply is not None, f"no reply to {req}"
    return reply


# ---- The agent process ----

class Agent:
    """A daos_agent with its config, runtime directory and log under base/name."""

    def __init__(self, base, access_points, name="agent", certs=None, extra=""):
        self.dir = pathlib.Path(base) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.runtime = self.dir / "run"
        self.log = self.dir / "agent.log"
        self.config = self.dir / "daos_agent.yml"
        lines = ["name: daos_server",
                 "access_points: [" + ", ".join(f"'{a}'" for a in access_points) + "]",
                 "transport_config:"]
        if certs is None:
            lines.append("  allow_insecure: true")
        else:
            c = certs / "certs"
            lines += ["  allow_insecure: false", f"  ca_cert: {c / 'daosCA.crt'}",
                      f"  cert: {c / 'agent.crt'}", f"  key: {c / 'agent.key'}"]
        lines += [f"runtime_dir: {self.runtime}", f"log_file: {self.log}",
                  "control_log_mask: DEBUG"]
        if extra:
            lines.append(extra)
        self.config.write_text("\n".join(lines) + "\n")
        self.proc = None

    @property
    def sock(self):
        return self.runtime / "daos_agent.sock"

    def spawn(self, *args):
        out = open(self.dir / "stdout.log", "ab")
        err = open(self.dir / "stderr.log", "ab")
        try:
            return subprocess.Popen([str(AGENT), "-o", str(self.config)] + list(args),
                                    stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        finally:
            out.close()
            err.close()

    def start(self):
        self.proc = self.spawn("start")

        def up():
            assert self.proc.poll() is None, \
                f"daos_agent exited {self.proc.returncode}: {self.stderr()}"
            with c5_connect(self.sock, timeout=1):   # a stale socket refuses
                return True
        wait_for("the agent socket", up, AGENT_TIMEOUT)
        return self

    def stderr(self):
        path = self.dir / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def call(self, req):
        return c5_call(self.sock, req)

    def attach(self, **kw):
        return self.call(dict({"op": "get_attach_info"}, **kw))

    def stop(self, sig=signal.SIGTERM):
        """Signal by PID; the exit status (SIGKILL after a bounded wait)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout=AGENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=AGENT_TIMEOUT)
            raise AssertionError("daos_agent ignored the signal") from None

    def sanitizer_reports(self):
        found = []
        for path in (self.dir / "stderr.log", self.log):
            if path.exists():
                found += [ln for ln in path.read_text(errors="replace").splitlines()
                          if SANITIZER_RE.search(ln)]
        return found
