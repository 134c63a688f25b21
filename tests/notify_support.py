"""A real SMTP server on loopback for the notification tests (aiosmtpd), and helpers to make
status changes and read the messages off the wire."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from safet_tui.domain.lifecycle import Status


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Keeps every message the server accepted, as parsed e-mails. ``gate``: a message after the
    first ``gate_after`` waits (before it is accepted) until ``release`` is set."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.gate_after: int | None = None
        self.waiting = threading.Event()
        self.release = threading.Event()
        self.refuse_rcpt = ""
        self.changed = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt and address == self.refuse_rcpt:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.gate_after is not None and len(self.messages) >= self.gate_after:
            self.waiting.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            return "451 the client went away"  # never accepted: the sender died before our reply
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.changed:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.changed.notify_all()
        return "250 Message accepted for delivery"


class MailServer:
    """``login``: (user, password) the server requires (AUTH over plain loopback, for the test)."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.logins: list[tuple[str, str]] = []
        extra = {}
        if login is not None:
            from aiosmtpd.smtp import AuthResult

            def check(server, session, envelope, mechanism, data):
                got = (data.login.decode(), data.password.decode())
                self.logins.append(got)
                return AuthResult(success=got == login, handled=False)

            extra = {"authenticator": check, "auth_require_tls": False, "auth_required": True}
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **extra)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.recorder.release.set()
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages


def write_config(path: Path, port: int, extra: str = "", users: str | None = None) -> Path:
    users = users if users is not None else """
[notifications.users.maria]
email = "maria@example.com"

[notifications.users.ivan]
email = "ivan@example.com"
role = "amazon"
"""
    path.write_text(f"""
[notifications]
from = "safet <safet@example.com>"
{extra}

[notifications.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
{users}
""", encoding="utf-8")
    return path


def investigating(desk, n: int) -> list[str]:
    """``n`` claims under investigation with no appeal (so an investigator can ask or decide)."""
    rows = desk.window("investigating", 0, 400)
    out = []
    for r in rows:
        c = desk.claim(r.claim_no, with_thread=False)
        if c.status is Status.INVESTIGATING and not c.appeal_used:
            out.append(r.claim_no)
        if len(out) == n:
            break
    return out


def decide(db, clock, n: int = 1) -> list[str]:
    """``n`` claims under investigation decided No-Grant by the investigator ivan (maria's desk)."""
    from safet_tui.service.desk import Desk

    seller = Desk(str(db), clock=clock, user="maria")
    nos = investigating(seller, n)
    for no in nos:
        seller.as_role("amazon", "ivan").no_grant(no, "No proof")
    seller.close()
    return nos


def parts(msg: EmailMessage) -> tuple[str, str]:
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()
