"""Upgrading an old PostgreSQL database: a server database at schema 1 (or 6), as an older safet
made it, filled, then opened with today's code: it walks every frozen step (safet_tui/migrations)
to the current version with nothing lost, ends with the same tables, columns and indexes as a
database created today, and the desk reads, searches and writes it. (On SQLite the same is in
test_migrations.py.)"""

from __future__ import annotations

import re

import psycopg
import pytest

from safet_tui import db as m
from safet_tui import db_open, migrations
from safet_tui.domain.money import Money
from safet_tui.transactions import close_database

pytestmark = pytest.mark.backends("postgresql")

T = 1_795_000_000  # 2026-11-18T09:06:40Z
#: columns that hold database ids (peewee's AutoField and foreign keys: INTEGER on PostgreSQL)
_ID = re.compile(r"^(id|\w+_id)$")
_ID_EXCEPTIONS = {"order_id", "order_item_id", "adjustment_id"}  # text, named like ids
_BOOLEANS = {"appeal_used", "appeal_decided"}


def pg_schema_v1() -> str:
    """Schema 1 as peewee spelled it on PostgreSQL for the models of that version: the frozen
    SQLite DDL (``migrations.SCHEMA_V1``) with PostgreSQL's types (serial ids, BIGINT amounts and
    instants, BOOLEAN flags, "user" quoted), and the index peewee made for every foreign key
    (``ForeignKeyField``'s default then as now; the frozen DDL leaves them out, but schema 3's
    step drops three of them, so they were there)."""
    out = []
    ddl = migrations.SCHEMA_V1
    for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\);", ddl, re.S):
        for column in re.findall(r"FOREIGN KEY \((\w+)\)", body):
            ddl += f"\nCREATE INDEX {table}_{column} ON {table} ({column});"
    for line in ddl.splitlines():
        def column(match: re.Match) -> str:
            name, kind = match.group(1), match.group(2)
            if kind != "INTEGER":
                return match.group(0)
            if name == "id":  # every table's primary key
                return f"{name} SERIAL"
            if _ID.match(name) and name not in _ID_EXCEPTIONS:
                return f"{name} INTEGER"
            return f"{name} {'BOOLEAN' if name in _BOOLEANS else 'BIGINT'}"

        line = re.sub(r"\b(\w+) (INTEGER|VARCHAR\(\d+\)|TEXT)\b", column, line)
        out.append(re.sub(r"\buser\b(?!s)", '"user"', line))
    return "\n".join(out)


ROWS_V1 = f"""
INSERT INTO account VALUES (1, 'Acme Home', 'amazon.com', 'USD'), (2, 'Acme India', 'amazon.in', 'INR');
INSERT INTO product VALUES (1, 1, 'KB-01', 'B0ABCDEFGH', 'Walnut keyboard tray');
INSERT INTO claim VALUES (1, '3400000001', 1, 1, '111-1234567-1234567', '12345678901234', 'abuse',
    'Buyer sent back a brick', 'awaiting', NULL, NULL, 'USD', 124950, NULL, {T}, {T}, {T},
    {T + 30 * 86400}, NULL, FALSE, FALSE, {T + 30 * 86400});
INSERT INTO claim VALUES (2, '3400000002', 2, NULL, '402-7654321-7654321', '', 'unsellable',
    'Damaged', 'resolved', 'grant_partial', NULL, 'INR', 12345600, 5000000, {T}, {T + 60}, {T + 60},
    NULL, {T + 7 * 86400}, FALSE, FALSE, {T + 7 * 86400});
INSERT INTO refund VALUES (1, 1, 1, '111-1234567-1234567', '12345678901234', 'DEFECTIVE', 'USD', 124950,
    {T - 86400}, {T - 3600}, NULL, 'return delivery', 1, {T - 86400});
INSERT INTO message VALUES (1, 1, 'seller', 'message', 'ana', 'The parcel held a brick, not a tray', {T});
INSERT INTO message VALUES (2, 2, 'amazon', 'decision', 'amazon', 'Partial grant', {T + 60});
INSERT INTO attachment VALUES (1, 1, 1, 'label.jpg', 2048, '{"a" * 64}', 'image/jpeg', {T});
INSERT INTO status_event VALUES (1, 1, {T}, 'seller', 'ana', 'file', NULL, 'investigating', '');
INSERT INTO status_event VALUES (2, 1, {T + 30}, 'amazon', 'ivan', 'request_info', 'investigating', 'awaiting', '');
INSERT INTO read_mark VALUES ('ana', 2, {T + 60});
"""

#: rows of the tables schemas 2 to 6 added
ROWS_V6 = f"""
INSERT INTO payout (account_id, claim_id, order_id, adjustment_id, currency, amount_minor, posted_at, source)
    VALUES (2, 2, '402-7654321-7654321', 'ADJ-1', 'INR', 5000000, {T + 120}, 'settlement.tsv');
INSERT INTO import_log (kind, file_name, sha256, at, summary) VALUES ('settlement', 's.tsv', '{"b" * 64}', {T}, '{{}}');
INSERT INTO draft ("user", kind, claim_key, body, updated_at) VALUES ('ana', 'reply', '3400000001', 'half a reply', {T});
INSERT INTO outbox (key, kind, claim_id, detail, created_at, attempts, last_error)
    VALUES ('status:2', 'status', 2, '{{"to": "resolved"}}', {T + 60}, 1, '');
INSERT INTO delivery (outbox_id, recipient, sent_at) VALUES (1, 'ana@example.com', {T + 90});
"""

