"""Hostile text in data reaches no terminal raw (issue 14, points 1, 2 and 6).

1. The command line prints every value from data cleaned: import echoes, report text, export
   messages, error lines. JSON on standard output keeps every character but as ``\\u`` escapes.
2. The desk draws the claim id, a message's side and kind and an event's actor cleaned, and
   ``clean`` shows bidi controls and invisible characters instead of letting them act.
6. Long fields are labels cut with an ellipsis (one line), message bodies wrap.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from desk_support import make_app, screen_text, settle, type_text, wait_for, wait_for_screen

from safet_tui.cli.main import main
from safet_tui.db import Account, Claim, Message, Product, Refund, StatusEvent
from safet_tui.domain.money import Money
from safet_tui.domain.printable import clean, json_inert
from safet_tui.screens.attachments import AttachmentsScreen
from safet_tui.screens.dialogs import TextDialog
from safet_tui.screens.thread import ThreadScreen

SAMPLE = Path(__file__).parent / "samples" / "returns-report-us.tsv"
TITLE_OSC = "\x1b]0;PWNED\x07"  # sets the terminal's title
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"  # writes the clipboard (OSC 52)
CLEAR = "\x1b[2J\x1b[H"  # clears the screen
C1_CSI = "\x9b2J"  # the one-byte CSI of 8-bit terminals


def raw_controls(text: str) -> list[str]:
    """Characters a terminal would act on: ESC, BEL and the other C0 controls but newline, C1."""
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """``safet`` run in-process on a private database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SAFET_DB", raising=False)
    monkeypatch.delenv("SAFET_CONFIG", raising=False)
    db = str(tmp_path / "cli.db")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([*args, "--db", db, "--create"])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def hostile_report(path, **cells: str):
    """The US returns sample's claim row alone, with the named columns replaced."""
    lines = SAMPLE.read_bytes().decode("utf-8").split("\r\n")
    header = lines[0].split("\t")
    row = lines[2].split("\t")
    for column, value in cells.items():
        row[header.index(column)] = value
    path.write_bytes(("\r\n".join([lines[0], "\t".join(row)]) + "\r\n").encode("utf-8"))
    return path


# -- 1. the command line ----------------------------------------------------------------------

def test_import_echo_of_account_and_report_text_is_cleaned(cli, tmp_path):
    report = hostile_report(tmp_path / "evil.tsv", **{
        "Merchant SKU": "SKU-" + CLIPBOARD, "Item Name": "Lamp " + TITLE_OSC + CLEAR + C1_CSI,
    })
    code, out, err = cli("import", "returns", str(report), "--account", "Shop" + CLIPBOARD)
    assert code == 0, err
    assert raw_controls(out + err) == []
    assert "Shop␛]52;c;ZXZpbA==␇" in out  # shown, not run

    code, out, err = cli("report", "--period", "all")
    assert code == 0, err
    assert raw_controls(out + err) == []
    assert "SKU-␛]52;c;ZXZpbA==␇" in out and "Lamp ␛]0;PWNED␇␛[2J␛[H" in out


def test_report_text_keeps_a_long_title_to_one_short_cell(cli, tmp_path):
    cli("import", "returns", str(hostile_report(tmp_path / "r.tsv", **{"Item Name": "Stand Mixer " * 420})))
    code, out, err = cli("report", "--period", "all")
    assert code == 0, err
    products = [line for line in out.splitlines() if "Stand Mixer Stand" in line]
    assert len(products) == 1 and "…" in products[0] and len(products[0]) < 200


def test_json_on_standard_output_keeps_every_character_as_an_escape(cli, tmp_path):
    """JSON is data: the reader gets the title back exactly, the terminal gets no control byte
    (JSON escapes ESC and BEL itself; C1, DEL and bidi controls are escaped here)."""
    title = "Lamp " + TITLE_OSC + C1_CSI + "\x7f\u202e"
    cli("import", "returns", str(hostile_report(tmp_path / "r.tsv", **{"Item Name": title})))
    for command in (("report", "--period", "all", "--format", "json"), ("export", "--format", "json")):
        code, out, err = cli(*command)
        assert code == 0, err
        assert raw_controls(out) == [] and "\u202e" not in out, command
        assert _holds(json.loads(out), title), command  # the same data, every character


