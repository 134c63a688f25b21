"""Writing notices as e-mails: a subject with the claim id, the new status and the marketplace;
a plain-text part and an HTML part (every value escaped); the link that opens the claim.

Nothing from the data reaches a header raw: values are made one line with control characters
shown as symbols, and the message uses ``email.policy.SMTP``, which refuses a header holding a
line break anyway. Bodies keep their line breaks but no other control character.
"""

from __future__ import annotations

import hashlib
import html
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import BaseHeader
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from safet_tui.domain.deadlines import humanize_left
from safet_tui.domain.money import format_money
from safet_tui.domain.notices import Deadline, Level, change_words
from safet_tui.domain.printable import clean
from safet_tui.notify.gather import Notice

#: longest text of Amazon's message quoted in an e-mail
QUOTE_LIMIT = 2000
#: notices a digest shows in full (the rest are counted, so a first import is one readable e-mail)
DIGEST_DETAIL = 50


def one_line(value: object) -> str:
    """For a header or a label: line breaks become spaces, other control characters symbols
    (``domain.printable.clean``, the desk's own)."""
    return clean(value)


def body_text(value: object) -> str:
    """For a paragraph: line breaks kept, other control characters shown as symbols."""
    return clean(value, newlines=True)


@dataclass(frozen=True)
class Links:
    """How a recipient opens a claim: the command (over SSH when a host is set), and the URL of
    ``safet serve`` when it has a public one."""

    command: tuple[str, ...] = ("safet",)
    ssh_host: str = ""
    public_url: str = ""

    def shell_command(self, words: Sequence[str]) -> str:
        """``words`` as one line to paste into a shell: over SSH the remote shell parses the
        command a second time, so anything that needs quoting is quoted for both shells."""
        cmd = shlex.join(words)
        if not self.ssh_host:
            return cmd
        plain = all(shlex.quote(w) == w for w in words)
        return f"ssh {shlex.quote(self.ssh_host)} -t {cmd if plain else shlex.quote(cmd)}"

    def open_command(self, claim_no: str) -> str:
        # a claim id that reads as an option (--config=…) stays the claim id after "--"
        return self.shell_command([*self.command, "open", *(["--"] if claim_no.startswith("-") else []),
                                   claim_no])

    def url(self, claim_no: str) -> str:
        if not self.public_url:
            return ""
        from urllib.parse import quote

        return f"{self.public_url.rstrip('/')}/?claim={quote(claim_no)}"


def _when(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%Y-%m-%d %H:%M %Z} ({tz})"


def subject(n: Notice) -> str:
    if n.reminder is not None:
        kind, level, _at = n.reminder
        what = f"{kind.label.lower()} {'passed' if level is Level.PASSED else level.label}"
    elif n.change is not None and n.change[1] != n.status:
        # the status this change led to, not where the claim stands by the time it is sent (a
        # reply-by that passed, then the investigator's decision, read in one run: two e-mails)
        what = n.change[1]
    else:
        what = n.status + (f" ({n.outcome})" if n.outcome else "")
    return one_line(f"{n.subject_id}: {what} · {n.marketplace}")


def facts(n: Notice, now: datetime) -> list[tuple[str, str]]:
    """The label/value rows of a notice (plain strings, not yet cleaned)."""
    rows: list[tuple[str, str]] = []
    if n.change is not None:
        old, new, action, actor, user, at, note = n.change
        rows.append(("Change", f"{old} → {new}: {change_words(action, actor, user)}, {_when(at, n.timezone)}"))
        if note:
            rows.append(("Note", note))
    if n.reminder is not None:
        kind, level, at = n.reminder
        state = "passed unanswered" if level is Level.PASSED else humanize_left(at, now)
        estimated = n.deadline is not None and n.deadline[0] is kind and n.deadline[2]
        rows.append(("Reminder", f"{kind.label} {'~' if estimated else ''}{_when(at, n.timezone)}: {state}"
                     + (" (estimated)" if estimated else "")))
    if n.claim_no:
        rows.append(("Claim", n.claim_no))
        rows.append(("Status", n.status + (f" · {n.outcome}" if n.outcome else "")))
        if n.denial_reason:
            rows.append(("Denial reason", n.denial_reason))
    rows.append(("Product", " · ".join(p for p in (n.sku, n.title) if p) or "(unknown)"))
    rows.append(("Order", n.order_id))
    rows.append(("Account", f"{n.account} ({n.marketplace})"))
    if n.claimed is not None:
        rows.append(("Claimed" if n.claim_no else "Refunded", format_money(n.claimed)))
    if n.reimbursed is not None:
        rows.append(("Reimbursed", format_money(n.reimbursed)))
    if n.paid is not None:
        rows.append(("Paid out", format_money(n.paid)))
    reminded = n.reminder is not None and n.deadline is not None and n.reminder[0] is n.deadline[0]
    if n.deadline is not None and not reminded:
        kind, at, estimated = n.deadline
        left = humanize_left(at, now)
        rows.append((kind.label, f"{'~' if estimated else ''}{_when(at, n.timezone)}, {left}"
                     + (" (estimated)" if estimated else "")))
    return rows


