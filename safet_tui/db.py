"""Storage: the peewee models, the schema's extra indexes and full-text set-up, and small helpers
every query uses (opening a database is :mod:`safet_tui.db_open`).

Instants are stored as integer UTC epoch seconds (exact, sortable, indexable)
and come back as timezone-aware datetimes; money is stored as integer minor
units (cents, paise) so sums in SQL are exact and come back as Decimal.
Deadlines (reply-by, appeal-by, file-by) are stored as given when the event
happened and never recomputed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import peewee as pw

from safet_tui.transactions import (
    DB,
)

SCHEMA_VERSION = 8


class InstantField(pw.BigIntegerField):
    """A timezone-aware instant stored as UTC epoch seconds."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime {value!r}; timestamps must be timezone-aware")
            return int(value.timestamp())
        return int(value)

    def python_value(self, value):
        return None if value is None else datetime.fromtimestamp(int(value), UTC)


class Base(pw.Model):
    # peewee adds these when it builds the class; declared so a type checker sees them too
    id: int

    class Meta:
        database = DB
        legacy_table_names = False


class Meta(Base):
    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class Account(Base):
    name = pw.CharField()
    marketplace = pw.CharField()
    currency = pw.CharField(max_length=3)

    class Meta:
        indexes = ((("name", "marketplace"), True),)


class Product(Base):
    account_id: int
    account = pw.ForeignKeyField(Account, backref="products", on_delete="CASCADE")
    sku = pw.CharField()
    asin = pw.CharField(default="")
    title = pw.TextField(default="")

    class Meta:
        indexes = ((("account", "sku"), True),)


class Claim(Base):
    account_id: int
    product_id: int | None
    claim_no = pw.CharField(unique=True)
    account = pw.ForeignKeyField(Account, backref="claims", on_delete="CASCADE")
    product = pw.ForeignKeyField(Product, null=True, on_delete="SET NULL")
    order_id = pw.CharField()  # indexed with order_item_id below
    order_item_id = pw.CharField(default="")
    reason = pw.CharField()
    description = pw.TextField(default="")
    status = pw.CharField()
    outcome = pw.CharField(null=True)
    denial_reason = pw.TextField(null=True)
    currency = pw.CharField(max_length=3)
    claimed_minor = pw.BigIntegerField()
    reimbursed_minor = pw.BigIntegerField(null=True)
    filed_at = InstantField()
    updated_at = InstantField()
    #: last status change; a claim is unread for a user until opened after it
    changed_at = InstantField()
    reply_by = InstantField(null=True)
    appeal_by = InstantField(null=True)
    appeal_used = pw.BooleanField(default=False)
    appeal_decided = pw.BooleanField(default=False)
    #: the deadline that matters for the claim's tab (reply-by or appeal-by), for sorting
    due_at = InstantField(null=True)
    #: settlement payouts matched to this claim (schema 2)
    paid_minor = pw.BigIntegerField(default=0)
    #: reply-by / appeal-by is an estimate (no report or message stated it) (schema 4)
    deadline_estimated = pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")])
    #: when Amazon first decided the claim (best evidence for imported decisions) (schema 4)
    decided_at = InstantField(null=True)

    class Meta:
        indexes = (
            (("status", "due_at", "id"), False),
            (("status", "updated_at"), False),
            (("status", "changed_at"), False),
            (("status", "claim_no"), False),
            (("order_id", "order_item_id"), False),
        )


