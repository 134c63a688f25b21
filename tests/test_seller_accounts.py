"""A seller user tied to accounts (``safet user add sam --role seller --account "Saffron Home"``)
sees and acts on only those accounts' claims and refunds: the list and its counts, the filter,
next-unread, a claim by id, its thread, replies and filings, analytics, exports, imports and
notifications. Another account's claim is, for them, no claim at all. Amazon users and users
with no accounts named see everything, as before."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from safet_tui import transactions
from safet_tui.domain.money import Money
from safet_tui.domain.notices import About
from safet_tui.service.desk import Desk, NotFound, ServiceError
from safet_tui.service.users import Users

pytestmark = pytest.mark.backends("sqlite", "postgresql")

MINE, THEIRS = "Saffron Home", "Northwind Goods"
TABS = ("awaiting", "investigating", "resolved")


def add_users(target) -> None:
    users = Users(str(target))
    try:
        users.add("sam", "seller", "password123", (MINE,))
        users.add("nora", "seller", "password123")  # no accounts named: everything
        users.add("ivan", "amazon", "password123")
    finally:
        users.close()


@pytest.fixture
def desks(demo_db, clock):
    add_users(demo_db)
    opened = {name: Desk(str(demo_db), clock=clock, user=name) for name in ("sam", "nora")}
    opened["ivan"] = Desk(str(demo_db), clock=clock, user="ivan", role="amazon")
    yield opened
    for desk in opened.values():
        desk.close()


def every_row(desk, tab, **kw):
    return desk.window(tab, 0, 10_000, **kw)


def a_claim_of(desk, account: str, tab: str | None = None) -> str:
    for t in (tab,) if tab else TABS:
        for row in every_row(desk, t):
            if row.account == account:
                return row.claim_no
    raise AssertionError(f"no claim of {account}")


def test_the_list_its_counts_and_the_filter_keep_to_their_accounts(desks):
    sam, nora = desks["sam"], desks["nora"]
    counts, everyone = sam.counts(), nora.counts()
    for tab in (*TABS, "claimable"):
        rows, all_rows = every_row(sam, tab), every_row(nora, tab)
        assert rows and {r.account for r in rows} == {MINE}, tab
        assert [r.key for r in rows] == [r.key for r in all_rows if r.account == MINE], tab  # same order
        assert counts[tab].total == len(rows) == sam.count(tab) < everyone[tab].total, tab
        assert counts[tab].unread == sum(r.unread for r in rows), tab
        for sort in ("deadline", "updated", "amount", "claim"):  # any page, from the start or the end
            ordered = [r.key for r in every_row(sam, tab, sort=sort)]
            assert [r.key for r in sam.window(tab, len(ordered) - 3, 3, sort=sort)] == ordered[-3:], (tab, sort)
            assert [r.key for r in sam.window(tab, 1, 2, sort=sort)] == ordered[1:3], (tab, sort)
    theirs = a_claim_of(nora, THEIRS)
    assert not any(sam.window(tab, 0, 50, text=theirs) for tab in TABS)  # the filter finds nothing of theirs
    assert all(sam.counts(theirs)[tab].total == 0 for tab in TABS)
    assert not any(every_row(sam, tab, text=f"account:{THEIRS}") for tab in TABS)
    soon = sam.due_soon(24 * 365)
    assert sum(soon.values()) < sum(nora.due_soon(24 * 365).values())


def test_rows_by_id_keep_to_their_accounts(desks):
    """Desk.rows_of reads list rows by claim id (the filter's matches): ids of another account's
    claims give no rows, whoever handed them over."""
    sam, nora = desks["sam"], desks["nora"]
    for tab in TABS:
        rows = every_row(nora, tab)
        ids = [int(r.key) for r in rows]
        assert ids and rows[0].kind == "claim"
        assert {r.account for r in sam.rows_of(ids, "deadline", 0, len(ids))} == {MINE}, tab


def test_next_unread_passes_over_other_accounts_claims(desks):
    sam, nora = desks["sam"], desks["nora"]  # neither has read anything yet: the same claims are unread
    for tab in TABS:
        theirs = [r for r in every_row(nora, tab) if r.account == MINE]
        expected = [i for i, r in enumerate(theirs) if r.unread]
        found, at = [], -1
        while (at := sam.next_unread(tab, at)) is not None:
            found.append(at)
        assert found == expected, tab


def test_another_accounts_claim_is_not_there_for_them_and_nothing_is_changed(desks):
    sam, nora, ivan = desks["sam"], desks["nora"], desks["ivan"]
    theirs = a_claim_of(nora, THEIRS, "awaiting")
    before = len(nora.claim(theirs).thread)
    missing = "no claim '0000000000'"
    with pytest.raises(NotFound) as absent:
        sam.claim("0000000000")
    assert str(absent.value) == missing
    for refused in (lambda: sam.claim(theirs), lambda: sam.reply(theirs, "mine now"),
                    lambda: sam.appeal(theirs, "because"), lambda: sam.refusal(theirs, "reply")):
        with pytest.raises(NotFound) as hidden:
            refused()
        assert str(hidden.value) == missing.replace("0000000000", theirs)  # the same words as a claim that is not
    assert not sam.exists(theirs) and nora.exists(theirs)
    assert sam.mark_read([theirs]) == 0
    assert len(nora.claim(theirs).thread) == before
    attachment = next((a.id for r in every_row(nora, "resolved") if r.account == THEIRS
                       for a in nora.claim(r.claim_no).attachments), None)
    if attachment is not None:
        with pytest.raises(NotFound):
            sam.attachment(attachment)
    # their own accounts' claims work as before; an investigator sees every account
    mine = a_claim_of(sam, MINE, "awaiting")
    assert "Tracking attached." in [i.body for i in sam.reply(mine, "Tracking attached.").thread]
    assert ivan.claim(theirs).account == THEIRS


def test_a_refund_or_a_filing_of_another_account_is_refused(desks):
    sam, nora = desks["sam"], desks["nora"]
    accounts = {a.name: a.id for a in nora.accounts()}
    assert [a.name for a in sam.accounts()] == [MINE]
    refund = next(r for r in every_row(nora, "claimable") if r.account == THEIRS)
    with pytest.raises(NotFound):
        sam.refund(refund.key)
    assert sam.refunds_of_order(refund.order_id) == []
    with pytest.raises(NotFound, match="no account"):
        sam.file_claim(account_id=accounts[THEIRS], order_id=refund.order_id, order_item_id="",
                       reason_code="abuse", amount=Money.of("10", "USD"), description="Not mine to file",
                       refund_at=None)


def test_analytics_count_only_their_accounts(desks):
    from safet_tui.domain.periods import AnalyticsError

    sam, nora = desks["sam"], desks["nora"]
    theirs = sam.analytics("all")
    assert theirs.scope.label == "your accounts" and theirs.currencies == ("INR",)
    same = nora.analytics("all", account=MINE)
    assert theirs.headline == same.headline and theirs.money == same.money
    assert {p.account for p in theirs.products} <= {MINE}
    with pytest.raises(AnalyticsError, match="no account"):
        sam.analytics("all", account=THEIRS)


def test_exports_hold_only_their_accounts(desks, tmp_path):
    from safet_tui.export.claims import export_claims
    from safet_tui.reports import ReportError

    sam = desks["sam"]
    out = io.StringIO()
    export_claims(sam, out, fmt="json")
    doc = json.loads(out.getvalue())
    assert doc["claims"] and {c["account"] for c in doc["claims"]} == {MINE}
    assert {r["account"] for r in doc["refunds"]} == {MINE} and {a["name"] for a in doc["accounts"]} == {MINE}
    with pytest.raises(ReportError, match="no account"):
        export_claims(sam, io.StringIO(), accounts=[THEIRS])
    assert sam.export_claims(str(tmp_path / "mine.csv")) == len(doc["claims"])


def test_an_import_with_rows_of_another_account_is_refused_in_one_line(desks, tmp_path):
    from safet_tui.export.claims import export_claims

    sam, nora = desks["sam"], desks["nora"]
    everything = io.StringIO()
    export_claims(nora, everything, fmt="json")
    path = tmp_path / "everything.json"
    path.write_text(everything.getvalue(), encoding="utf-8")
    before = nora.counts()
    with pytest.raises(ServiceError) as refused:
        sam.import_report("claims", str(path))
    text = str(refused.value)
    assert "\n" not in text and f"account '{THEIRS}' is not one of yours" in text and ".account" in text
    with pytest.raises(ServiceError, match="is not one of yours"):
        sam.import_report("claims", str(path), account=THEIRS)
    assert nora.counts() == before
    mine = io.StringIO()
    export_claims(sam, mine, fmt="json")
    (tmp_path / "mine.json").write_text(mine.getvalue(), encoding="utf-8")
    assert sam.import_report("claims", str(tmp_path / "mine.json"))  # their own: imported (nothing new)


def test_their_desk_hears_only_of_their_accounts_changes(desks):
    sam, nora, ivan = desks["sam"], desks["nora"], desks["ivan"]
    start, _, _ = sam.status_changes_after(None)
    decided = []
    for account in (THEIRS, MINE):
        no = next(r.claim_no for r in every_row(nora, "investigating")
                  if r.account == account and not ivan.claim(r.claim_no).appeal_used)
        ivan.no_grant(no, "No proof")
        decided.append(no)
    _, changes, total = sam.status_changes_after(start)
    assert [c.claim_no for c in changes] == [decided[1]] and total == 1
    _, everyone, _ = nora.status_changes_after(start)
    assert [c.claim_no for c in everyone] == decided


def test_notifications_go_only_to_those_who_may_see_the_account(desks):
    from safet_tui.notify.compose import Links
    from safet_tui.notify.runner import Notifier
    from safet_tui.notify.settings import NotifySettings, Person

    settings = NotifySettings(people=[Person("sam", "sam@example.com"), Person("nora", "nora@example.com")])
    notifier = Notifier(desks["nora"], settings, Links())
    with transactions.bound(desks["nora"].database):
        for account, told in ((THEIRS, ["nora"]), (MINE, ["sam", "nora"])):
            notice = SimpleNamespace(reminder=None, about=About(account))
            assert [p.user for p in notifier.recipients(notice)] == told  # type: ignore[arg-type]


def test_a_report_is_imported_only_into_their_own_account(desks, tmp_path):
    import shutil
    from pathlib import Path

    sam, nora = desks["sam"], desks["nora"]
    report = tmp_path / "returns-report-in.tsv"
    shutil.copy(Path(__file__).parent / "samples" / "returns-report-in.tsv", report)
    before = nora.counts()
    with pytest.raises(ServiceError) as refused:
        sam.import_report("returns", str(report), account=THEIRS)
    assert str(refused.value).count("\n") == 0 and f"account '{THEIRS}' is not one of yours" in str(refused.value)
    assert nora.counts() == before
    lines = sam.import_report("returns", str(report))  # no --account: their one account
    assert any(MINE in line for line in lines)