def _links(n: Notice, links: Links) -> list[tuple[str, str]]:
    if not n.claim_no:  # a refund to file a claim on: the desk's Claimable tab
        return [("Open", links.shell_command(links.command)), ("", f"then 4 (Claimable), / {n.order_id} to find the refund, n to file the claim")]
    out = [("Open", links.open_command(n.claim_no))]
    if url := links.url(n.claim_no):
        # safet serve runs one command for every visitor, so the claim is a step away: the palette
        out.append(("In a browser", url))
        out.append(("", f"then : and {n.claim_no} opens the claim"))
    return out


def _plain_section(n: Notice, rows: list[tuple[str, str]], links: Links) -> str:
    lines = [subject(n), ""]
    lines += [f"{one_line(label)}: {one_line(value)}" if label else f"  {one_line(value)}"
              for label, value in rows]
    if n.latest is not None:
        at, text = n.latest
        lines += ["", f"Amazon's latest message ({_when(at, n.timezone)}):"]
        lines += ["> " + line for line in body_text(text[:QUOTE_LIMIT]).split("\n")]
    lines.append("")
    lines += [f"{label}: {one_line(value)}" if label else f"  {one_line(value)}" for label, value in _links(n, links)]
    return "\n".join(lines)


def _html_section(n: Notice, rows: list[tuple[str, str]], links: Links) -> str:
    e = html.escape
    table = "".join(f"<tr><th align=\"left\">{e(one_line(k))}</th><td>{e(one_line(v))}</td></tr>"
                    for k, v in rows)
    out = [f"<h2>{e(subject(n))}</h2>", f"<table>{table}</table>"]
    if n.latest is not None:
        at, text = n.latest
        out.append(f"<p>Amazon's latest message ({e(_when(at, n.timezone))}):</p>")
        out.append(f"<blockquote><pre>{e(body_text(text[:QUOTE_LIMIT]))}</pre></blockquote>")
    for label, value in _links(n, links):
        if value.startswith(("https://", "http://")):
            out.append(f"<p>{e(label)}: <a href=\"{e(value, quote=True)}\">{e(value)}</a></p>")
        else:
            out.append(f"<p>{e(label)}{': ' if label else ''}<code>{e(one_line(value))}</code></p>")
    return "\n".join(out)


def message_id(keys: Sequence[str], recipient: str) -> str:
    """The same notice to the same person always has the same Message-ID (a resend is seen as one)."""
    digest = hashlib.sha256(("\n".join(keys) + "\n" + recipient).encode()).hexdigest()[:24]
    return f"<{digest}@safet.notify>"


@lru_cache(maxsize=256)
def _parsed(name: str, value: str) -> BaseHeader:
    """A header parsed once for every e-mail that carries it (parsing an address is a good part of
    building a message; the parsed header is immutable, so e-mails can share it)."""
    return policy.SMTP.header_factory(name, one_line(value))


def build(notices: Sequence[Notice], recipient: str, sender: str, links: Links, now: datetime) -> EmailMessage:
    """One e-mail: a notice, or a digest of several (reminders first; the first
    :data:`DIGEST_DETAIL` in full, the rest counted)."""
    keys = [n.key for n in notices]
    if len(notices) > 1:
        notices = sorted(notices, key=lambda n: n.reminder is None)
    shown, rest = notices[:DIGEST_DETAIL], len(notices) - DIGEST_DETAIL
    msg = EmailMessage(policy=policy.SMTP)
    if len(notices) == 1:
        subj = subject(notices[0])
    else:
        changes = sum(1 for n in notices if n.reminder is None)
        parts = [f"{changes} claim change{'s' * (changes != 1)}"] if changes else []
        if reminders := len(notices) - changes:
            parts.append(f"{reminders} reminder{'s' * (reminders != 1)}")
        subj = f"{len(notices)} updates: " + ", ".join(parts)
    msg["Subject"] = one_line(f"[safet] {subj}")
    msg["From"] = _parsed("From", sender)
    msg["To"] = _parsed("To", recipient)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(keys, recipient)
    msg["Auto-Submitted"] = _parsed("Auto-Submitted", "auto-generated")
    sep = "\n\n" + "-" * 60 + "\n\n"
    more = f"… and {rest:,} more: open the desk ({shlex.join(links.command)}) to see them all." if rest > 0 else ""
    rows = [facts(n, now) for n in shown]  # once for both parts
    msg.set_content(sep.join([*(_plain_section(n, r, links) for n, r in zip(shown, rows, strict=True)),
                              *([more] if more else [])]) + "\n")
    page = "\n<hr>\n".join([*(_html_section(n, r, links) for n, r in zip(shown, rows, strict=True)),
                              *([f"<p>{html.escape(more)}</p>"] if more else [])])
    msg.add_alternative(f"<!DOCTYPE html>\n<html><body>\n{page}\n</body></html>\n", subtype="html")
    return msg


__all__ = ["Deadline", "Links", "build", "message_id", "one_line", "subject"]