class Refund(Base):
    """A refund Amazon issued: claimable until filed or its window passes."""
    account_id: int
    product_id: int | None
    claim_id: int | None

    account = pw.ForeignKeyField(Account, backref="refunds", on_delete="CASCADE", index=False)
    product = pw.ForeignKeyField(Product, null=True, on_delete="SET NULL")
    order_id = pw.CharField()
    order_item_id = pw.CharField(default="")
    return_reason = pw.TextField(default="")
    currency = pw.CharField(max_length=3)
    amount_minor = pw.BigIntegerField()
    refund_at = InstantField(null=True)
    delivered_at = InstantField(null=True)
    file_by = InstantField(null=True)
    #: which date the filing window was counted from
    basis = pw.CharField(default="")
    claim = pw.ForeignKeyField(Claim, null=True, backref="refunds", on_delete="SET NULL", index=False)
    created_at = InstantField()
    #: the order item's amount when a report gives it (a partial refund is not claimable) (schema 4)
    order_minor = pw.BigIntegerField(null=True)
    #: why this refund can never be claimed ('' when it can) (schema 4)
    not_claimable = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])

    class Meta:
        indexes = (
            (("account", "order_id", "order_item_id"), True),
            (("claim", "not_claimable", "file_by"), False),
        )


class Message(Base):
    claim_id: int
    claim = pw.ForeignKeyField(Claim, backref="messages", on_delete="CASCADE", index=False)
    side = pw.CharField()  # seller | amazon | system
    kind = pw.CharField()  # message | info_request | decision | appeal | note
    author = pw.CharField(default="")
    body = pw.TextField()
    created_at = InstantField()

    class Meta:
        indexes = ((("claim", "created_at", "id"), False),)


class Attachment(Base):
    claim_id: int
    message_id: int | None
    claim = pw.ForeignKeyField(Claim, backref="attachments", on_delete="CASCADE")
    message = pw.ForeignKeyField(Message, null=True, backref="attachments", on_delete="SET NULL")
    name = pw.TextField()
    size = pw.BigIntegerField()
    sha256 = pw.CharField(max_length=64)
    media_type = pw.CharField(default="application/octet-stream")
    created_at = InstantField()


class StatusEvent(Base):
    claim_id: int
    claim = pw.ForeignKeyField(Claim, backref="events", on_delete="CASCADE")
    at = InstantField()
    actor = pw.CharField()  # seller | amazon
    user = pw.CharField(default="")
    action = pw.CharField()
    from_status = pw.CharField(null=True)
    to_status = pw.CharField()
    note = pw.TextField(default="")

    class Meta:
        indexes = ((("claim", "at"), False),)


class ReadMark(Base):
    claim_id: int
    user = pw.CharField()
    claim = pw.ForeignKeyField(Claim, on_delete="CASCADE")
    seen_at = InstantField()

    class Meta:
        primary_key = pw.CompositeKey("user", "claim")


class Payout(Base):
    """A SAFE-T reimbursement seen in a settlement report (schema 2)."""
    account_id: int
    claim_id: int | None

    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    claim = pw.ForeignKeyField(Claim, null=True, backref="payouts", on_delete="SET NULL")
    order_id = pw.CharField(default="")
    adjustment_id = pw.CharField(default="")
    currency = pw.CharField(max_length=3)
    amount_minor = pw.BigIntegerField()
    posted_at = InstantField(null=True)
    source = pw.TextField(default="")

    class Meta:
        indexes = ((("account", "adjustment_id", "order_id", "amount_minor", "posted_at"), True),)


class ImportLog(Base):
    """Which file (name, sha256, time) produced which change (schema 2)."""

    kind = pw.CharField()
    file_name = pw.TextField()
    sha256 = pw.CharField(max_length=64)
    at = InstantField()
    summary = pw.TextField(default="")


class Draft(Base):
    """Unsent text, per user, saved as it is typed (schema 6): a reply or an appeal on a claim,
    or the new-claim form (``claim_key`` the refund's key or ``""``; ``body`` its fields as JSON)."""

    user = pw.CharField()
    kind = pw.CharField()  # reply | appeal | new_claim
    claim_key = pw.CharField(default="")
    body = pw.TextField(default="")
    updated_at = InstantField()

    class Meta:
        indexes = ((("user", "kind", "claim_key"), True),)