def _holds(doc, value: str) -> bool:
    if isinstance(doc, dict):
        return any(_holds(v, value) for v in doc.values())
    if isinstance(doc, list):
        return any(_holds(v, value) for v in doc)
    return doc == value


def test_error_lines_and_export_messages_quote_file_names_cleaned(cli, tmp_path):
    bad = tmp_path / f"report{TITLE_OSC}.tsv"
    bad.write_text("not a report at all\n", encoding="utf-8")
    code, out, err = cli("import", "returns", str(bad))
    assert code == 1
    assert raw_controls(out + err) == [] and "report␛]0;PWNED␇.tsv" in err
    assert len(err.splitlines()) == 1

    cli("import", "returns", str(hostile_report(tmp_path / "r.tsv")))
    code, out, err = cli("export", "-o", str(tmp_path / f"out{CLIPBOARD}.csv"))
    assert code == 0, err
    assert raw_controls(out + err) == [] and "out␛]52;c;ZXZpbA==␇.csv" in err


def test_a_lone_surrogate_in_a_claims_file_is_refused_in_one_line(cli, tmp_path):
    """Found by the property suite: JSON can spell half a UTF-16 pair, which is not text; the import
    stopped with a traceback (UnicodeEncodeError) after reading the whole file."""
    cli("import", "returns", str(hostile_report(tmp_path / "r.tsv")))
    cli("export", "--format", "json", "--with-messages", "-o", str(tmp_path / "c.json"))
    text = (tmp_path / "c.json").read_text(encoding="utf-8").replace('"title": "', '"title": "\\ud800', 1)
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    code, out, err = cli("import", "claims", str(tmp_path / "bad.json"))
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "claims[0].title" in err and "surrogate" in err


def test_a_blank_account_name_in_a_claims_file_is_refused(cli, tmp_path):
    """Found by the property suite: an account named "\\r" landed as an account without a name,
    whose export then could not be imported."""
    cli("import", "returns", str(hostile_report(tmp_path / "r.tsv")))
    cli("export", "--format", "json", "-o", str(tmp_path / "c.json"))
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    old = doc["accounts"][0]["name"]
    for record in doc["accounts"]:
        record["name"] = "\r" if record["name"] == old else record["name"]
    for record in [*doc["claims"], *doc["refunds"]]:
        record["account"] = "\r" if record["account"] == old else record["account"]
    (tmp_path / "blank.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = cli("import", "claims", str(tmp_path / "blank.json"))
    assert code == 1 and "accounts[0].name" in err and "missing" in err and len(err.splitlines()) == 1


def test_a_bugs_traceback_is_printed_cleaned(capsys):
    """An unexpected error keeps its traceback (it is a bug), but the values it quotes are cleaned."""
    from safet_tui.cli import output

    try:
        raise RuntimeError("order " + TITLE_OSC)
    except RuntimeError as exc:
        output._cleaned_traceback(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: order ␛]0;PWNED␇" in err and raw_controls(err) == []


def test_argparse_errors_quoting_a_value_are_cleaned(cli):
    code, out, err = cli("report", "--format", "text", "--bucket", "week" + TITLE_OSC)
    assert code == 2
    assert raw_controls(out + err) == []


# -- 2. clean() and the desk ------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "shown"), [
    ("invoice\u202egnp.exe", "invoice⟨RLO⟩gnp.exe"),  # right-to-left override
    ("a\u2066b\u2069c", "a⟨LRI⟩b⟨PDI⟩c"),
    ("\u200e\u200f\u061c", "⟨LRM⟩⟨RLM⟩⟨ALM⟩"),
    ("\ufeffSKU-1", "⟨BOM⟩SKU-1"),
    ("SKU\u200b-1\u2060", "SKU⟨ZWSP⟩-1⟨WJ⟩"),
    ("SKU\u200d-1", "SKU⟨ZWJ⟩-1"),  # a joiner next to ASCII only makes look-alikes
    ("soft\u00adhyphen\u180e", "soft⟨SHY⟩hyphen⟨MVS⟩"),
    ("x\U000e0041\U000e0042", "x⟨U+E0041⟩⟨U+E0042⟩"),  # tag characters: invisible ASCII
    ("\x9b2J", "⟨U+009B⟩2J"),
    ("\ud800", "\ufffd"),
])
def test_clean_shows_bidi_and_invisible_characters(raw, shown):
    assert clean(raw) == shown


