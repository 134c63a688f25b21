"""Issue 9, point 11: impossible records are refused in one line naming the file, the JSON path (or
line and column), the field and the value, and nothing is imported."""

from __future__ import annotations

import copy
import json
import os

import pytest
from test_reports_support import US_RETURNS, rows_of, set_cell, snapshot, table_counts, write_rows

from safet_tui.reports import ReportError, run_import


def claim(**over) -> dict:
    c = {
        "claim_id": "3417789012", "account": "Acme", "marketplace": "amazon.com", "order_id": "113-0048213-9920134",
        "order_item_id": "55120933871204", "sku": "LED-DESK-LAMP-BLK", "asin": "B09XQ4MZ2T", "title": "LED Desk Lamp",
        "reason": "unsellable", "status": "resolved", "outcome": "grant_partial", "denial_reason": None,
        "currency": "USD", "claimed": "34.50", "reimbursed": "15.00", "paid": "0.00",
        "filed_at": "2026-10-07T14:22:05Z", "updated_at": "2026-10-20T10:00:00Z", "reply_by": None,
        "appeal_by": "2026-10-27T10:00:00Z", "appeal_used": False, "appeal_decided": False,
        "description": "Returned damaged.",
        "payouts": [{"adjustment_id": "amzn1:adj:1", "order_id": "113-0048213-9920134", "amount": "15.00",
                     "posted_at": "2026-10-22T00:00:00Z", "source": "s.tsv"}],
        "messages": [{"at": "2026-10-07T14:22:05Z", "side": "seller", "kind": "message", "author": "me",
                      "body": "It came back broken.",
                      "attachments": [{"name": "photo.jpg", "size": 3, "sha256": "a" * 64,
                                       "media_type": "image/jpeg", "at": "2026-10-07T14:22:05Z"}]}],
        "attachments": [],
        "events": [{"at": "2026-10-07T14:22:05Z", "actor": "seller", "user": "me", "action": "file",
                    "from_status": None, "to_status": "investigating", "note": ""}],
    }
    c.update(over)
    return c


def document(*claims: dict, **over) -> dict:
    doc = {"format": "safet-claims", "version": 2, "with_messages": True,
           "accounts": [{"name": "Acme", "marketplace": "amazon.com", "currency": "USD"}],
           "claims": list(claims) or [claim()], "refunds": [], "payouts": []}
    doc.update(over)
    return doc