_TABLES = ["account", "product", "claim", "refund", "message", "attachment", "status_event", "read_mark"]
_TABLES_V6 = ["payout", "import_log", "draft", "outbox", "delivery"]


def _advance_sequences(con: psycopg.Connection) -> None:
    """Rows an older safet wrote went through each table's id sequence: set them past the ids used."""
    for (table,) in con.execute("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                                "AND column_name = 'id' AND column_default LIKE 'nextval%'").fetchall():
        con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))")


def old_database(pg, version: int) -> str:
    """A server database at ``version`` (1, or a later one reached through the frozen steps as
    that safet's upgrade left it), filled with the rows its tables held."""
    url = pg.create(pg.fresh_name(f"v{version}"))
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(pg_schema_v1())
        con.execute(ROWS_V1)
        _advance_sequences(con)
    if version > 1:
        database = m.pw.PostgresqlDatabase(url.rsplit("/", 1)[1], **_connect_args(url))
        try:
            for step in range(1, version):
                with database.atomic():
                    migrations.MIGRATIONS[step](database)
                    database.execute_sql("UPDATE meta SET value = %s WHERE key = 'schema_version'",
                                         (str(step + 1),))
        finally:
            database.close()
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(ROWS_V6)
    return url


def _connect_args(url: str) -> dict:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {"host": parts.hostname, "port": parts.port, "user": parts.username}


def snapshot(url: str, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of ``tables``, in the columns they had (columns added since are left out)."""
    with psycopg.connect(url) as con:
        out = {}
        for table in tables:
            out[table] = con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        return out


def _columns_then(url: str, tables: list[str]) -> dict[str, list[str]]:
    with psycopg.connect(url) as con:
        return {t: [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position", (t,)).fetchall()] for t in tables}


def _rows_in(url: str, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as con:
        return {t: con.execute(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in cols)} FROM {t} "
                               "ORDER BY 1, 2").fetchall() for t, cols in columns.items()}


def structure(url: str) -> dict:
    """Tables with their columns (name, type, nullable) and the indexes, as the catalogue has them.
    (Not the columns' SQL defaults: schema 4's step added deadline_estimated and not_claimable
    without the DEFAULT a new database has, on SQLite too; every safet insert names them. A
    later schema version may add the defaults.)"""
    with psycopg.connect(url) as con:
        columns = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2").fetchall()
        indexes = con.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2").fetchall()
    return {"columns": columns, "indexes": indexes}


@pytest.mark.parametrize("version", [1, 6])
def test_an_old_server_database_upgrades_to_the_current_schema_with_nothing_lost(pg, backend, version):
    url = old_database(pg, version)
    tables = _TABLES + (_TABLES_V6 if version >= 6 else [])
    kept = _columns_then(url, tables)
    before = _rows_in(url, kept)
    assert [len(before[t]) for t in ("claim", "message", "attachment", "status_event", "read_mark")] == [2, 2, 1, 2, 1]
    database = db_open.open_database(url)
    try:
        assert migrations.current_version(database) == m.SCHEMA_VERSION  # whatever the current version is
        assert m.meta_get("schema_version") == str(m.SCHEMA_VERSION)
        claim = m.Claim.get(m.Claim.claim_no == "3400000002")
        assert claim.paid_minor == 0 and claim.deadline_estimated is False
        assert Money.from_minor(claim.claimed_minor, claim.currency) == Money.of("123456", "INR")
    finally:
        close_database(database)
    assert _rows_in(url, kept) == before  # every row, every column it had
    fresh = pg.create(pg.fresh_name("today"))
    close_database(db_open.open_database(fresh))
    assert structure(url) == structure(fresh)  # as if created today: no column, type or index missed
    close_database(db_open.open_database(url))  # opening again changes nothing
    assert _rows_in(url, kept) == before


def test_the_desk_reads_searches_and_writes_an_upgraded_server_database(pg, backend, clock, monkeypatch, tmp_path):
    from safet_tui.service.desk import Desk

    monkeypatch.setenv("SAFET_ATTACHMENTS", str(tmp_path / "files"))
    url = old_database(pg, 1)
    desk = Desk(url, clock=clock, user="ana")
    try:
        assert [r.claim_no for r in desk.window("awaiting", 0, 10, text="brick")] == ["3400000001"]  # GIN index
        view = desk.claim("3400000001")
        assert view.claimed == Money.of("1249.50", "USD") and view.account == "Acme Home"
        assert not desk.claim("3400000002").unread  # ana's read mark survived
        assert desk.counts()["resolved"].total == 1
        replied = desk.reply("3400000001", "Tracking attached.")  # new rows take ids after the old ones
        assert [i.body for i in replied.thread if i.kind == "message"][-1] == "Tracking attached."
    finally:
        desk.close()
