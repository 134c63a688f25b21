"""Schema versions and in-place upgrades (playhouse.migrate).

A new database is created at the latest version. An older one is upgraded
step by step, each step in a transaction. ``SCHEMA_V1`` is the first schema,
frozen, so tests can prove an old database still opens.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from safet_tui import db as m

SCHEMA_V1 = """
CREATE TABLE meta (key VARCHAR(255) NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE account (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,
  marketplace VARCHAR(255) NOT NULL, currency VARCHAR(3) NOT NULL);
CREATE UNIQUE INDEX account_name_marketplace ON account (name, marketplace);
CREATE TABLE product (id INTEGER NOT NULL PRIMARY KEY, account_id INTEGER NOT NULL,
  sku VARCHAR(255) NOT NULL, asin VARCHAR(255) NOT NULL, title TEXT NOT NULL,
  FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE);
CREATE UNIQUE INDEX product_account_id_sku ON product (account_id, sku);
CREATE TABLE claim (id INTEGER NOT NULL PRIMARY KEY, claim_no VARCHAR(255) NOT NULL,
  account_id INTEGER NOT NULL, product_id INTEGER, order_id VARCHAR(255) NOT NULL,
  order_item_id VARCHAR(255) NOT NULL, reason VARCHAR(255) NOT NULL, description TEXT NOT NULL,
  status VARCHAR(255) NOT NULL, outcome VARCHAR(255), denial_reason TEXT, currency VARCHAR(3) NOT NULL,
  claimed_minor INTEGER NOT NULL, reimbursed_minor INTEGER, filed_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, changed_at INTEGER NOT NULL, reply_by INTEGER, appeal_by INTEGER,
  appeal_used INTEGER NOT NULL, appeal_decided INTEGER NOT NULL, due_at INTEGER,
  FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE,
  FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE SET NULL);
CREATE UNIQUE INDEX claim_claim_no ON claim (claim_no);
CREATE INDEX claim_order_id ON claim (order_id);
CREATE INDEX claim_status_due_at_id ON claim (status, due_at, id);
CREATE INDEX claim_status_updated_at ON claim (status, updated_at);
CREATE INDEX claim_status_claimed_minor ON claim (status, claimed_minor);
CREATE INDEX claim_status_changed_at ON claim (status, changed_at);
CREATE INDEX claim_status_claim_no ON claim (status, claim_no);
CREATE INDEX claim_order_id_order_item_id ON claim (order_id, order_item_id);
CREATE TABLE refund (id INTEGER NOT NULL PRIMARY KEY, account_id INTEGER NOT NULL, product_id INTEGER,
  order_id VARCHAR(255) NOT NULL, order_item_id VARCHAR(255) NOT NULL, return_reason TEXT NOT NULL,
  currency VARCHAR(3) NOT NULL, amount_minor INTEGER NOT NULL, refund_at INTEGER, delivered_at INTEGER,
  file_by INTEGER, basis VARCHAR(255) NOT NULL, claim_id INTEGER, created_at INTEGER NOT NULL,
  FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE,
  FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE SET NULL,
  FOREIGN KEY (claim_id) REFERENCES claim (id) ON DELETE SET NULL);
CREATE UNIQUE INDEX refund_account_id_order_id_order_item_id ON refund (account_id, order_id, order_item_id);
CREATE INDEX refund_claim_id_file_by ON refund (claim_id, file_by);
CREATE TABLE message (id INTEGER NOT NULL PRIMARY KEY, claim_id INTEGER NOT NULL, side VARCHAR(255) NOT NULL,
  kind VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
  FOREIGN KEY (claim_id) REFERENCES claim (id) ON DELETE CASCADE);
CREATE INDEX message_claim_id_created_at_id ON message (claim_id, created_at, id);
CREATE TABLE attachment (id INTEGER NOT NULL PRIMARY KEY, claim_id INTEGER NOT NULL, message_id INTEGER,
  name TEXT NOT NULL, size INTEGER NOT NULL, sha256 VARCHAR(64) NOT NULL, media_type VARCHAR(255) NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (claim_id) REFERENCES claim (id) ON DELETE CASCADE,
  FOREIGN KEY (message_id) REFERENCES message (id) ON DELETE SET NULL);
CREATE TABLE status_event (id INTEGER NOT NULL PRIMARY KEY, claim_id INTEGER NOT NULL, at INTEGER NOT NULL,
  actor VARCHAR(255) NOT NULL, user VARCHAR(255) NOT NULL, action VARCHAR(255) NOT NULL,
  from_status VARCHAR(255), to_status VARCHAR(255) NOT NULL, note TEXT NOT NULL,
  FOREIGN KEY (claim_id) REFERENCES claim (id) ON DELETE CASCADE);
CREATE INDEX status_event_claim_id_at ON status_event (claim_id, at);
CREATE TABLE read_mark (user VARCHAR(255) NOT NULL, claim_id INTEGER NOT NULL, seen_at INTEGER NOT NULL,
  PRIMARY KEY (user, claim_id), FOREIGN KEY (claim_id) REFERENCES claim (id) ON DELETE CASCADE);
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
"""


def _migrator(database: pw.Database):
    if isinstance(database, pw.PostgresqlDatabase):
        return PostgresqlMigrator(database)
    return SqliteMigrator(database)


def _v1_to_v2(database: pw.Database) -> None:
    """Settlement reconciliation: payouts, the import log, and paid amounts on claims."""
    migrate(_migrator(database).add_column("claim", "paid_minor", pw.BigIntegerField(default=0)))
    database.create_tables([m.Payout, m.ImportLog])


def _v2_to_v3(database: pw.Database) -> None:
    """Indexes for the per-currency amount sort and for analytics periods; drop the ones that
    only repeated the first column of a wider index."""
    for ddl in m.EXTRA_INDEXES:
        database.execute_sql(ddl)
    for name in m.REDUNDANT_INDEXES:
        database.execute_sql(f"DROP INDEX IF EXISTS {name}")


def _v3_to_v4(database: pw.Database) -> None:
    """Estimated deadlines are marked; refunds keep the order amount and why they are not claimable.
    The fields are spelled out here (not taken from the live models) so this step never changes."""
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


MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def current_version(database: pw.Database) -> int | None:
    if not database.table_exists("meta"):
        return None
    row = database.execute_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


#: how long opening waits for another terminal that is creating or upgrading the same database
UPGRADE_WAIT = 60.0


def ensure_schema(database: pw.Database) -> None:
    """Create or upgrade the schema. Two terminals opening the same database at once: the first
    creates or upgrades under the write lock, the second waits and then finds it done."""
    sqlite = m.is_sqlite(database)
    version = current_version(database)
    if version is not None and version > m.SCHEMA_VERSION:
        raise _newer(version)
    if version == m.SCHEMA_VERSION and (not sqlite or database.table_exists("message_fts")):
        return
    if sqlite and version is not None:
        # playhouse.migrate rebuilds a SQLite table (copy, drop, rename) for some changes; with
        # foreign keys on, dropping the old claim table would cascade-delete every message,
        # attachment, status event and read mark. The pragma only works outside a transaction.
        database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with m.write_transaction(database, UPGRADE_WAIT):
            version = current_version(database)  # again, under the lock
            if version is None:
                database.create_tables(m.MODELS)
                for ddl in m.EXTRA_INDEXES:
                    database.execute_sql(ddl)
                if sqlite:
                    database.execute_sql(m.FTS_DDL)
                m.meta_set("schema_version", str(m.SCHEMA_VERSION))
                return
            if version > m.SCHEMA_VERSION:
                raise _newer(version)
            while version < m.SCHEMA_VERSION:
                with database.atomic():
                    MIGRATIONS[version](database)
                    if sqlite:
                        broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise m.DatabaseError(
                                f"upgrading schema {version} to {version + 1} left {len(broken)} broken "
                                f"reference(s), first in table {broken[0][0]}; nothing was changed"
                            )
                    version += 1
                    m.meta_set("schema_version", str(version))
            if sqlite and not database.table_exists("message_fts"):
                # An external-content FTS table starts empty: index the messages already there,
                # or search would never find anything written before the upgrade.
                database.execute_sql(m.FTS_DDL)
                database.execute_sql("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
    finally:
        if sqlite and version is not None:
            database.execute_sql("PRAGMA foreign_keys = ON")


def _newer(version: int) -> m.DatabaseError:
    return m.DatabaseError(
        f"the database is at schema {version}, newer than this safet (schema {m.SCHEMA_VERSION}): upgrade safet"
    )