def write(tmp_path, doc, name="claims.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def fails(desk, kind, path) -> ReportError:
    before_counts, before_rows = table_counts(desk.database), snapshot(desk.database)
    with pytest.raises(ReportError) as err:
        run_import(desk, kind, path)
    assert table_counts(desk.database) == before_counts and snapshot(desk.database) == before_rows
    text = str(err.value)
    assert "\n" not in text and text.startswith(os.path.basename(str(path)))
    return err.value


def test_a_good_record_imports(empty_desk, tmp_path):
    s = run_import(empty_desk, "claims", write(tmp_path, document()))
    assert s.claims_created == ["3417789012"]


def _set(path: str, value):
    """document() with the value at a dotted path of its first claim replaced."""
    doc = document()
    target = doc["claims"][0]
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if k.isdigit() else target[k]
    target[keys[-1]] = value
    return doc


@pytest.mark.parametrize(("where", "value", "words"), [
    ("claimed", "0.00", "more than zero"),
    ("claimed", "-5.00", "more than zero"),
    ("reimbursed", "500.00", "more than the 34.50 claimed"),
    ("reimbursed", "-1.00", "cannot be negative"),
    ("claimed", "92233720368547758.08", "out of range"),  # 2^63 minor units
    ("claimed", "1e400", "not an amount"),
    ("payouts.0.amount", "92233720368547758.08", "out of range"),
    ("filed_at", "9999-12-31T23:59:59Z", "out of range"),
    ("updated_at", "1970-01-01T00:00:00Z", "out of range"),
    ("appeal_by", "2101-06-01T00:00:00Z", "out of range"),  # a deadline may lie a year past 2100 (counted from 2099)
    ("filed_at", "2100-01-01T00:00:00Z", "out of range"),
    ("messages.0.at", "0001-01-01T00:00:00+05:00", "out of range"),
    ("claim_id", "'; DROP TABLE claim; --", "not a SAFE-T claim id"),
    ("claim_id", "12345", "not a SAFE-T claim id"),
    ("marketplace", "amazon.xx", "unknown marketplace"),
    ("currency", "US", "not the currency of amazon.com"),
    ("currency", "INR", "not the currency of amazon.com"),
    ("messages.0.side", "hacker", "unknown message side"),
    ("messages.0.kind", "shout", "unknown message kind"),
    ("events.0.actor", "root", "unknown actor"),
    ("events.0.to_status", "open", "unknown status"),
    ("events.0.from_status", "closed", "unknown status"),
    ("messages.0.attachments.0.sha256", "../../../etc/passwd", "not a sha256"),
    ("messages.0.attachments.0.size", 2**70, "whole number of bytes"),
])
def test_impossible_values(empty_desk, tmp_path, where, value, words):
    e = fails(empty_desk, "claims", write(tmp_path, _set(where, value)))
    path = "claims[0]." + ".".join(f"[{k}]" if k.isdigit() else k for k in where.split(".")).replace(".[", "[")
    assert (e.file, e.column, e.value) == ("claims.json", path, str(value))
    assert words in str(e)
    assert f"claims.json, {path}: " in str(e)


@pytest.mark.parametrize(("over", "field", "words"), [
    ({"status": "resolved", "outcome": None, "reimbursed": None}, "outcome", "needs an outcome"),
    ({"status": "awaiting", "outcome": "no_grant", "reimbursed": "0.00", "reply_by": "2026-10-30T00:00:00Z"},
     "outcome", "no outcome yet"),
    ({"status": "investigating", "outcome": "grant_partial"}, "outcome", "no outcome yet"),
    ({"appeal_used": False, "appeal_decided": True}, "appeal_decided", "none was made"),
    ({"status": "investigating", "outcome": None, "reimbursed": None, "appeal_used": True, "appeal_decided": True},
     "appeal_decided", "leaves the claim resolved"),
    ({"outcome": "grant_full", "reimbursed": "15.00"}, "reimbursed", "reimburses the 34.50 claimed"),
    ({"outcome": "no_grant", "reimbursed": "15.00", "denial_reason": "x"}, "reimbursed", "reimburses nothing"),
    ({"outcome": "grant_partial", "reimbursed": "34.50"}, "reimbursed", "less than the 34.50 claimed"),
])
def test_status_outcome_and_appeal_must_agree(empty_desk, tmp_path, over, field, words):
    e = fails(empty_desk, "claims", write(tmp_path, document(claim(**over))))
    assert e.column == f"claims[0].{field}" and words in str(e)


def test_pending_appeal_keeps_the_first_decision(empty_desk, tmp_path):
    """Awaiting or investigating with an outcome is fine while that outcome's appeal is pending."""
    pending = claim(status="awaiting", outcome="no_grant", reimbursed="0.00", appeal_used=True,
                    reply_by="2026-10-30T00:00:00Z", appeal_by=None)
    assert run_import(empty_desk, "claims", write(tmp_path, document(pending))).claims_created


def test_the_rule_is_one_domain_function():
    from safet_tui.domain.records import RecordError, check_record

    check_record(claim_no="3417789012", status="resolved", outcome="grant_full", claimed=100, reimbursed=100,
                 appeal_used=False, appeal_decided=False)
    with pytest.raises(RecordError) as err:
        check_record(claim_no="3417789012", status="resolved", outcome="grant_full", claimed=100, reimbursed=101,
                     appeal_used=False, appeal_decided=False)
    assert (err.value.field, err.value.value) == ("reimbursed", "1.01")


def test_account_currency_must_be_the_marketplaces(empty_desk, tmp_path):
    doc = document(accounts=[{"name": "Acme", "marketplace": "amazon.com", "currency": "US"}])
    e = fails(empty_desk, "claims", write(tmp_path, doc))
    assert (e.column, e.value) == ("accounts[0].currency", "US")


def test_duplicate_claim_id_with_different_data_is_refused(empty_desk, tmp_path):
    e = fails(empty_desk, "claims", write(tmp_path, document(claim(), claim(claimed="44.50"))))
    assert (e.column, e.value) == ("claims[1].claim_id", "3417789012") and "claims[0]" in str(e)


def test_identical_duplicate_is_read_once(empty_desk, tmp_path):
    s = run_import(empty_desk, "claims", write(tmp_path, document(claim(), claim())))
    assert s.claims_created == ["3417789012"]
    assert any("more than once" in n for n in s.notes)


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "safet-claims", "version": 2, "claims": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"format": "safet-claims", "version": 2, "claims": [{"claimed": ' + "9" * 5000 + "}]}",
    '{"format": "safet-claims", "version": 2, "claims": [{"claimed": NaN}]}',
])
def test_json_that_breaks_the_parser_is_one_line(empty_desk, tmp_path, text):
    e = fails(empty_desk, "claims", write(tmp_path, text))
    assert e.file == "claims.json"


# -- returns report -----------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value", "words"), [
    ("SafeT claim reimbursement amount", "5000.00", "more than the 34.50 claimed"),
    ("SafeT claim reimbursement amount", "-5.00", "cannot be negative"),
    ("SafeT claim id", "not-a-claim", "not a SAFE-T claim id"),
    ("Refunded Amount", "92233720368547758.08", "out of range"),
    ("Return delivery date", "9999-12-31", "out of range"),
])
def test_returns_report_refuses_impossible_claims(empty_desk, tmp_path, column, value, words):
    rows = set_cell(rows_of(US_RETURNS), 3, column, value)  # line 3: claim 3417789012, 34.50 refunded
    e = fails(empty_desk, "returns", write_rows(tmp_path / "r.tsv", rows))
    assert (e.file, e.line, e.column, e.value) == ("r.tsv", 3, column, value)
    assert words in str(e)