def test_clean_keeps_scripts_that_need_joiners_and_treats_separators_as_line_breaks():
    for text in ("क्\u200dष", "क्\u200cष", "नमस्ते दुनिया", "نیم\u200cفاصله", "👩\u200d💻", "❤\ufe0f\u200d🔥",
                 "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "Grüße, ça va"):
        assert clean(text) == text
    assert clean("a\u2028b\u2029c") == "a b c"
    assert clean("a\u2028b\u2029c", newlines=True) == "a\nb\nc"


def test_json_inert_is_lossless():
    doc = {"t": "x\x1b\x9b\x7f\u202e\u200b\U000e0041\u2028 नमस्ते"}
    text = json_inert(json.dumps(doc, ensure_ascii=False))
    assert json.loads(text) == doc
    assert raw_controls(text) == [] and "\u202e" not in text and "\U000e0041" not in text
    assert "नमस्ते" in text  # ordinary text stays readable


def hostile_claim(desk, clock, *, title: str = "Lamp", claim_no: str | None = None) -> str:
    """A claim whose stored fields hold what no importer lets in today (another client, an older
    safet, a hand-edited database): the desk must still draw it inert."""
    account = Account.create(name="Shop", marketplace="amazon.com", currency="USD")
    product = Product.create(account=account, sku="LAMP-1", asin="B0LAMP", title=title)
    refund_at = clock.now().replace(day=20)
    Refund.create(account=account, product=product, order_id="112-1234567-7654321", order_item_id="1",
                  currency="USD", amount_minor=1999, refund_at=refund_at, created_at=refund_at)
    view = desk.file_claim(account_id=account.id, order_id="112-1234567-7654321", order_item_id="1",
                           reason_code="abuse", amount=Money(Decimal("19.99"), "USD"),
                           description="The buyer returned an empty box.", refund_at=refund_at)
    claim = Claim.get(Claim.claim_no == view.claim_no)
    if claim_no is not None:
        Claim.update(claim_no=claim_no).where(Claim.id == claim.id).execute()
    at = clock.now()
    Message.create(claim=claim, side="amazon" + TITLE_OSC, kind="decision" + CLEAR, author="x",
                   body="Please send the invoice.", created_at=at)
    StatusEvent.create(claim=claim, at=at, actor="amazon" + CLIPBOARD, action="decide",
                       from_status="investigating", to_status="investigating")
    return claim_no or view.claim_no


async def test_claim_id_side_kind_and_actor_are_drawn_cleaned(empty_desk, clock):
    claim_no = hostile_claim(empty_desk, clock, claim_no="3417650022" + TITLE_OSC)
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Order 112-1234567-7654321" in screen_text(app))  # the preview
        await settle(pilot)
        home = screen_text(app)
        assert raw_controls(home) == [], "the preview draws the claim id raw"
        assert "Claim 3417650022␛]0;PWNED␇" in home
        assert "amazon␛]0;PWNED␇ · " in home  # the latest message's side, in the preview
        await pilot.press("enter")
        screen = await wait_for_screen(pilot, ThreadScreen)
        assert screen.claim_no == claim_no
        thread = screen_text(app)
        assert raw_controls(thread) == []
        assert "Claim 3417650022␛]0;PWNED␇" in thread  # the header
        assert "amazon␛]52;c;ZXZpbA==␇" in thread  # the event's actor
        assert "decision␛[2J␛[H" in thread  # the message's kind
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x07" not in svg


async def test_the_command_palette_shows_a_claim_id_as_written(empty_desk, clock):
    """Command titles are markup: a claim id holding ``[@click=…]`` must stay text, not become an action."""
    hostile_claim(empty_desk, clock, claim_no="3417650022[@click=app.quit]x[/]")
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Order 112-1234567-7654321" in screen_text(app))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: "Search for commands" in screen_text(app))
        await type_text(pilot, "copy claim")  # the search, whose hits are highlighted markup too
        await wait_for(pilot, lambda: "Copy claim id" in screen_text(app))
        assert "Copy claim id 3417650022[@click=app.quit]x[/]" in screen_text(app)


async def test_the_files_list_shows_a_file_name_as_written(empty_desk, clock, tmp_path):
    """The files list's options are markup: a file named ``[@click=app.quit]`` stays a name."""
    claim_no = hostile_claim(empty_desk, clock)
    evil = tmp_path / "[@click=app.quit]invoice[b].pdf"
    evil.write_bytes(b"%PDF-1.4 x")
    empty_desk.attach(claim_no, str(evil))
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Order 112-1234567-7654321" in screen_text(app))
        await pilot.press("v")
        await wait_for_screen(pilot, AttachmentsScreen)
        await wait_for(pilot, lambda: "[@click=app.quit]invoice[b].pdf" in screen_text(app))


# -- 6. long fields: labels cut, content wrapped ----------------------------------------------

async def test_a_5000_character_title_is_one_line_in_the_header_and_the_preview(empty_desk, clock):
    title = "Stand Mixer " * 420  # ~5,000 characters
    hostile_claim(empty_desk, clock, title=title)
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(80, 35)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "LAMP-1 · Stand Mixer" in screen_text(app))
        await settle(pilot)
        home = screen_text(app).splitlines()
        product = [line for line in home if line.lstrip().startswith("LAMP-1 · Stand Mixer")]
        assert len(product) == 1 and product[0].endswith("…")
        assert any("Order 112-1234567-7654321" in line for line in home)  # not pushed out
        await pilot.press("enter")
        await wait_for_screen(pilot, ThreadScreen)
        header = app.screen.query_one("#thread-header")
        shown = screen_text(app).splitlines()
        product = [line for line in shown if "Stand Mixer Stand" in line]
        assert len(product) == 1 and product[0].endswith("…"), "the title fills the header"
        assert header.size.height <= 7
        assert any(line.lstrip().startswith("Reason:") for line in shown)  # the rest of the header shows
        assert any("Please send the invoice." in line for line in shown)  # and the thread under it


