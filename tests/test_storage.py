"""Storage: SQLite settings, database URLs, and exact round trips of money and instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from safet_tui import db as m
from safet_tui import db_open, transactions
from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.money import Money

pytestmark = pytest.mark.backends("sqlite", "postgresql")


@pytest.fixture
def database(fresh_db):
    database = db_open.open_database(fresh_db)
    yield database
    database.close()


def pragma(database, name):
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


@pytest.mark.backends("sqlite")
def test_sqlite_settings_are_actually_set(database):
    assert pragma(database, "journal_mode") == "wal"
    assert pragma(database, "synchronous") == 1  # NORMAL (FULL is 2)
    assert pragma(database, "foreign_keys") == 1
    assert pragma(database, "busy_timeout") == 5000


@pytest.mark.backends("sqlite")
def test_settings_hold_on_a_new_connection(database):
    database.close()
    database.connect()
    assert (pragma(database, "synchronous"), pragma(database, "foreign_keys"), pragma(database, "busy_timeout")) == (
        1, 1, 5000,
    )


def test_foreign_keys_are_enforced(database):
    with pytest.raises(m.pw.IntegrityError):
        m.Product.create(account=999, sku="X")
    assert m.Product.select().count() == 0


@pytest.mark.backends("sqlite")
def test_fts_table_exists(database):
    assert database.table_exists("message_fts")


@pytest.mark.backends("postgresql")
def test_postgresql_searches_message_text_on_a_gin_index(database):
    """The filter's message branch is the GIN index over each message's words (not a LIKE scan)."""
    from safet_tui.postgres import FTS_MATCH, ts_query

    (definition,) = database.execute_sql(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'message' AND indexname = %s", (m.PG_FTS_INDEX[0],)
    ).fetchone()
    assert "USING gin (to_tsvector('simple'::regconfig, body))" in definition
    database.execute_sql("SET enable_seqscan = off")  # a tiny table: the planner would scan it
    plan = "\n".join(r[0] for r in database.execute_sql(
        "EXPLAIN " + FTS_MATCH.replace("?", "%s"), (ts_query(["empty", "box"]),)))
    assert m.PG_FTS_INDEX[0] in plan, plan


# -- URLs ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("demo.db", db_open.DbTarget("sqlite", Path("demo.db"))),
        ("/srv/safet/desk.db", db_open.DbTarget("sqlite", Path("/srv/safet/desk.db"))),
        ("sqlite:///relative/desk.db", db_open.DbTarget("sqlite", Path("relative/desk.db"))),
        ("sqlite:////abs/desk.db", db_open.DbTarget("sqlite", Path("/abs/desk.db"))),
        ("postgresql://ana:pw@db.example:5432/safet", db_open.DbTarget("postgresql", url="postgresql://ana:pw@db.example:5432/safet")),
        ("postgres://db/safet", db_open.DbTarget("postgresql", url="postgres://db/safet")),
    ],
)
def test_parse_db_url(value, target, monkeypatch):
    monkeypatch.delenv("SAFET_DB", raising=False)
    assert db_open.parse_db_url(value) == target


def test_home_is_expanded(monkeypatch):
    monkeypatch.setenv("HOME", "/home/ana")
    assert db_open.parse_db_url("~/desk.db").path == Path("/home/ana/desk.db")
    assert db_open.parse_db_url("sqlite:///~/desk.db").path == Path("/home/ana/desk.db")


def test_safet_db_is_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SAFET_DB", "sqlite:///from/env.db")
    assert db_open.parse_db_url(None) == db_open.DbTarget("sqlite", Path("from/env.db"))
    assert db_open.parse_db_url("") == db_open.DbTarget("sqlite", Path("from/env.db"))
    assert db_open.parse_db_url("given.db").path == Path("given.db")  # an explicit --db wins


def test_without_either_the_database_lives_in_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("SAFET_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert db_open.parse_db_url(None) == db_open.DbTarget("sqlite", tmp_path / "data" / "safet" / "safet.db")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sqlite://", "bad database URL 'sqlite://'"),
        ("sqlite:///", "bad database URL 'sqlite:///'"),
        ("sqlite://host/desk.db", "bad database URL 'sqlite://host/desk.db'"),
        ("mysql://u@h/db", "unsupported database URL 'mysql://u@h/db'"),
        ("http://example.com/x.db", "unsupported database URL"),
    ],
)
def test_bad_urls(value, message):
    with pytest.raises(transactions.DatabaseError) as info:
        db_open.parse_db_url(value)
    assert str(info.value).startswith(message)


def test_attachment_store_sits_beside_the_database():
    assert db_open.parse_db_url("/srv/desk.db").attachments_dir == Path("/srv/desk.db.attachments")


def test_open_refuses_what_is_not_a_database(tmp_path):
    with pytest.raises(transactions.DatabaseError, match="is a directory, not a database file"):
        db_open.open_database(str(tmp_path))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all, just some text " * 100)
    with pytest.raises(transactions.DatabaseError, match="junk.db is not a safet database"):
        db_open.open_database(str(junk))
    with pytest.raises(transactions.DatabaseError, match="no database at"):
        db_open.open_database(str(tmp_path / "missing.db"), create=False)
    assert not (tmp_path / "missing.db").exists()


def test_postgresql_that_cannot_be_reached_is_a_database_error():
    with pytest.raises(transactions.DatabaseError, match="cannot open postgresql://"):
        db_open.open_database("postgresql://nobody@127.0.0.1:1/safet?connect_timeout=1")


# -- round trips ----------------------------------------------------------------------

def make_claim(**over):
    account = m.Account.get_or_create(name="Acme", marketplace="amazon.in", currency="INR")[0]
    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    values = dict(
        claim_no="3400000001", account=account, order_id="402-1", reason="abuse", status="investigating",
        currency="INR", claimed_minor=Money.of("123456.78", "INR").minor, filed_at=at, updated_at=at, changed_at=at,
    )
    values.update(over)
    return m.Claim.create(**values)


def test_money_round_trips_exactly(database):
    amounts = ["0.01", "0.10", "19.99", "123456.78", "99999999999.99"]
    for i, text in enumerate(amounts):
        make_claim(claim_no=str(i), claimed_minor=Money.of(text, "INR").minor)
    back = [Money.from_minor(c.claimed_minor, c.currency) for c in m.Claim.select().order_by(m.Claim.id)]
    assert back == [Money.of(t, "INR") for t in amounts]
    total = database.execute_sql("SELECT SUM(claimed_minor) FROM claim").fetchone()[0]
    assert Money.from_minor(total, "INR") == Money.of("100000123476.87", "INR")


def test_aware_datetimes_round_trip_as_the_same_instant(database):
    ist = datetime(2026, 11, 23, 17, 30, 15, tzinfo=ZoneInfo("Asia/Kolkata"))
    la = datetime(2026, 3, 8, 1, 59, 59, tzinfo=ZoneInfo("America/Los_Angeles"))  # just before a DST jump
    make_claim(filed_at=ist, reply_by=la)
    claim = m.Claim.get()
    assert claim.filed_at == datetime(2026, 11, 23, 12, 0, 15, tzinfo=UTC)
    assert claim.filed_at.tzinfo is UTC
    assert claim.reply_by == la
    assert claim.appeal_by is None
    raw = database.execute_sql("SELECT filed_at FROM claim").fetchone()[0]
    assert raw == int(ist.timestamp()) == 1_795_435_215


def test_instants_are_kept_to_the_second(database):
    make_claim(filed_at=datetime(2026, 11, 23, 12, 0, 15, 999_999, tzinfo=UTC))
    assert m.Claim.get().filed_at == datetime(2026, 11, 23, 12, 0, 15, tzinfo=UTC)


def test_a_naive_datetime_is_refused_and_nothing_is_written(database):
    with pytest.raises(ValueError, match="filed_at: naive datetime .* must be timezone-aware"):
        make_claim(filed_at=datetime(2026, 11, 23, 12, 0))
    assert m.Claim.select().count() == 0
    make_claim()
    with pytest.raises(ValueError, match="timezone-aware"):
        m.Claim.update(reply_by=datetime(2026, 11, 30)).execute()
    assert m.Claim.get().reply_by is None


def test_epoch_helpers():
    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert to_epoch(at) == 1_795_435_200
    assert from_epoch(1_795_435_200) == at
    assert to_epoch(None) is None and from_epoch(None) is None
    assert from_epoch(to_epoch(at + timedelta(days=1))) == at + timedelta(days=1)


def test_meta_values(database):
    assert m.meta_get("schema_version") == str(m.SCHEMA_VERSION)
    assert m.meta_get("missing", "x") == "x"
    m.meta_set("k", "1")
    m.meta_set("k", "2")
    assert m.meta_get("k") == "2"