# -- what the command line reads --------------------------------------------------------------

def _cli_fails(tmp_path, capsys, path, *, kind="claims") -> str:
    from safet_tui.cli.main import main

    db = tmp_path / "cli.db"
    assert main(["--db", str(db), "--create", "import", kind, str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("safet: error: ")
    from safet_tui.db import Claim, Refund
    from safet_tui.db_open import open_database

    open_database(str(db))
    assert Claim.select().count() == 0 and Refund.select().count() == 0
    return err[0]


@pytest.mark.parametrize("kind", ["claims", "auto", "returns"])
def test_a_device_is_refused_before_reading(tmp_path, capsys, kind):
    assert "not a regular file" in _cli_fails(tmp_path, capsys, "/dev/zero", kind=kind)


@pytest.mark.parametrize("kind", ["claims", "auto"])
def test_a_fifo_is_refused_without_waiting(tmp_path, capsys, kind):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert "pipe.json: not a regular file" in _cli_fails(tmp_path, capsys, fifo, kind=kind)


def test_a_file_over_the_size_limit_is_refused(tmp_path, capsys, monkeypatch):
    from safet_tui.reports import runner

    assert runner.MAX_IMPORT_BYTES == 512 * 1024 * 1024
    monkeypatch.setattr(runner, "MAX_IMPORT_BYTES", 1000)
    big = write(tmp_path, json.dumps(document(*[claim(claim_id=str(3400000000 + i)) for i in range(5)])))
    assert big.stat().st_size > 1000
    assert "over the 1,000 bytes import limit" in _cli_fails(tmp_path, capsys, big)


def test_a_bad_record_from_the_cli_is_one_line_and_exit_1(tmp_path, capsys):
    doc = copy.deepcopy(document(claim(claimed="-1.00")))
    line = _cli_fails(tmp_path, capsys, write(tmp_path, doc))
    assert line == "safet: error: claims.json, claims[0].claimed: '-1.00': the claimed amount must be more than zero"


@pytest.mark.parametrize(("column", "value", "problem"), [
    ("amount", "92233720368547758.07", "out of range"),
    ("posted-date-time", "9999-10-09 08:12:55 UTC", "out of range"),
])
def test_a_settlement_report_refuses_what_the_desk_cannot_keep(empty_desk, tmp_path, column, value, problem):
    """Every report reads its cells through the same readers: 2^63 cents or year 9999 is one line."""
    from test_reports_support import US_SETTLEMENT, rows_of, set_cell, write_rows

    from safet_tui.reports import ReportError, run_import

    path = write_rows(tmp_path / "settlement.tsv", set_cell(rows_of(US_SETTLEMENT), 6, column, value))
    with pytest.raises(ReportError) as info:
        run_import(empty_desk, "settlement", path)
    assert str(info.value).startswith(f"settlement.tsv, line 6, column '{column}': '{value}': {problem}")
    assert "\n" not in str(info.value)