async def test_long_bodies_wrap_and_long_labels_in_a_thread_are_cut(empty_desk, clock):
    claim_no = hostile_claim(empty_desk, clock)
    claim = Claim.get(Claim.claim_no == claim_no)
    body = " ".join(["word"] * 120)
    Message.create(claim=claim, side="seller", kind="message", author="Agent " * 200, body=body,
                   created_at=clock.now())
    StatusEvent.create(claim=claim, at=clock.now(), actor="amazon", action="decide", from_status="investigating",
                       to_status="investigating", note="Refused " * 700)
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock, open_claim=claim_no)
    async with app.run_test(size=(80, 35)) as pilot:
        await wait_for_screen(pilot, ThreadScreen)
        shown = screen_text(app).splitlines()
        authors = [line for line in shown if "Agent Agent" in line]
        assert len(authors) == 1  # the panel's title: one line
        assert sum(line.count("word") for line in shown) == 120  # the body: wrapped, all there
        status = [line for line in shown if "Refused Refused" in line]
        assert 1 <= len(status) <= 3 and "…" in status[-1]  # a status change's note: cut


async def test_a_dialog_title_is_one_line_cut_with_an_ellipsis(empty_desk, clock):
    db_path = empty_desk.target.path
    empty_desk.close()
    app = make_app(db_path, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(TextDialog("Request information on claim " + "3417650022 " * 40))
        await wait_for_screen(pilot, TextDialog)
        title = app.screen.query_one(".dialog-title")
        assert title.size.height == 1
        assert [line for line in screen_text(app).splitlines() if "Request information" in line][0].rstrip(
            " █").endswith("…")
