"""STARTTLS and TLS to a server on loopback with a certificate made for the test: sent when the
certificate is trusted, refused in one line when it is not."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller

from safet_tui.cli.main import main
from safet_tui.domain.clock import Clock
from safet_tui.service.desk import Desk
from tests.conftest import NOW
from tests.notify_support import Recorder, free_port, investigating, write_config

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture
def cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    return crt, ctx


def tls_server(ctx: ssl.SSLContext, implicit: bool) -> tuple[Controller, Recorder, int]:
    recorder, port = Recorder(), free_port()
    extra = {"ssl_context": ctx} if implicit else {"tls_context": ctx, "require_starttls": True}
    return Controller(recorder, hostname="127.0.0.1", port=port, **extra), recorder, port


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_sent_over_tls_only_with_a_trusted_certificate(security, cert, demo_db, clock, tmp_path, monkeypatch,
                                                       capsys):
    crt, ctx = cert
    monkeypatch.setattr(Clock, "now", lambda self: NOW)
    monkeypatch.delenv("SAFET_CONFIG", raising=False)
    seller = Desk(str(demo_db), clock=clock, user="maria")
    seller.as_role("amazon", "ivan").no_grant(investigating(seller, 1)[0], "No proof")
    seller.close()
    controller, recorder, port = tls_server(ctx, implicit=security == "tls")
    controller.start()
    try:
        cfg = write_config(tmp_path / "c.toml", port)
        cfg.write_text(cfg.read_text().replace('security = "none"', f'security = "{security}"'))
        args = ["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nothing-trusted.pem"))
        capsys.readouterr()
        assert main(args) == 1  # a certificate nobody vouches for: refused, nothing sent
        err = capsys.readouterr().err
        assert "CERTIFICATE_VERIFY_FAILED" in err.splitlines()[0] and "Traceback" not in err
        assert recorder.messages == []
        monkeypatch.setenv("SSL_CERT_FILE", str(crt))
        clock_later = NOW.replace(hour=NOW.hour + 1)  # past the retry's back-off
        monkeypatch.setattr(Clock, "now", lambda self: clock_later)
        assert main(args) == 0
        assert len(recorder.messages) == 1
    finally:
        controller.stop()
