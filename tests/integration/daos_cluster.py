"""Real daos_server processes on 127.0.0.1 for integration tests.

A Cluster owns a directory; each Server in it has its own sub-directory (config, logs,
socket_dir, SCM directories, bdev files), its own control port (and port + 1 for Raft when
it is an access point) and is started with `daos_server start -o <config>`. Engines are the
real daos_engine (DAOS_ENGINE_BIN), storage is emulated: class ram without tmpfs
(DAOS_SCM_NO_MOUNT=1) and small file bdevs. Everything is stopped by PID: servers with
SIGTERM then SIGKILL, and any process whose command line names the cluster directory
(engines of a killed server). Every wait is bounded.

Environment: DAOS_BUILD_DIR (default <repo>/build).
"""
import json
import os
import pathlib
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("DAOS_BUILD_DIR", str(REPO / "build")))
DAOS_SERVER = BUILD / "src" / "control" / "daos_server"
DAOS_ENGINE = BUILD / "src" / "engine" / "daos_engine"
DMG = BUILD / "src" / "tools" / "dmg"

DMG_TIMEOUT = 90        # seconds for one dmg run (system start waits for joins)
READY_TIMEOUT = 20      # seconds for a server to answer on its control port
STOP_TIMEOUT = 20       # seconds for a server to exit after SIGTERM
HTTP_TIMEOUT = 5        # seconds for one direct control API call
SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: ")


def wait_for(what, pred, timeout, interval=0.1):
    """Poll pred() until it returns a true value (returned) or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = pred()
        except (OSError, ValueError, KeyError, AssertionError) as exc:
            last = None
            err = exc
        else:
            err = None
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}"
                                 + (f" (last error: {err})" if err else ""))
        time.sleep(interval)


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pairs(n, taken=()):
    """n ports p with p and p + 1 free (control and Raft), distinct from taken."""
    out = []
    used = set(taken)
    for _ in range(200):
        if len(out) == n:
            break
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 1 > 65534 or {port, port + 1} & used or not _port_free(port + 1):
            continue
        used |= {port, port + 1}
        out.append(port)
    assert len(out) == n, "not enough free ports"
    return out


_ranges_given = set()


def free_port_range(n):
    """A base port b with b .. b + n - 1 all free now and not handed out before by this
    process (an engine's fabric port and its targets' ports, fabric_iface_port + 1 + t)."""
    rnd = random.Random(os.getpid() ^ int(time.monotonic_ns()))
    for _ in range(500):
        base = rnd.randrange(20000, 60000 - n)
        ports = set(range(base, base + n))
        if ports & _ranges_given:
            continue
        if all(_port_free(p) for p in ports):
            _ranges_given.update(ports)
            return base
    raise AssertionError(f"no {n} consecutive free ports")


def tls_context(certs, name):
    """Client TLS context with the project CA and certificate <name> (admin, agent, server)
    of a gen_certificates.sh directory (<dir>/daosCA)."""
    ctx = ssl.create_default_context(cafile=str(certs / "certs" / "daosCA.crt"))
    ctx.load_cert_chain(str(certs / "certs" / f"{name}.crt"), str(certs / "certs" / f"{name}.key"))
    return ctx


def api_call(addr, method, body=None, timeout=HTTP_TIMEOUT, tls=None):
    """POST /v1/<method>; plain HTTP, or HTTPS with the client context tls. Returns
    (http status, reply object)."""
    data = json.dumps(body or {}).encode()
    scheme = "https" if tls is not None else "http"
    req = urllib.request.Request(f"{scheme}://{addr}/v1/{method}", data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=tls) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _pid_alive(pid):
    """Whether pid runs (a zombie is dead: its parent has yet to reap it)."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def server_env(syslog_sock=None):
    """Environment of a test server. Its RAS events go to syslog_sock (a socket the test
    may own) instead of the machine's /dev/log: tests never write to the system log."""
    env = dict(os.environ)
    env["DAOS_ENGINE_BIN"] = str(DAOS_ENGINE)
    env["DAOS_SCM_NO_MOUNT"] = "1"
    env["DAOS_SYSLOG_SOCKET"] = str(syslog_sock) if syslog_sock else "/nonexistent/syslog"
    return env


