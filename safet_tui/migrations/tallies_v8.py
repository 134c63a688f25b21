"""Schema 8, frozen: the analytics tallies, kept current by triggers on ``claim`` (and, for the
appeals won, on ``status_event``) in the transaction of every change, whoever writes it.

Every tally is a sum over claims grouped by a key that includes a UTC day (``filed_at / 86400``,
or ``changed_at / 86400`` for the payouts by decision day), so the dashboard adds up a few
thousand rows instead of reading a million claims:

- ``status_tally``: per status, account and currency: claims, claimed, reimbursed (the tab totals
  and the claims at stake, a dozen rows);
- ``claim_tally``: per account, currency, reason, filed day, status, outcome ('' when none) and
  appeal flags: claims, claimed, reimbursed (NULL as 0) and appeals won;
- ``paid_tally``: resolved claims with a payout, per account, currency and *changed* day;
- ``denial_tally``: resolved No-Grants per account, filed day and denial reason ('' when none);
- ``product_tally``: per account, currency, product (0 when none) and filed day;
- ``decision_tally`` / ``decision_day_tally``: claims with a first decision per account, filed
  day and decision time in whole hours / in days (hours floored by 24), for the median.

A trigger subtracts the old row's share and adds the new one's with an UPSERT; rows that fall to
zero stay (harmless, and cheaper than deleting them). Bulk loaders drop the triggers, load,
:func:`rebuild` with one GROUP BY per tally and :func:`create_triggers` again, all in their one
transaction. Nothing here imports ``safet_tui.db``; a later schema that changes a tally writes a
new frozen module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import peewee as pw

DAY = 86400
HOUR = 3600


class _T(pw.Model):
    class Meta:
        legacy_table_names = False


# -- what each tally counts, as SQL over one claim row ``X`` (NEW, OLD or an alias) ----------------

def _flag(x: str, col: str) -> str:
    return f"(CASE WHEN {x}.{col} THEN 1 ELSE 0 END)"


def _has(x: str, action: str, without: str = "", extra: str = "") -> str:
    """Whether claim ``x`` has a status event of ``action`` (``without`` an event id; or ``extra``,
    one more event's action, just deleted)."""
    skip = f" AND e.id <> {without}" if without else ""
    more = f" OR {extra} = '{action}'" if extra else ""
    return f"(EXISTS (SELECT 1 FROM status_event e WHERE e.claim_id = {x}.id AND e.action = '{action}'{skip}){more})"


def won(x: str, without: str = "", extra: str = "") -> str:
    """1 when the claim's appeal won: decided, and it paid out more than the first decision (a
    No-Grant overturned into a grant, or a partial grant raised to a full one)."""
    return (f"(CASE WHEN {x}.appeal_used AND {x}.appeal_decided AND {x}.status = 'resolved' AND ("
            f"({x}.outcome IN ('grant_full', 'grant_partial') AND {_has(x, 'no_grant', without, extra)})"
            f" OR ({x}.outcome = 'grant_full' AND {_has(x, 'grant', without, extra)})) THEN 1 ELSE 0 END)")


def hours(x: str) -> str:
    """Decision time in whole hours (truncated toward zero)."""
    return f"(({x}.decided_at - {x}.filed_at) / {HOUR})"


def days_of_hours(h: str) -> str:
    """Whole days of a number of hours, floored (so -1 h is day -1, not day 0)."""
    return f"(CASE WHEN {h} >= 0 THEN {h} / 24 ELSE ({h} - 23) / 24 END)"


@dataclass(frozen=True)
class Tally:
    table: str
    keys: tuple[tuple[str, str], ...]  # (column, SQL over X)
    sums: tuple[tuple[str, str], ...]  # (column, SQL over X, one claim's share)
    when: str  # which claims count (SQL over X)
    #: the claim columns whose change can move a claim's share
    columns: tuple[str, ...]

    def values(self, x: str) -> tuple[str, str]:
        """(key SQL, sum SQL) over claim row ``x``."""
        return (", ".join(sql.replace("X.", f"{x}.") for _, sql in self.keys),
                ", ".join(sql.replace("X.", f"{x}.") for _, sql in self.sums))


_DAY = f"(X.filed_at / {DAY})"
TALLIES = (
    Tally("status_tally",
          (("status", "X.status"), ("account_id", "X.account_id"), ("currency", "X.currency")),
          (("n", "1"), ("claimed", "X.claimed_minor"), ("reimbursed", "COALESCE(X.reimbursed_minor, 0)")),
          "1 = 1",
          ("status", "account_id", "currency", "claimed_minor", "reimbursed_minor")),
    Tally("claim_tally",
          (("day", _DAY), ("account_id", "X.account_id"), ("currency", "X.currency"), ("reason", "X.reason"),
           ("status", "X.status"), ("outcome", "COALESCE(X.outcome, '')"),
           ("appeal_used", _flag("X", "appeal_used")), ("appeal_decided", _flag("X", "appeal_decided"))),
          (("n", "1"), ("claimed", "X.claimed_minor"), ("reimbursed", "COALESCE(X.reimbursed_minor, 0)"),
           ("won", won("X"))),
          "1 = 1",
          ("account_id", "currency", "reason", "filed_at", "status", "outcome", "appeal_used", "appeal_decided",
           "claimed_minor", "reimbursed_minor")),
    Tally("paid_tally",
          (("day", f"(X.changed_at / {DAY})"), ("account_id", "X.account_id"), ("currency", "X.currency")),
          (("n", "1"), ("reimbursed", "X.reimbursed_minor")),
          "X.status = 'resolved' AND X.reimbursed_minor > 0",
          ("account_id", "currency", "status", "reimbursed_minor", "changed_at")),
    Tally("denial_tally",
          (("day", _DAY), ("account_id", "X.account_id"), ("denial_reason", "COALESCE(X.denial_reason, '')")),
          (("n", "1"),),
          "X.status = 'resolved' AND X.outcome = 'no_grant'",
          ("account_id", "filed_at", "status", "outcome", "denial_reason")),
    Tally("product_tally",
          (("day", _DAY), ("account_id", "X.account_id"), ("currency", "X.currency"),
           ("product_id", "COALESCE(X.product_id, 0)")),
          (("n", "1"), ("claimed", "X.claimed_minor"), ("reimbursed", "COALESCE(X.reimbursed_minor, 0)")),
          "1 = 1",
          ("account_id", "currency", "product_id", "filed_at", "claimed_minor", "reimbursed_minor")),
    Tally("decision_tally",
          (("hours", hours("X")), ("day", _DAY), ("account_id", "X.account_id")),
          (("n", "1"),),
          "X.decided_at IS NOT NULL",
          ("account_id", "filed_at", "decided_at")),
    Tally("decision_day_tally",
          (("day", _DAY), ("account_id", "X.account_id"), ("days", days_of_hours(hours("X")))),
          (("n", "1"),),
          "X.decided_at IS NOT NULL",
          ("account_id", "filed_at", "decided_at")),
)


#: the column types of the tallies' keys (their sums are all BIGINT)
_TYPES: dict[str, Callable[[], pw.Field]] = {"day": pw.BigIntegerField, "hours": pw.BigIntegerField, "days": pw.BigIntegerField,
          "account_id": pw.IntegerField, "product_id": pw.IntegerField, "appeal_used": pw.IntegerField,
          "appeal_decided": pw.IntegerField, "currency": lambda: pw.CharField(max_length=3), "reason": pw.CharField,
          "status": pw.CharField, "outcome": pw.CharField, "denial_reason": pw.TextField}


def _model(t: Tally, sqlite: bool) -> type[pw.Model]:
    """The tally's table: its key (the primary key, in that order), then its sums. On SQLite
    WITHOUT ROWID: the rows are stored in key order, so a range of days is read in one sweep
    (with a rowid, each row of the key's index was looked up in the table: 35k lookups a query)."""
    fields: dict[str, object] = {c: _TYPES[c]() for c, _ in t.keys}
    fields.update({c: pw.BigIntegerField() for c, _ in t.sums})
    meta = type("Meta", (), {"table_name": t.table, "primary_key": pw.CompositeKey(*(c for c, _ in t.keys)),
                             "without_rowid": sqlite})
    return type(f"_{t.table}", (_T,), {**fields, "Meta": meta})


def _upsert(t: Tally, x: str, sign: str) -> str:
    """Add (``sign`` '') or take away (``sign`` '-') the share of claim row ``x``."""
    keys, _ = t.values(x)
    cols = [c for c, _ in t.keys] + [c for c, _ in t.sums]
    signed = ", ".join(f"{sign}{s.replace('X.', f'{x}.')}" for _, s in t.sums)
    conflict = ", ".join(c for c, _ in t.keys)
    update = ", ".join(f"{c} = {t.table}.{c} + excluded.{c}" for c, _ in t.sums)
    return (f"INSERT INTO {t.table} ({', '.join(cols)}) SELECT {keys}, {signed}"
            f" WHERE {t.when.replace('X.', f'{x}.')} ON CONFLICT ({conflict}) DO UPDATE SET {update}")


def _changed(t: Tally) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in t.columns)


