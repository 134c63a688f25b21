"""Every status change queues its notification in its own transaction, whoever made it: the desk,
an investigator in another terminal, a report import, a reply-by passing. Reminders once per level."""

from __future__ import annotations

import json

import pytest
from test_reports_support import US_RETURNS, US_SETTLEMENT

from safet_tui.domain.money import Money
from safet_tui.outbox import queue_status_changes
from safet_tui.reports import run_import
from tests.notify_support import investigating

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def owed(desk) -> list[tuple[str, str]]:
    return [tuple(r) for r in desk.database.execute_sql(
        "SELECT o.key, o.detail FROM outbox o WHERE o.kind = 'status' ORDER BY o.id")]


def changes(desk) -> list[int]:
    return [r[0] for r in desk.database.execute_sql(
        "SELECT id FROM status_event WHERE from_status IS NOT NULL ORDER BY id")]


def test_each_writer_queues_each_change_once(desk, clock):
    assert owed(desk) == []  # the demo's history is not news
    base = set(changes(desk))
    amazon = desk.as_role("amazon", "ivan")
    a, b, c = investigating(desk, 3)
    amazon.request_info(a, "Invoice please")
    desk.reply(a, "Attached.")
    amazon.grant(b, Money.of("5", desk.claim(b).claimed.currency))
    amazon.request_info(c, "Tracking please")
    clock.advance(days=8)
    assert desk.catch_up() >= 1  # c's reply-by passed unanswered
    for path, kind in ((US_RETURNS, "returns"), (US_SETTLEMENT, "settlement")):
        run_import(desk, kind, path)
    new = [i for i in changes(desk) if i not in base]
    keys = [k for k, _ in owed(desk)]
    assert keys == [f"status:{i}" for i in new] and len(set(keys)) == len(keys)
    via = {json.loads(d)["via"] for _, d in owed(desk)}
    assert via == {"desk", "import"}
    # queued twice: still once
    queue_status_changes(desk.database, min(new) - 1)
    assert [k for k, _ in owed(desk)] == keys


def test_a_refused_change_queues_nothing(desk):
    amazon = desk.as_role("amazon", "ivan")
    a = investigating(desk, 1)[0]
    amazon.no_grant(a, "No proof")
    before = owed(desk)
    try:
        amazon.no_grant(a, "again")  # resolved already: refused, nothing written
    except Exception:
        pass
    assert owed(desk) == before


def test_reminders_once_per_level(desk, clock):
    from safet_tui.notify.reminders import queue_reminders
    from safet_tui.transactions import write_transaction

    def run() -> list[str]:
        with write_transaction(desk.database, 5):
            queue_reminders(desk.database, clock.now())
        return [r[0] for r in desk.database.execute_sql("SELECT key FROM outbox WHERE kind = 'reminder' ORDER BY id")]

    first = run()
    assert first and all(k.startswith("reminder:") for k in first)
    assert {k.split(":")[1] for k in first} >= {"reply_by", "appeal_by", "file_by"}
    assert run() == first  # once
    clock.advance(hours=30)
    later = run()
    assert later[:len(first)] == first and len(later) > len(first)
    levels = {k.rsplit(":", 1)[1] for k in later}
    assert {"24h", "passed"} <= levels
    # never two levels of one deadline in one scan
    per_deadline = [k.rsplit(":", 1)[0] for k in later[len(first):]]
    assert len(per_deadline) == len(set(per_deadline))
