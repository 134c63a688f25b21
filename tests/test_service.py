"""The Desk service end to end, on a frozen clock: file, reply, attach, appeal, decide, read marks."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from safet_tui import db as m
from safet_tui import transactions
from safet_tui.attachments import AttachmentError
from safet_tui.domain.clock import to_epoch
from safet_tui.domain.lifecycle import Outcome, Status, TransitionError
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import NO_REPLY_DENIAL, Evidence
from safet_tui.service.desk import Desk, Evidenced, NotFound, ServiceError

pytestmark = pytest.mark.backends("sqlite", "postgresql")

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)  # the frozen clock of conftest

DAY = timedelta(days=1)
TABLES = ("account", "product", "claim", "refund", "message", "attachment", "status_event", "read_mark", "meta")


def usd(text: str) -> Money:
    return Money.of(text, "USD")


def snapshot(desk: Desk) -> dict:
    """Every row of every table: a refused write must leave this unchanged."""
    out = {t: transactions.DB.obj.execute_sql(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    if m.is_sqlite():  # on PostgreSQL the full-text index is an index of the message table
        out["fts"] = transactions.DB.obj.execute_sql("SELECT COUNT(*) FROM message_fts").fetchone()
    return out


def store_files(desk: Desk) -> list:
    return sorted(p.name for p in desk.attachments_dir.rglob("*") if p.is_file()) if desk.attachments_dir.exists() else []


@pytest.fixture
def us(empty_desk):
    """An amazon.com account with one claimable refund: refunded 5 days ago, delivered 4 days ago."""
    account = m.Account.create(name="Acme Home", marketplace="amazon.com", currency="USD")
    product = m.Product.create(account=account, sku="KB-01", asin="B0ABCDEFGH", title="Walnut keyboard tray")
    refund_at, delivered_at = NOW - 5 * DAY, NOW - 4 * DAY
    policy = empty_desk.policies["amazon.com"]
    m.Refund.create(
        account=account, product=product, order_id="111-1234567-1234567", order_item_id="11111111111111",
        currency="USD", amount_minor=4999, refund_at=refund_at, delivered_at=delivered_at,
        file_by=policy.file_by(refund_at, delivered_at), basis="return delivery", created_at=refund_at,
    )
    return empty_desk, account.id


def file(desk: Desk, account: int, **over):
    values = dict(
        account_id=account, order_id="111-1234567-1234567", order_item_id="11111111111111",
        reason_code="abuse", amount=usd("49.99"), description="Buyer returned an empty box.",
        refund_at=NOW - 5 * DAY, delivered_at=NOW - 4 * DAY,
    )
    values.update(over)
    return desk.file_claim(**values)


# -- filing ---------------------------------------------------------------------------

def test_file_a_claim(us):
    desk, account_id = us
    assert desk.counts()["claimable"].total == 1
    view = file(desk, account_id)
    assert view.status is Status.INVESTIGATING
    assert (view.claimed, view.reimbursed, view.outcome) == (usd("49.99"), None, None)
    assert (view.sku, view.title, view.marketplace) == ("KB-01", "Walnut keyboard tray", "amazon.com")
    assert view.filed_at == NOW and not view.unread
    assert [(t.kind, t.side, t.body) for t in view.thread] == [
        ("message", "seller", "Buyer returned an empty box."),
        ("status", "seller", "new → Under Investigation"),
    ]
    events = transactions.DB.obj.execute_sql('SELECT actor, "user", action, from_status, to_status, at FROM status_event').fetchall()
    assert events == [("seller", "tester", "file", None, "investigating", to_epoch(NOW))]
    assert desk.refund(1).claim_no == view.claim_no
    counts = desk.counts()
    assert (counts["claimable"].total, counts["investigating"].total, counts["investigating"].unread) == (0, 1, 0)


def test_file_from_a_claimable_refund_of_the_demo(desk):
    rows = desk.window("claimable", 0, 5)
    assert rows and all(r.deadline >= NOW for r in rows)
    assert [r.deadline for r in rows] == sorted(r.deadline for r in rows)  # soonest deadline first
    refund = desk.refund(rows[0].key)
    before = desk.counts()
    view = desk.file_claim(
        account_id=refund.account_id, order_id=refund.order_id, order_item_id=refund.order_item_id,
        reason_code="abuse", amount=refund.amount, description="Returned used and without the charger.",
        refund_at=refund.refund_at, delivered_at=refund.delivered_at,
    )
    after = desk.counts()
    assert after["claimable"].total == before["claimable"].total - 1
    assert after["investigating"].total == before["investigating"].total + 1
    assert desk.refund(refund.id).claim_no == view.claim_no


@pytest.mark.parametrize(
    ("over", "message"),
    [
        # an order the desk knows no refund for, and no refund date typed: nothing has posted
        (dict(refund_at=None, order_id="111-9999999-9999999"), "the refund has not posted yet"),
        (dict(refund_at=NOW + DAY), "the refund posts on"),
        (dict(refund_at=NOW - 40 * DAY, delivered_at=NOW - 40 * DAY), "the filing window closed on"),
        (dict(amount=usd("50.00")), "the claimed amount $50.00 is more than the $49.99 refunded"),
        (dict(amount=Money.of("10", "INR")), "amount is in INR; amazon.com claims are in USD"),
        (dict(description="  "), "every claim needs a description"),
        (dict(reason_code="unsellable"), "missing evidence: Photos of the returned item, Photos of the return package"),
        (dict(account_id=99), "no account #99"),
    ],
)
def test_filing_is_refused_when_not_eligible_and_changes_nothing(us, over, message):
    desk, account_id = us
    before = snapshot(desk)
    with pytest.raises(ServiceError) as info:
        file(desk, account_id, **over)
    assert message in str(info.value)
    assert snapshot(desk) == before


def test_one_claim_per_order_item(us):
    desk, account_id = us
    file(desk, account_id)
    before = snapshot(desk)
    with pytest.raises(ServiceError, match="already has a claim"):
        file(desk, account_id)
    assert snapshot(desk) == before


def test_evidence_files_satisfy_the_reason(us, tmp_path):
    desk, account_id = us
    photo = tmp_path / "item.jpg"
    photo.write_bytes(b"\xff\xd8jpeg item")
    label = tmp_path / "label.png"
    label.write_bytes(b"\x89PNG label")
    view = file(desk, account_id, reason_code="unsellable", files=[
        Evidenced(str(photo), Evidence.ITEM_PHOTOS), Evidenced(str(label), Evidence.PACKAGE_LABEL_PHOTOS),
    ])
    assert [(a.name, a.media_type, a.size) for a in view.attachments] == [
        ("item.jpg", "image/jpeg", 11), ("label.png", "image/png", 10),
    ]
    assert view.thread[0].attachments == view.attachments


# -- attachments ----------------------------------------------------------------------------

def test_attachments_are_copied_content_addressed_never_by_path(us, tmp_path):
    desk, account_id = us
    view = file(desk, account_id)
    data = b"proof of delivery, signed by R. Kumar\n" * 50
    original = tmp_path / "incoming" / "pod.pdf"
    original.parent.mkdir()
    original.write_bytes(data)
    att = desk.attach(view.claim_no, str(original))
    sha = hashlib.sha256(data).hexdigest()
    assert (att.name, att.size, att.sha256, att.media_type) == ("pod.pdf", len(data), sha, "application/pdf")
    stored = desk.attachment_path(sha)
    assert stored == desk.attachments_dir / sha[:2] / sha
    original.unlink()  # the caller's file can go: the store has its own copy
    assert stored.read_bytes() == data
    rows = transactions.DB.obj.execute_sql("SELECT * FROM attachment").fetchall()
    assert not any(str(tmp_path) in str(col) for row in rows for col in row)


def test_the_same_content_is_stored_once(us, tmp_path):
    desk, account_id = us
    view = file(desk, account_id)
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(b"same bytes")
        desk.attach(view.claim_no, str(tmp_path / name))
    assert len(desk.claim(view.claim_no).attachments) == 2
    assert store_files(desk) == [hashlib.sha256(b"same bytes").hexdigest()]


def test_refused_attachments_change_nothing(us, tmp_path):
    desk, account_id = us
    view = file(desk, account_id)
    desk.attachment_limit = 100
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 101)
    exact = tmp_path / "exact.bin"
    exact.write_bytes(b"y" * 100)
    folder = tmp_path / "folder"
    folder.mkdir()
    before, files_before = snapshot(desk), store_files(desk)
    cases = [
        (str(folder), "is a directory, not a file"),
        (str(tmp_path / "missing.jpg"), "no such file"),
        (str(big), "101 B is over the 100 B attachment limit"),
    ]
    for path, message in cases:
        with pytest.raises(AttachmentError, match=message):
            desk.attach(view.claim_no, path)
        with pytest.raises(AttachmentError, match=message):
            desk.reply(view.claim_no, "see attached", [path])
        with pytest.raises(AttachmentError, match=message):
            file(desk, account_id, order_item_id="2", files=[Evidenced(path)])
    assert snapshot(desk) == before
    assert store_files(desk) == files_before
    assert desk.attach(view.claim_no, str(exact)).size == 100  # at the limit is fine


# -- the conversation ------------------------------------------------------------------------------

def test_info_request_and_reply(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(hours=1)
    asked = desk.as_role("amazon").request_info(claim_no, "Please send photos of the label.")
    assert asked.status is Status.AWAITING
    assert asked.reply_by == NOW + timedelta(hours=1) + 7 * DAY  # amazon.com policy default, stored as given
    assert asked.deadline == asked.reply_by
    assert m.Claim.get().due_at == asked.reply_by
    clock.advance(hours=1)
    replied = desk.reply(claim_no, "Photos attached.")
    assert replied.status is Status.INVESTIGATING
    assert replied.reply_by == asked.reply_by
    assert m.Claim.get().due_at is None
    events = transactions.DB.obj.execute_sql(
        "SELECT actor, action, from_status, to_status, at FROM status_event ORDER BY id").fetchall()
    assert events[1:] == [
        ("amazon", "request_info", "investigating", "awaiting", to_epoch(NOW + timedelta(hours=1))),
        ("seller", "reply", "awaiting", "investigating", to_epoch(NOW + timedelta(hours=2))),
    ]
    assert [(t.kind, t.side) for t in replied.thread if t.kind != "status"] == [
        ("message", "seller"), ("info_request", "amazon"), ("message", "seller"),
    ]


def test_reply_under_investigation_adds_a_message_only(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(minutes=5)
    view = desk.reply(claim_no, "One more detail.")
    assert view.status is Status.INVESTIGATING
    assert m.StatusEvent.select().count() == 1
    assert view.thread[-1].body == "One more detail."


def test_in_reply_by_counts_saturdays(empty_desk, clock):
    desk = empty_desk
    account = m.Account.create(name="Acme India", marketplace="amazon.in", currency="INR")
    m.Refund.create(account=account, order_id="402-1234567-1234567", currency="INR", amount_minor=12345600,
                    refund_at=NOW - DAY, delivered_at=NOW - DAY, created_at=NOW - DAY)
    claim_no = desk.file_claim(account_id=account.id, order_id="402-1234567-1234567", order_item_id="", reason_code="abuse",
                               amount=Money.of("123456", "INR"), description="d", refund_at=NOW - DAY,
                               delivered_at=NOW - DAY).claim_no
    # NOW is Monday 2026-11-23 17:30 in India; Tue, Wed, Thu
    assert desk.as_role("amazon").request_info(claim_no, "").reply_by == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert str(desk.claim(claim_no).claimed) == "₹1,23,456.00"


def test_refused_conversation_steps_change_nothing(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    desk.as_role("amazon").request_info(claim_no, "Need the label.", reply_by=NOW + DAY)
    clock.advance(days=1, seconds=1)
    before = snapshot(desk)
    with pytest.raises(TransitionError, match="the reply-by time has passed"):
        desk.reply(claim_no, "Too late?")
    with pytest.raises(ServiceError, match="the reply is empty"):
        desk.reply(claim_no, "   ")
    with pytest.raises(TransitionError, match="only a resolved claim can be appealed"):
        desk.appeal(claim_no, "Why?")
    with pytest.raises(TransitionError, match="cannot request information on a claim that is Awaiting"):
        desk.as_role("amazon").request_info(claim_no, "Again")
    with pytest.raises(NotFound, match="no claim '999'"):
        desk.reply("999", "hello")
    assert snapshot(desk) == before


# -- decisions and appeals ---------------------------------------------------------------------

def test_full_grant_by_amazon(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(days=2)
    view = desk.as_role("amazon").grant(claim_no, usd("49.99"))
    assert (view.status, view.outcome, view.reimbursed) == (Status.RESOLVED, Outcome.GRANT_FULL, usd("49.99"))
    assert view.appeal_by is None  # a full grant leaves nothing to appeal
    assert view.thread[-2].body == "Grant: $49.99 reimbursed."
    assert m.Claim.get().due_at is None  # nothing to appeal, nothing due
    assert desk.why_not_appeal(claim_no) == "the claim was granted in full: there is nothing to appeal"
    before = snapshot(desk)
    with pytest.raises(TransitionError, match="nothing to appeal"):
        desk.appeal(claim_no, "More please")
    with pytest.raises(ServiceError, match="the claim is closed"):
        desk.attach(claim_no, __file__)
    with pytest.raises(TransitionError, match="replies are closed"):
        desk.reply(claim_no, "Thanks")
    assert snapshot(desk) == before


def test_refused_grants_change_nothing(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(days=1)
    before = snapshot(desk)
    with pytest.raises(TransitionError, match=r"cannot grant \$50.00 — more than the \$49.99 claimed"):
        desk.as_role("amazon").grant(claim_no, usd("50"))
    with pytest.raises(TransitionError, match="grant is in INR, the claim is in USD"):
        desk.as_role("amazon").grant(claim_no, Money.of("10", "INR"))
    with pytest.raises(TransitionError, match="a no-grant needs a denial reason"):
        desk.as_role("amazon").no_grant(claim_no, " ")
    assert snapshot(desk) == before


def test_partial_grant_appeal_once_then_refused(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(days=3)
    partial = desk.as_role("amazon").grant(claim_no, usd("20"), "We reimbursed 40%.")
    assert (partial.outcome, partial.reimbursed) == (Outcome.GRANT_PARTIAL, usd("20"))
    assert partial.deadline == NOW + 10 * DAY
    assert m.Claim.get().due_at == NOW + 10 * DAY
    assert desk.why_not_appeal(claim_no) is None
    clock.advance(days=1)
    with pytest.raises(ServiceError, match="an appeal needs a text"):
        desk.appeal(claim_no, "")
    appealed = desk.appeal(claim_no, "The item was unused; photos attached.")
    assert appealed.status is Status.INVESTIGATING and appealed.appeal_used and not appealed.appeal_decided
    assert appealed.appeal_by is None
    clock.advance(days=2)
    decided = desk.as_role("amazon").no_grant(claim_no, "Original decision upheld")
    assert (decided.status, decided.outcome, decided.reimbursed) == (Status.RESOLVED, Outcome.GRANT_PARTIAL, usd("20"))
    assert decided.appeal_decided and decided.deadline is None
    events = transactions.DB.obj.execute_sql("SELECT actor, action FROM status_event ORDER BY id").fetchall()
    assert events == [("seller", "file"), ("amazon", "grant"), ("seller", "appeal"), ("amazon", "decide_appeal")]
    before = snapshot(desk)
    with pytest.raises(TransitionError, match="a claim gets one appeal"):
        desk.appeal(claim_no, "Once more")
    with pytest.raises(ServiceError, match="closed"):
        desk.attach(claim_no, __file__)
    assert snapshot(desk) == before


def test_no_grant_then_appeal_after_appeal_by_is_refused(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(days=1)
    view = desk.as_role("amazon").no_grant(claim_no, "Insufficient evidence provided", appeal_by=NOW + 3 * DAY)
    assert (view.outcome, view.denial_reason, view.reimbursed) == (
        Outcome.NO_GRANT, "Insufficient evidence provided", usd("0"))
    assert view.thread[-2].body == "No-Grant: Insufficient evidence provided"
    clock.advance(days=2, seconds=1)
    assert desk.why_not_appeal(claim_no) == "the appeal-by time has passed"
    before = snapshot(desk)
    with pytest.raises(TransitionError, match="the appeal-by time has passed"):
        desk.appeal(claim_no, "Please look again")
    assert snapshot(desk) == before


def test_appeal_granted_in_full(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(days=1)
    desk.as_role("amazon").no_grant(claim_no, NO_REPLY_DENIAL)
    clock.advance(days=1)
    desk.appeal(claim_no, "I replied by e-mail on time.")
    clock.advance(days=1)
    view = desk.as_role("amazon").grant(claim_no, usd("49.99"))
    assert (view.outcome, view.reimbursed, view.denial_reason, view.appeal_decided) == (
        Outcome.GRANT_FULL, usd("49.99"), None, True)


# -- read marks ------------------------------------------------------------------------------------

def test_read_marks_are_per_user(us, clock):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    assert not desk.claim(claim_no).unread  # your own filing is not news to you
    clock.advance(hours=2)
    desk.as_role("amazon").request_info(claim_no, "Photos please.")
    bob = Desk(desk.target, clock=clock, user="bob")
    try:
        desk.user = "tester"
        assert desk.claim(claim_no).unread
        assert desk.counts()["awaiting"] == bob.counts()["awaiting"]
        assert bob.counts()["awaiting"].unread == 1
        desk.mark_read([claim_no])
        assert not desk.claim(claim_no).unread
        assert desk.counts()["awaiting"].unread == 0
        assert desk.window("awaiting", 0, 10)[0].unread is False
        assert bob.claim(claim_no).unread
        assert bob.counts()["awaiting"].unread == 1
        assert bob.window("awaiting", 0, 10)[0].unread is True
        assert desk.mark_read([claim_no], read=False) == 1
        assert desk.claim(claim_no).unread
        marks = transactions.DB.obj.execute_sql('SELECT "user" FROM read_mark ORDER BY "user"').fetchall()
        assert marks == [("tester",)]
    finally:
        bob.close()


def test_two_users_see_different_unread_on_the_demo(desk, clock):
    alice_counts = desk.counts()
    unread_rows = [r for r in desk.window("resolved", 0, 200) if r.unread]
    assert unread_rows
    desk.mark_read([r.claim_no for r in unread_rows])
    after = desk.counts()
    assert after["resolved"].unread == alice_counts["resolved"].unread - len(unread_rows)
    other = Desk(desk.target, clock=clock, user="someone-else")
    try:
        assert other.counts()["resolved"].unread == alice_counts["resolved"].unread
    finally:
        other.close()


def test_unknown_claim(desk):
    with pytest.raises(NotFound, match="no claim 'nope'"):
        desk.claim("nope")
    assert not desk.exists("nope")


@pytest.mark.backends("sqlite")
def test_the_database_file_stays_healthy(us, clock, tmp_path):
    desk, account_id = us
    claim_no = file(desk, account_id).claim_no
    clock.advance(hours=1)
    desk.as_role("amazon").request_info(claim_no, "x")
    path = desk.target.path
    desk.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM message_fts WHERE message_fts MATCH 'empty'").fetchone() == (1,)
    finally:
        conn.close()


def test_full_grant_has_no_deadline_to_show(desk):
    from safet_tui.domain.lifecycle import Outcome

    for offset in range(0, desk.count("resolved"), 100):
        for row in desk.window("resolved", offset, 100):
            if row.outcome == Outcome.GRANT_FULL.value:
                view = desk.claim(row.claim_no, with_thread=False)
                assert view.deadline is None
                return
    raise AssertionError("the demo has no full grant")


def test_filing_with_a_claim_id_that_exists_is_refused_and_changes_nothing(us):
    desk, account_id = us
    first = file(desk, account_id)
    before = snapshot(desk)
    with pytest.raises(ServiceError, match=f"claim {first.claim_no} already exists"):
        file(desk, account_id, order_item_id="22222222222222", claim_no=first.claim_no)
    assert snapshot(desk) == before
