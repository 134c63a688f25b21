"""Issue 9, point 12: a JSON export restored into an empty database gives back everything it
carries (claims, refunds claimable and linked, payouts with and without a claim), and says what
it does not carry (attachment files) and how to bring them."""

from __future__ import annotations

import io
import json
import shutil

from test_reports_support import US_RETURNS, US_SETTLEMENT

from safet_tui.attachments import stored_path
from safet_tui.export.claims import export_claims
from safet_tui.reports import run_import


def export(desk, **kw) -> str:
    out = io.StringIO(newline="")
    export_claims(desk, out, fmt="json", **kw)
    return out.getvalue()


def _loaded(desk):
    """The demo desk with the US samples (claim-linked refunds, payouts) and a few refunds that carry
    the schema-4 fields and a payout that matches no claim."""
    run_import(desk, "returns", US_RETURNS)
    run_import(desk, "settlement", US_SETTLEMENT)
    db = desk.database
    ids = [i for (i,) in db.execute_sql("SELECT id FROM refund WHERE claim_id IS NULL ORDER BY id LIMIT 3")]
    db.execute_sql("UPDATE refund SET order_minor = amount_minor * 2, not_claimable = "
                   "'partial refund (20.00 of 49.99)' WHERE id = ?", (ids[0],))
    db.execute_sql("UPDATE refund SET order_minor = amount_minor WHERE id = ?", (ids[1],))
    account = db.execute_sql("SELECT id, currency FROM account ORDER BY id LIMIT 1").fetchone()
    db.execute_sql("INSERT INTO payout (account_id, claim_id, order_id, adjustment_id, currency, amount_minor, "
                   "posted_at, source) VALUES (?, NULL, '999-0000000-0000000', 'amzn1:adj:lost', ?, 1234, "
                   "1790000000, 'settlement.tsv')", (account[0], account[1]))
    return desk


def _claimable(desk) -> int:
    return desk.counts()["claimable"].total


def test_restore_into_an_empty_database_gives_back_refunds_and_payouts(desk, tmp_path, clock):
    from safet_tui.service.desk import Desk

    _loaded(desk)
    first = export(desk, with_messages=True)
    doc = json.loads(first)
    assert doc["version"] == 2
    linked = [r for r in doc["refunds"] if r["claim_id"]]
    loose = [r for r in doc["refunds"] if not r["claim_id"]]
    assert linked and loose and doc["payouts"]
    assert {"order_amount", "not_claimable", "file_by", "basis", "created_at"} <= set(doc["refunds"][0])
    assert any(r["not_claimable"] for r in loose) and any(r["order_amount"] for r in loose)
    path = tmp_path / "claims.json"
    path.write_text(first, encoding="utf-8")

    other = Desk(str(tmp_path / "restored.db"), clock=clock, user="tester")
    try:
        s = run_import(other, "claims", path)
        assert s.refunds_added == len(doc["refunds"])
        second = export(other, with_messages=True)
        assert json.loads(second) == doc  # the same document ...
        assert second == first  # ... byte for byte (an export has no timestamp of its own)
        assert _claimable(other) == _claimable(desk) > 0
        again = run_import(other, "claims", path)
        assert not again.changed and again.refunds_unchanged == len(doc["refunds"])
    finally:
        other.close()


def test_restore_says_which_attachment_files_it_lacks(desk, tmp_path, clock, capsys):
    from safet_tui.cli.main import main
    from safet_tui.service.desk import Desk

    out = tmp_path / "claims.json"
    source = desk.target.path
    desk.close()
    assert main(["--db", str(source), "export", "--with-messages", "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[1].startswith("Not in the file: the ")
    assert f"copy the contents of {source}.attachments into the new database's <db>.attachments folder" in err[1]

    target = tmp_path / "restored.db"
    assert main(["--db", str(target), "--create", "import", "claims", str(out)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "attachment file" in line]
    assert len(notes) == 1 and f"not in {target}.attachments" in notes[0]
    assert "copy the contents of the exporting database's <db>.attachments folder there" in notes[0]

    # Once the files are copied, a restore has nothing to say about them.
    shutil.copytree(f"{source}.attachments", f"{tmp_path / 'second.db'}.attachments")
    second = Desk(str(tmp_path / "second.db"), clock=clock, user="tester")
    try:
        s = run_import(second, "claims", out)
        assert s.claims_created and not [n for n in s.notes if "attachment file" in n]
        sha = second.database.execute_sql("SELECT sha256 FROM attachment LIMIT 1").fetchone()[0]
        assert stored_path(second.attachments_dir, sha).is_file()
    finally:
        second.close()


def test_a_filtered_export_carries_only_its_claims_refunds(desk):
    _loaded(desk)
    doc = json.loads(export(desk, statuses=["resolved"]))
    numbers = {c["claim_id"] for c in doc["claims"]}
    assert doc["refunds"] and all(r["claim_id"] in numbers for r in doc["refunds"])
    assert doc["payouts"] == []


def test_version_1_files_still_restore(desk, tmp_path, clock):
    from safet_tui.service.desk import Desk

    doc = json.loads(export(desk))
    doc["version"] = 1
    del doc["refunds"], doc["payouts"]
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    other = Desk(str(tmp_path / "v1.db"), clock=clock, user="tester")
    try:
        assert len(run_import(other, "claims", path).claims_created) == len(doc["claims"])
    finally:
        other.close()