class Outbox(Base):
    """A notification owed, written in the transaction of the change it tells of (schema 6).
    ``key`` makes it once only: ``status:<event id>`` for a status change, a reminder's key names
    its claim or refund, deadline and level."""
    claim_id: int | None

    key = pw.CharField(unique=True)
    kind = pw.CharField()  # status | reminder
    claim = pw.ForeignKeyField(Claim, null=True, on_delete="CASCADE")
    detail = pw.TextField(default="")  # JSON: what changed, from/to, actor, deadline, ...
    created_at = InstantField()
    done_at = InstantField(null=True)  # every delivery made (or nobody to tell)
    attempts = pw.IntegerField(default=0)
    next_try_at = InstantField(null=True)
    last_error = pw.TextField(default="")

    class Meta:
        indexes = ((("done_at", "next_try_at", "id"), False),)


class Delivery(Base):
    """One recipient told of one outbox entry: written right after the server accepted it, so a
    second run never sends it again (schema 6)."""
    outbox_id: int

    outbox = pw.ForeignKeyField(Outbox, on_delete="CASCADE", index=False)
    recipient = pw.CharField()
    sent_at = InstantField()

    class Meta:
        indexes = ((("outbox", "recipient"), True),)


class User(Base):
    """Who may open the desk in a browser (schema 7): a name, a role (seller | amazon), the
    seller accounts they work on (comma-separated names, blank: all) and an argon2 hash of their
    password or token; never the secret itself."""

    name = pw.CharField(unique=True)
    role = pw.CharField(default="seller")
    accounts = pw.TextField(default="")
    secret_hash = pw.TextField()
    created_at = InstantField()

    class Meta:
        table_name = "desk_user"  # "user" is a reserved word in PostgreSQL


#: Indexes peewee's Meta cannot spell (descending keys). Created with the tables and by migration 3.
EXTRA_INDEXES = (
    # "amount" sort: biggest first within each currency (minor units of INR and USD do not compare)
    "CREATE INDEX IF NOT EXISTS claim_status_currency_amount ON claim (status, currency, claimed_minor DESC, id DESC)",
    # analytics periods select claims by filing date
    "CREATE INDEX IF NOT EXISTS claim_filed_at ON claim (filed_at)",
)


MODELS = [Meta, Account, Product, Claim, Refund, Message, Attachment, StatusEvent, ReadMark, Payout, ImportLog,
          Draft, Outbox, Delivery, User]

#: PostgreSQL's counterpart of message_fts: a GIN index over the words of each message
PG_FTS_INDEX = ("message_body_fts", "CREATE INDEX IF NOT EXISTS message_body_fts ON message "
                "USING GIN (to_tsvector('simple', body))")

FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5("
    "body, content='message', content_rowid='id', tokenize='unicode61')"
)


# -- URLs and opening --------------------------------------------------------

def sql_for(database: pw.Database, text: str) -> str:
    """SQL written with ``?`` placeholders, in the database's own style (``%s`` on PostgreSQL)."""
    param = getattr(database, "param", "?")
    return text if param == "?" else text.replace("?", param)


def index_messages(database: pw.Database, after_id: int | None = None, rows=None) -> None:
    """Add messages to the full-text index (SQLite only; PostgreSQL searches with its own index):
    ``rows`` as (id, body) pairs, else every message with an id above ``after_id``."""
    if not is_sqlite(database):
        return
    if rows is not None:
        database.cursor().executemany("INSERT INTO message_fts(rowid, body) VALUES (?, ?)", list(rows))
    else:
        database.execute_sql("INSERT INTO message_fts(rowid, body) SELECT id, body FROM message WHERE id > ?",
                             (after_id or 0,))


def is_sqlite(database: pw.Database | None = None) -> bool:
    return isinstance(database or DB.obj, pw.SqliteDatabase)


def meta_get(key: str, default: str | None = None) -> str | None:
    row = Meta.get_or_none(Meta.key == key)
    return row.value if row else default


def meta_set(key: str, value: str) -> None:
    (Meta.insert(key=key, value=value)  # an upsert both SQLite and PostgreSQL take
     .on_conflict(conflict_target=[Meta.key], update={Meta.value: value}).execute())