_CLAIM_TALLY = TALLIES[1]


def _won_key() -> str:
    return ", ".join(c for c, _ in _CLAIM_TALLY.keys)


def _won_event(sign: str, event: str) -> str:
    """An event of a first decision added (``sign`` '+', ``event`` NEW) or removed ('-', OLD) can
    change whether its claim's appeal counts as won: move the claim's tally row by one."""
    keys, _ = _CLAIM_TALLY.values("c")
    if sign == "+":
        now, before = won("c"), won("c", without="NEW.id")
    else:
        now, before = won("c"), won("c", extra="OLD.action")
    return (f"UPDATE claim_tally SET won = won {sign} 1 WHERE ({_won_key()}) = (SELECT {keys} FROM claim c"
            f" WHERE c.id = {event}.claim_id AND {now if sign == '+' else before} = 1"
            f" AND {before if sign == '+' else now} = 0)")


TRIGGERS = ("tally_claim_insert", "tally_claim_delete", "tally_event_insert", "tally_event_delete",
            *(f"tally_{t.table}_update" for t in TALLIES))


def _sqlite_triggers() -> list[str]:
    add = "; ".join(_upsert(t, "NEW", "") for t in TALLIES)
    sub = "; ".join(_upsert(t, "OLD", "-") for t in TALLIES)
    out = [f"CREATE TRIGGER tally_claim_insert AFTER INSERT ON claim BEGIN {add}; END",
           # before: the claim's events (for the appeals won) are still there; its cascade then
           # deletes them, and their trigger finds no claim left to move
           f"CREATE TRIGGER tally_claim_delete BEFORE DELETE ON claim BEGIN {sub}; END"]
    for t in TALLIES:
        out.append(f"CREATE TRIGGER tally_{t.table}_update AFTER UPDATE ON claim WHEN {_changed(t)}"
                   f" BEGIN {_upsert(t, 'OLD', '-')}; {_upsert(t, 'NEW', '')}; END")
    out.append("CREATE TRIGGER tally_event_insert AFTER INSERT ON status_event"
               f" WHEN NEW.action IN ('grant', 'no_grant') BEGIN {_won_event('+', 'NEW')}; END")
    out.append("CREATE TRIGGER tally_event_delete AFTER DELETE ON status_event"
               f" WHEN OLD.action IN ('grant', 'no_grant') BEGIN {_won_event('-', 'OLD')}; END")
    return out