class SyslogCatcher:
    """A unix datagram socket standing in for /dev/log: collects what servers send."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait(self, pred, timeout):
        """The first message (str) for which pred is true, waiting at most timeout s."""
        deadline = time.monotonic() + timeout
        for msg in self.messages:
            if pred(msg):
                return msg
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                msg = self.sock.recv(65536).decode(errors="replace")
            except socket.timeout:
                break
            self.messages.append(msg)
            if pred(msg):
                return msg
        raise AssertionError(f"no matching syslog message in {timeout} s: {self.messages}")

    def close(self):
        self.sock.close()
        os.unlink(self.path)


class Server:
    """One daos_server: config, process, logs."""

    def __init__(self, cluster, idx, port, engines=2, targets=1, bdev=True):
        self.cluster = cluster
        self.idx = idx
        self.port = port
        self.addr = f"127.0.0.1:{port}"
        self.dir = cluster.dir / f"srv{idx}"
        self.dir.mkdir()
        self.config = self.dir / "daos_server.yml"
        self.log = self.dir / "server.log"
        self.engines = engines
        self.targets = targets
        self.bdev = bdev
        self.proc = None
        self.killed = False   # killed on purpose: any exit status is fine
        self.engine_pids = set()
        # per engine: fabric_iface_port (system context) + one port per target
        self.fabric_ports = [free_port_range(targets + 1) for _ in range(engines)]

    def write_config(self, access_points, extra=""):
        lines = [
            "name: daos_server",
            "access_points: [" + ", ".join(f"'{a}'" for a in access_points) + "]",
            f"port: {self.port}",
            "transport_config:",
        ]
        certs = self.cluster.certs
        if certs is None:
            lines.append("  allow_insecure: true")
        else:
            lines += ["  allow_insecure: false",
                      f"  ca_cert: {certs / 'certs' / 'daosCA.crt'}",
                      f"  cert: {certs / 'certs' / 'server.crt'}",
                      f"  key: {certs / 'certs' / 'server.key'}"]
        lines += [
            "provider: ofi+tcp",
            f"socket_dir: {self.dir / 'run'}",
            "control_log_mask: DEBUG",
            f"control_log_file: {self.log}",
        ]
        if extra:
            lines.append(extra)
        lines.append("engines:" if self.engines else "engines: []")
        for e in range(self.engines):
            lines += [
                f"  - targets: {self.targets}",
                "    nr_xs_helpers: 0",
                "    fabric_iface: lo",
                f"    fabric_iface_port: {self.fabric_ports[e]}",
                f"    log_file: {self.dir / f'engine{e}.log'}",
                "    log_mask: INFO",
                "    storage:",
                "      - class: ram",
                f"        scm_mount: {self.dir / f'scm{e}'}",
                "        scm_size: 1",
            ]
            if self.bdev:
                lines += [
                    "      - class: file",
                    f"        bdev_list: [{self.dir / f'bdev{e}.img'}]",
                    "        bdev_size: 1",
                ]
        self.config.write_text("\n".join(lines) + "\n")

    def start(self):
        assert DAOS_SERVER.exists(), f"{DAOS_SERVER} not built"
        assert DAOS_ENGINE.exists(), f"{DAOS_ENGINE} not built"
        out = open(self.dir / "stdout.log", "ab")
        err = open(self.dir / "stderr.log", "ab")
        try:
            self.proc = subprocess.Popen([str(DAOS_SERVER), "start", "-o", str(self.config)],
                                         stdout=out, stderr=err,
                                         env=server_env(self.cluster.syslog_sock),
                                         stdin=subprocess.DEVNULL)
        finally:
            out.close()
            err.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=READY_TIMEOUT):
        def ready():
            assert self.running(), (f"server {self.idx} exited {self.proc.returncode}: "
                                    + (self.dir / "stderr.log").read_text())
            return self.info()
        return wait_for(f"server {self.idx} to answer", ready, timeout)

    def info(self):
        status, reply = api_call(self.addr, "server_info", tls=self.cluster.tls)
        assert status == 200, reply
        self.engine_pids |= {e["pid"] for e in reply["engines"] if e["pid"]}
        return reply

    def live_engine_pids(self):
        """Engine PIDs this server ever reported that are still running (not zombies)."""
        return sorted(p for p in self.engine_pids if _pid_alive(p))

    def engines_in(self, *states):
        return all(e["state"] in states for e in self.info()["engines"])

    def kill(self, sig=signal.SIGKILL):
        if self.running():
            self.info_quiet()
            self.killed = True
            os.kill(self.proc.pid, sig)

    def info_quiet(self):
        try:
            self.info()
        except (OSError, ValueError, AssertionError):
            pass

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM by PID, bounded wait, SIGKILL as the last resort; the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.info_quiet()
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
                raise AssertionError(f"server {self.idx} ignored SIGTERM")
        return self.proc.returncode

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Cluster:
    """Servers sharing access points; stop() in a finally block ends every process."""

    def __init__(self, base_dir, nr_servers, nr_aps, engines=2, targets=1, bdev=True,
                 certs=None):
        self.dir = pathlib.Path(base_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        # certs: a gen_certificates.sh CA directory; None runs every server insecure
        self.certs = certs
        self.tls = tls_context(certs, "admin") if certs is not None else None
        ports = free_port_pairs(nr_servers + 2)
        self.spare_ports = ports[nr_servers:]
        self.servers = [Server(self, i, ports[i], engines, targets, bdev)
                        for i in range(nr_servers)]
        self.aps = [s.addr for s in self.servers[:nr_aps]]
        self.syslog_sock = self.dir / "syslog.sock"
        self.home = self.dir / "home"
        self.home.mkdir(exist_ok=True)

    def add_server(self, engines=2, targets=1, bdev=True):
        """A further server (system extension), configured with the same access points."""
        port = self.spare_ports.pop(0)
        srv = Server(self, len(self.servers), port, engines, targets, bdev)
        self.servers.append(srv)
        srv.write_config(self.aps)
        return srv

    def start(self):
        for srv in self.servers:
            srv.write_config(self.aps)
            srv.start()
        for srv in self.servers:
            srv.wait_ready()
            # engines register at once: unformatted storage waits for the format
            wait_for(f"engines of server {srv.idx} to wait for a format",
                     lambda s=srv: s.engines_in("awaiting format"), READY_TIMEOUT)

    def hostlist(self, servers=None):
        return ",".join(s.addr for s in (servers or self.servers))

    def dmg(self, *args, hosts=None):
        """Run dmg; never a crash (exit 0 or 1). hosts: the -l list (default every
        server); False: no -l, the daos_control.yml hostlist (the first server)."""
        assert DMG.exists(), f"{DMG} not built"
        ctl = self.dir / "daos_control.yml"
        text = f"hostlist: ['{self.servers[0].addr}']\ntransport_config:\n"
        if self.certs is None:
            text += "  allow_insecure: true\n"
        else:
            c = self.certs / "certs"
            text += (f"  allow_insecure: false\n  ca_cert: {c / 'daosCA.crt'}\n"
                     f"  cert: {c / 'admin.crt'}\n  key: {c / 'admin.key'}\n")
        ctl.write_text(text)
        conn = ["-o", str(ctl)]
        if hosts is not False:
            conn += ["-l", hosts or self.hostlist()]
        cmd = [str(DMG)] + conn + [str(a) for a in args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=DMG_TIMEOUT,
                             env=dict(os.environ, HOME=str(self.home)), check=False)
        assert res.returncode in (0, 1), \
            f"dmg {args} exited {res.returncode}: {res.stdout}\n{res.stderr}"
        return res

    def dmg_ok(self, *args, hosts=None):
        res = self.dmg(*args, hosts=hosts)
        assert res.returncode == 0, f"dmg {args}: {res.stdout}\n{res.stderr}"
        return res

    def dmg_json(self, *args, hosts=None):
        """dmg -j: the envelope, parsed."""
        res = self.dmg("-j", *args, hosts=hosts)
        env = json.loads(res.stdout)
        assert list(env) == ["response", "error", "status"], env
        return env

    def members(self, hosts=None):
        env = self.dmg_json("system", "query", hosts=hosts)
        assert env["status"] == 0, env
        return env["response"]["members"]

    def wait_members(self, nr, state="Joined", timeout=30, hosts=None):
        """Poll system query until exactly nr members, all in state; the members."""
        def check():
            env = self.dmg_json("system", "query", hosts=hosts)
            if env["status"] != 0:
                return None
            m = env["response"]["members"]
            return m if len(m) == nr and all(x["state"] == state for x in m) else None
        return wait_for(f"{nr} members {state}", check, timeout, interval=0.2)

    def leader(self, hosts=None):
        env = self.dmg_json("system", "leader-query", hosts=hosts)
        return env["response"]["leader"] if env["status"] == 0 else ""

    def format(self, servers=None):
        return self.dmg_ok("storage", "format", hosts=self.hostlist(servers))

    def server_of(self, addr):
        return next(s for s in self.servers if s.addr == addr)

    def stop(self):
        """Stop every server by PID, then any process still naming our directory; every
        server must exit 0 unless it was killed on purpose. Returns the exit statuses."""
        statuses = {}
        errors = []
        for srv in self.servers:
            try:
                statuses[srv.idx] = srv.stop()
            except AssertionError as exc:
                errors.append(str(exc))
            if not srv.killed and statuses.get(srv.idx) not in (0, None):
                errors.append(f"server {srv.idx} exited {statuses[srv.idx]}")
        leftovers = self.kill_leftovers()
        self.cleanup_storage()
        assert not errors, errors
        assert not leftovers, f"processes left behind: {leftovers}"
        reports = self.sanitizer_reports()
        assert not reports, "sanitizer reports:\n" + "\n".join(reports)
        return statuses

    def sanitizer_reports(self):
        """Lines of AddressSanitizer/UBSan/LeakSanitizer reports in the servers' stderr
        and logs (engines' stderr is copied into their server's log)."""
        found = []
        for srv in self.servers:
            for path in (srv.dir / "stderr.log", srv.log):
                if not path.exists():
                    continue
                for line in path.read_text(errors="replace").splitlines():
                    if SANITIZER_RE.search(line):
                        found.append(f"{path}: {line}")
        return found

    def kill_leftovers(self):
        """SIGKILL processes whose command line names the cluster directory (engines of a
        server killed with SIGKILL exit by themselves once their link is gone; this is the
        safety net). Returns those found still running after a grace period."""
        marker = str(self.dir).encode()

        def ours():
            found = []
            for pid_dir in pathlib.Path("/proc").iterdir():
                if not pid_dir.name.isdigit() or int(pid_dir.name) == os.getpid():
                    continue
                try:
                    cmdline = (pid_dir / "cmdline").read_bytes()
                    stat = (pid_dir / "stat").read_text()
                except OSError:
                    continue
                # zombies (state Z) are already dead: their parent reaps them
                if marker in cmdline and stat.rsplit(")", 1)[-1].split()[0] != "Z":
                    found.append(int(pid_dir.name))
            return found

        deadline = time.monotonic() + 10
        found = ours()
        while found and time.monotonic() < deadline:
            time.sleep(0.2)
            found = ours()
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return found

    def cleanup_storage(self):
        """Remove the bdev files and SCM directories (large sparse files)."""
        for srv in self.servers:
            for path in srv.dir.glob("bdev*.img"):
                path.unlink()
            for path in srv.dir.glob("scm*"):
                shutil.rmtree(path, ignore_errors=True)
