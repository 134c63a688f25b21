"""Sending over SMTP with the standard library: TLS or STARTTLS, a login from the config or the
environment, timeouts. Every failure becomes :class:`MailError` with one line that never holds
the password."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

from safet_tui.notify.settings import DEFAULT_PORTS, Smtp


class MailError(Exception):
    """The mail server cannot be reached or refused the session (nothing more is sent this run)."""


class NotConfigured(MailError):
    """No mail server in the config: nothing was tried, so nothing waits for a retry."""


class Refused(Exception):
    """The server refused one message (its recipient or content); the others can still go."""


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def describe(exc: BaseException, smtp: Smtp) -> str:
    """One line for a failure: what and where, never the password."""
    if isinstance(exc, smtplib.SMTPResponseException):
        reason = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text = f"{exc.smtp_code} {reason}"
    else:
        text = str(exc) or type(exc).__name__
    text = " ".join(text.split())
    return _redact(f"{type(exc).__name__}: {text}", smtp.secret())[:300]


class SmtpTransport:
    """One SMTP session, opened on the first message and kept for the run."""

    def __init__(self, smtp: Smtp, sender: str) -> None:
        self.smtp = smtp
        self.envelope_from = parseaddr(sender)[1] or "safet@localhost"
        self._conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.smtp
        if not s.host:
            raise NotConfigured("no mail server configured: set [notifications.smtp] host in the config")
        port = s.port or DEFAULT_PORTS[s.security]
        try:
            if s.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout,
                                                      context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(s.host, port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if s.username:
                try:
                    conn.login(s.username, s.secret())
                except UnicodeEncodeError:  # smtplib's AUTH is ASCII; its error would quote the password
                    conn.close()
                    raise MailError(f"mail server {s.host}:{port} not usable: the login has a character "
                                    "outside ASCII, which SMTP AUTH cannot carry") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"mail server {s.host}:{port} not usable: {describe(exc, s)}") from None
        return conn

    def send(self, msg: EmailMessage, recipient: str) -> None:
        """Hand one message to the server; returns once the server accepted it."""
        if self._conn is None:
            self._conn = self._open()
        try:
            refused = self._conn.send_message(msg, from_addr=self.envelope_from, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            raise Refused(describe(exc, self.smtp)) from None
        except smtplib.SMTPNotSupportedError:  # raised before MAIL: the session is still good
            raise Refused("the mail server cannot take an address outside ASCII (no SMTPUTF8)") from None
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPSenderRefused):
                raise Refused(describe(exc, self.smtp)) from None
            self._drop()
            raise MailError(f"mail server {self.smtp.address}: {describe(exc, self.smtp)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise MailError(f"mail server {self.smtp.address}: {describe(exc, self.smtp)}") from None
        if refused:
            raise Refused(f"recipient refused: {recipient}")

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