#: PostgreSQL: a bulk writer pauses the triggers for its own transaction (``set_config(PAUSE,
#: 'on', true)``) instead of dropping them, which would lock the claim table against every reader
PAUSE = "safet.tallies_paused"
_PAUSED = f"IF current_setting('{PAUSE}', true) = 'on' THEN RETURN NULL; END IF;"


def _pg_triggers() -> list[str]:
    body = [_PAUSED, "IF TG_OP = 'INSERT' THEN", *(f"{_upsert(t, 'NEW', '')};" for t in TALLIES), "ELSE"]
    for t in TALLIES:
        body += [f"IF {_changed(t)} THEN", f"{_upsert(t, 'OLD', '-')};", f"{_upsert(t, 'NEW', '')};", "END IF;"]
    body.append("END IF;")
    claim_fn = ("CREATE OR REPLACE FUNCTION tally_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + " ".join(body) + " RETURN NULL; END $$")
    gone_fn = ("CREATE OR REPLACE FUNCTION tally_claim_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               + _PAUSED.replace("RETURN NULL", "RETURN OLD") + " "
               + " ".join(f"{_upsert(t, 'OLD', '-')};" for t in TALLIES) + " RETURN OLD; END $$")
    event_fn = ("CREATE OR REPLACE FUNCTION tally_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{_PAUSED} IF TG_OP = 'INSERT' THEN {_won_event('+', 'NEW')}; ELSE {_won_event('-', 'OLD')}; END IF;"
                " RETURN NULL; END $$")
    return [claim_fn, gone_fn, event_fn,
            "CREATE TRIGGER tally_claim AFTER INSERT OR UPDATE ON claim FOR EACH ROW EXECUTE FUNCTION tally_claim()",
            # before, as on SQLite: the events are still there (the cascade's triggers run first)
            "CREATE TRIGGER tally_claim_delete BEFORE DELETE ON claim FOR EACH ROW EXECUTE FUNCTION tally_claim_gone()",
            "CREATE TRIGGER tally_event_insert AFTER INSERT ON status_event FOR EACH ROW"
            " WHEN (NEW.action IN ('grant', 'no_grant')) EXECUTE FUNCTION tally_event()",
            "CREATE TRIGGER tally_event_delete AFTER DELETE ON status_event FOR EACH ROW"
            " WHEN (OLD.action IN ('grant', 'no_grant')) EXECUTE FUNCTION tally_event()"]


def _sqlite(database: pw.Database) -> bool:
    return isinstance(database, pw.SqliteDatabase)


def create_triggers(database: pw.Database) -> None:
    for ddl in _sqlite_triggers() if _sqlite(database) else _pg_triggers():
        database.execute_sql(ddl)


def drop_triggers(database: pw.Database) -> None:
    if _sqlite(database):
        for name in TRIGGERS:
            database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, table in (("tally_claim", "claim"), ("tally_claim_delete", "claim"), ("tally_event_insert", "status_event"),
                        ("tally_event_delete", "status_event")):
        database.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def recount_sql(t: Tally, where: str = "") -> str:
    """The tally as one GROUP BY over every claim (what the triggers keep it equal to), or over
    the claims ``where`` (SQL over ``c``) picks."""
    keys, _ = t.values("c")
    n = len(t.keys)
    totals = ", ".join(f"SUM({s})" if s != "1" else "COUNT(*)" for _, s in
                       ((c, s.replace("X.", "c.")) for c, s in t.sums))
    return (f"SELECT {keys}, {totals} FROM claim c WHERE {t.when.replace('X.', 'c.')}{' AND ' + where if where else ''}"
            f" GROUP BY {', '.join(str(i) for i in range(1, n + 1))}")


def add_sql(t: Tally, where: str) -> str:
    """Add the shares of the claims ``where`` picks to the tally (one GROUP BY, one UPSERT)."""
    cols = [c for c, _ in t.keys] + [c for c, _ in t.sums]
    update = ", ".join(f"{c} = {t.table}.{c} + excluded.{c}" for c, _ in t.sums)
    return (f"INSERT INTO {t.table} ({', '.join(cols)}) {recount_sql(t, where)}"
            f" ON CONFLICT ({', '.join(c for c, _ in t.keys)}) DO UPDATE SET {update}")


#: the claim columns the tallies read, copied once by :func:`rebuild` (with each claim's ``won``)
_COLUMNS = ("id", "account_id", "currency", "reason", "filed_at", "changed_at", "status", "outcome",
            "denial_reason", "product_id", "claimed_minor", "reimbursed_minor", "appeal_used", "appeal_decided",
            "decided_at")


#: tallies counted from another tally rather than from the claims (its key is a roll-up of the
#: other's): (table, source, key SQL over the source's row ``s``)
_ROLLED_UP = {
    "status_tally": ("claim_tally", "s.status, s.account_id, s.currency"),
    "decision_day_tally": ("decision_tally", f"s.day, s.account_id, {days_of_hours('s.hours')}"),
}


def _run(database: pw.Database, sql: str) -> None:
    database.execute_sql(sql).close()


def rebuild(database: pw.Database) -> None:
    """Every tally recounted from the claims (bulk loads and the upgrade to schema 8). The columns
    the tallies read are copied once into a narrow temporary table (one pass over the wide claim
    rows; a pass per tally took ~5 s each at a million claims); each tally is counted from it, on
    SQLite as one UPSERT per claim into the small tally (~1.6x faster than its GROUP BY, which
    sorts a million rows), on PostgreSQL as a GROUP BY (hashed); two tallies roll up from another."""
    sqlite = _sqlite(database)
    # SQLite: a table of the main database, dropped before the caller commits (a TEMPORARY one
    # would leave the connection's temp database open, and switching the journal mode back to
    # WAL afterwards, as the demo does, then fails with "database table is locked")
    _run(database, "DROP TABLE IF EXISTS tally_claims")
    _run(database, f"CREATE {'' if sqlite else 'TEMPORARY '}TABLE tally_claims AS SELECT {', '.join(f'c.{c}' for c in _COLUMNS)},"
                         f" {won('c')} AS won FROM claim c")
    try:
        for t in TALLIES:
            cols = [c for c, _ in t.keys] + [c for c, _ in t.sums]
            _run(database, f"DELETE FROM {t.table}")
            if t.table in _ROLLED_UP:
                continue
            if sqlite:
                keys, sums = t.values("c")
                update = ", ".join(f"{c} = {t.table}.{c} + excluded.{c}" for c, _ in t.sums)
                sql = (f"SELECT {keys}, {sums} FROM claim c WHERE {t.when.replace('X.', 'c.')}"
                       f" ON CONFLICT ({', '.join(c for c, _ in t.keys)}) DO UPDATE SET {update}")
            else:
                sql = recount_sql(t)
            sql = sql.replace(won("c"), "c.won").replace("FROM claim c", "FROM tally_claims c")
            _run(database, f"INSERT INTO {t.table} ({', '.join(cols)}) {sql}")
    finally:
        _run(database, "DROP TABLE tally_claims")
    for t in TALLIES:
        if t.table in _ROLLED_UP:
            source, keys = _ROLLED_UP[t.table]
            sums = ", ".join(f"SUM(s.{c})" for c, _ in t.sums)
            _run(database,
                f"INSERT INTO {t.table} ({', '.join([c for c, _ in t.keys] + [c for c, _ in t.sums])})"
                f" SELECT {keys}, {sums} FROM {source} s GROUP BY {', '.join(str(i + 1) for i in range(len(t.keys)))}")


#: The refunds left on the table and expiring, by file-by date: only the claimable refunds (a
#: small share of all), holding every column the figure reads, so a period reads a range of it
#: and never the refund rows themselves. It leads with the same (constant) columns as the refund
#: model's (claim, not_claimable, file_by) index so that SQLite, weighing the two, takes this one:
#: the same search, and covering.
CLAIMABLE_INDEX = (
    "CREATE INDEX IF NOT EXISTS refund_claimable_file_by"
    " ON refund (claim_id, not_claimable, file_by, account_id, currency, amount_minor)"
    " WHERE claim_id IS NULL AND not_claimable = ''"
)


def create_tables(database: pw.Database) -> None:
    tables = [_model(t, _sqlite(database)) for t in TALLIES]
    with database.bind_ctx(tables, bind_refs=False, bind_backrefs=False):
        database.create_tables(tables)
    database.execute_sql(CLAIMABLE_INDEX)
