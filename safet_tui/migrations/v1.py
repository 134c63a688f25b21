"""The first schema (version 1), frozen: tests build an old database from it to prove it still
opens and upgrades. Never edit it; a change of schema is a new step in ``steps``."""

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
