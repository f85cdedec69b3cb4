"""utils/certs/gen_certificates.sh: a CA and the server/admin/agent certificates."""
import os
import subprocess

import pytest

SRC = os.environ.get("DAOS_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(SRC, "utils", "certs", "gen_certificates.sh")


def run(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60,
                          check=check)


@pytest.fixture(name="certs")
def fixture_certs(tmp_path):
    out = run("bash", SCRIPT, str(tmp_path))
    assert "Certificates are in" in out.stdout
    return tmp_path / "daosCA"


def verify(certs, name, purpose):
    return run("openssl", "verify", "-CAfile", str(certs / "certs" / "daosCA.crt"),
               "-purpose", purpose, str(certs / "certs" / (name + ".crt")), check=False)


def test_chain_and_purposes(certs):
    """Each certificate chains to the CA and carries only the purposes it needs."""
    assert verify(certs, "server", "sslserver").returncode == 0
    assert verify(certs, "server", "sslclient").returncode == 0
    for name in ("admin", "agent"):
        assert verify(certs, name, "sslclient").returncode == 0
        bad = verify(certs, name, "sslserver")
        assert bad.returncode != 0
        assert "unsuitable certificate purpose" in bad.stdout + bad.stderr


def test_names_and_permissions(certs):
    """CNs identify the role; the server answers for loopback; keys are private."""
    for name in ("server", "admin", "agent"):
        subj = run("openssl", "x509", "-noout", "-subject", "-in",
                   str(certs / "certs" / (name + ".crt"))).stdout
        assert "CN = " + name in subj
        key = certs / "certs" / (name + ".key")
        assert oct(key.stat().st_mode & 0o777) == "0o600"
    text = run("openssl", "x509", "-noout", "-text", "-in",
               str(certs / "certs" / "server.crt")).stdout
    assert "IP Address:127.0.0.1" in text and "DNS:localhost" in text
    assert oct((certs / "private" / "daosCA.key").stat().st_mode & 0o777) == "0o600"


def test_refuses_to_overwrite(certs):
    """A second run never replaces an existing CA."""
    before = (certs / "certs" / "daosCA.crt").read_bytes()
    again = run("bash", SCRIPT, str(certs.parent), check=False)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert (certs / "certs" / "daosCA.crt").read_bytes() == before


def test_foreign_ca_rejected(certs, tmp_path_factory):
    """A certificate from another CA does not verify against ours."""
    other = tmp_path_factory.mktemp("other")
    run("bash", SCRIPT, str(other))
    res = run("openssl", "verify", "-CAfile", str(certs / "certs" / "daosCA.crt"),
              str(other / "daosCA" / "certs" / "admin.crt"), check=False)
    assert res.returncode != 0
