"""Deadline reminders: which deadlines have reached a reminder level (``domain.notices``), queued
in the outbox under a key that names the deadline and the level, so each is sent once."""

from __future__ import annotations

import json
from datetime import datetime

import peewee as pw

from safet_tui.db import sql_for
from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.lifecycle import Outcome, Status
from safet_tui.domain.notices import (
    PASSED_LOOKBACK,
    Deadline,
    horizon,
    reminder_key,
    reminder_level,
)
from safet_tui.outbox import queue


def due_reminders(database: pw.Database, now: datetime) -> list[tuple[str, str, int | None, str, int]]:
    """Outbox rows for every deadline at a reminder level now: reply-by (claims awaiting the
    seller), appeal-by (resolved claims not granted in full and not appealed), file-by
    (claimable refunds with no claim)."""
    def q(text: str, *params) -> list[tuple]:
        return list(database.execute_sql(sql_for(database, text), params))

    back, at = to_epoch(now - PASSED_LOOKBACK), to_epoch(now)
    found: list[tuple[Deadline, str, int | None, int, dict]] = []
    for cid, no, due in q("SELECT id, claim_no, reply_by FROM claim WHERE status = ? AND reply_by BETWEEN ? AND ?",
                          Status.AWAITING.value, back, at + int(horizon(Deadline.REPLY_BY).total_seconds())):
        found.append((Deadline.REPLY_BY, no, cid, due, {}))
    for cid, no, due in q(
            "SELECT id, claim_no, appeal_by FROM claim WHERE status = ? AND appeal_used = ? "
            "AND (outcome IS NULL OR outcome <> ?) AND appeal_by BETWEEN ? AND ?",
            Status.RESOLVED.value, False, Outcome.GRANT_FULL.value, back,
            at + int(horizon(Deadline.APPEAL_BY).total_seconds())):
        found.append((Deadline.APPEAL_BY, no, cid, due, {}))
    for rid, due in q("SELECT id, file_by FROM refund WHERE claim_id IS NULL AND not_claimable = '' "
                      "AND file_by BETWEEN ? AND ?", back, at + int(horizon(Deadline.FILE_BY).total_seconds())):
        found.append((Deadline.FILE_BY, f"refund-{rid}", None, due, {"refund": rid}))
    rows = []
    for kind, subject, claim_id, due, extra in found:
        deadline = from_epoch(due)
        level = reminder_level(kind, deadline, now)
        if level is None:
            continue
        detail = json.dumps({"deadline": kind.value, "level": level.value, "at": due, **extra})
        rows.append((reminder_key(kind, subject, deadline, level), "reminder", claim_id, detail, at))
    return rows


def queue_reminders(database: pw.Database, now: datetime) -> int:
    """Queue the reminders due now (inside the caller's write transaction); returns how many are new."""
    return queue(database, due_reminders(database, now))
