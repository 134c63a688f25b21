"""The upgrade steps, one per schema version, each frozen: a step spells out the tables, columns
and indexes of its own version (local peewee models, explicit DDL) and never reads the live
models of ``safet_tui.db``, so changing a model tomorrow never changes what an old step does.

``MIGRATIONS[n]`` upgrades a database at schema ``n`` to ``n + 1``; ``ensure_schema`` runs them
in order, each in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw
from playhouse.migrate import (
    PostgresqlMigrator,
    SchemaMigrator,
    SqliteMigrator,
    migrate,
)


def _migrator(database: pw.Database) -> SchemaMigrator:
    if isinstance(database, pw.PostgresqlDatabase):
        return PostgresqlMigrator(database)
    return SqliteMigrator(database)


# -- schema 2: settlement reconciliation -------------------------------------------------------
# The tables as schema 2 has them. The account and claim models only give the foreign keys a
# table to point at (both exist since schema 1).

class _V2(pw.Model):
    class Meta:
        legacy_table_names = False


class _Account(_V2):
    class Meta:
        table_name = "account"


class _Claim(_V2):
    class Meta:
        table_name = "claim"


class _Payout(_V2):
    account = pw.ForeignKeyField(_Account, on_delete="CASCADE")
    claim = pw.ForeignKeyField(_Claim, null=True, on_delete="SET NULL")
    order_id = pw.CharField(default="")
    adjustment_id = pw.CharField(default="")
    currency = pw.CharField(max_length=3)
    amount_minor = pw.BigIntegerField()
    posted_at = pw.BigIntegerField(null=True)  # epoch seconds
    source = pw.TextField(default="")

    class Meta:
        table_name = "payout"
        indexes = ((("account", "adjustment_id", "order_id", "amount_minor", "posted_at"), True),)


class _ImportLog(_V2):
    kind = pw.CharField()
    file_name = pw.TextField()
    sha256 = pw.CharField(max_length=64)
    at = pw.BigIntegerField()  # epoch seconds
    summary = pw.TextField(default="")

    class Meta:
        table_name = "import_log"


def _v1_to_v2(database: pw.Database) -> None:
    """Settlement reconciliation: payouts, the import log, and paid amounts on claims."""
    migrate(_migrator(database).add_column("claim", "paid_minor", pw.BigIntegerField(default=0)))
    tables = [_Payout, _ImportLog]
    with database.bind_ctx(tables, bind_refs=False, bind_backrefs=False):
        database.create_tables(tables)


# -- schema 3: indexes -------------------------------------------------------------------------
_V3_INDEXES = (
    "CREATE INDEX IF NOT EXISTS claim_status_currency_amount ON claim (status, currency, claimed_minor DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS claim_filed_at ON claim (filed_at)",
)
#: indexes that only repeated the first column of a wider one
V3_DROPPED_INDEXES = ("claim_order_id", "claim_status_claimed_minor", "refund_account_id", "refund_claim_id",
               "message_claim_id")


def _v2_to_v3(database: pw.Database) -> None:
    """Indexes for the per-currency amount sort and for analytics periods; drop the ones that
    only repeated the first column of a wider index."""
    for ddl in _V3_INDEXES:
        database.execute_sql(ddl)
    for name in V3_DROPPED_INDEXES:
        database.execute_sql(f"DROP INDEX IF EXISTS {name}")


# -- schema 4: estimated deadlines, refunds' order amounts ----------------------------------------
def _v3_to_v4(database: pw.Database) -> None:
    """Estimated deadlines are marked; refunds keep the order amount and why they are not claimable."""
    mig = _migrator(database)
    migrate(
        mig.add_column("claim", "deadline_estimated", pw.BooleanField(default=False)),
        mig.add_column("claim", "decided_at", pw.BigIntegerField(null=True)),
        mig.add_column("refund", "order_minor", pw.BigIntegerField(null=True)),
        mig.add_column("refund", "not_claimable", pw.TextField(default="")),
    )
    database.execute_sql(
        "UPDATE claim SET decided_at = (SELECT MIN(e.at) FROM status_event e WHERE e.claim_id = claim.id"
        " AND e.action IN ('grant', 'no_grant', 'decide_appeal')) WHERE status = 'resolved' OR appeal_used")


def _v4_to_v5(database: pw.Database) -> None:
    """The Claimable tab counts refunds with no claim, not ruled out, inside their window: one
    index that answers all three (the old one made every count read the refund rows)."""
    database.execute_sql("CREATE INDEX IF NOT EXISTS refund_claim_id_not_claimable_file_by "
                         "ON refund (claim_id, not_claimable, file_by)")
    database.execute_sql("DROP INDEX IF EXISTS refund_claim_id_file_by")


# -- schema 6: drafts and the notification outbox ------------------------------------------------
class _Draft(_V2):
    user = pw.CharField()
    kind = pw.CharField()
    claim_key = pw.CharField(default="")
    body = pw.TextField(default="")
    updated_at = pw.BigIntegerField()

    class Meta:
        table_name = "draft"
        indexes = ((("user", "kind", "claim_key"), True),)


class _Outbox(_V2):
    key = pw.CharField(unique=True)
    kind = pw.CharField()
    claim = pw.ForeignKeyField(_Claim, null=True, on_delete="CASCADE")
    detail = pw.TextField(default="")
    created_at = pw.BigIntegerField()
    done_at = pw.BigIntegerField(null=True)
    attempts = pw.IntegerField(default=0)
    next_try_at = pw.BigIntegerField(null=True)
    last_error = pw.TextField(default="")

    class Meta:
        table_name = "outbox"
        indexes = ((("done_at", "next_try_at", "id"), False),)


class _Delivery(_V2):
    outbox = pw.ForeignKeyField(_Outbox, on_delete="CASCADE", index=False)
    recipient = pw.CharField()
    sent_at = pw.BigIntegerField()

    class Meta:
        table_name = "delivery"
        indexes = ((("outbox", "recipient"), True),)


def _v5_to_v6(database: pw.Database) -> None:
    """Drafts saved as they are typed; the outbox of notifications and their deliveries."""
    tables = [_Draft, _Outbox, _Delivery]
    with database.bind_ctx(tables, bind_refs=False, bind_backrefs=False):
        database.create_tables(tables)


# -- schema 7: users of the browser desk ------------------------------------------------------
class _User(_V2):
    name = pw.CharField(unique=True)
    role = pw.CharField(default="seller")
    accounts = pw.TextField(default="")
    secret_hash = pw.TextField()
    created_at = pw.BigIntegerField()

    class Meta:
        table_name = "desk_user"


def _v6_to_v7(database: pw.Database) -> None:
    """Users and roles as data: who may log in to ``safet serve``, as which role."""
    with database.bind_ctx([_User], bind_refs=False, bind_backrefs=False):
        database.create_tables([_User])


# -- schema 8: the analytics tallies ----------------------------------------------------------------
def _v7_to_v8(database: pw.Database) -> None:
    """The dashboard's figures kept current by triggers (:mod:`.tallies_v8`): the tables, counted
    once from the claims, then the triggers that keep them so."""
    from safet_tui.migrations import tallies_v8

    tallies_v8.create_tables(database)
    tallies_v8.rebuild(database)
    tallies_v8.create_triggers(database)


MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5,
                                                    5: _v5_to_v6, 6: _v6_to_v7, 7: _v7_to_v8}
