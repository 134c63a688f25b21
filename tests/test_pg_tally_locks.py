"""``db copy --replace`` and a clear onto a server database others are reading: the tallies are
counted afresh at the end, and the claim table stays readable meanwhile (dropping the tally
triggers took an ACCESS EXCLUSIVE lock on it for the whole copy: every desk's read hung)."""

from __future__ import annotations

import psycopg

from safet_tui import tallies
from safet_tui.db_copy import copy_database
from safet_tui.db_open import open_database
from safet_tui.transactions import bound, close_database


def test_the_claims_stay_readable_while_a_copy_replaces_a_server_database(demo_db, tmp_path, pg):
    server = pg.create(pg.fresh_name("busy"))
    copy_database(str(demo_db), server)
    reader = psycopg.connect(server, autocommit=True)
    reader.execute("SET lock_timeout = '3s'")
    seen: list[object] = []

    def progress(table: str, n: int) -> None:  # runs inside the copy's transaction
        if table == "claim" and not seen:
            try:
                seen.append(reader.execute("SELECT COUNT(*) FROM claim").fetchone()[0])
            except psycopg.errors.LockNotAvailable as exc:
                seen.append(exc)

    try:
        copy_database(str(demo_db), server, replace=True, progress=progress)
    finally:
        reader.close()
    assert seen and not isinstance(seen[0], Exception), seen
    database = open_database(server, create=False)
    try:
        with bound(database):
            assert tallies.differences(database) == {}
            before = database.execute_sql("SELECT COUNT(*) FROM claim_tally").fetchone()[0]
            database.execute_sql("UPDATE claim SET status = 'resolved', outcome = 'no_grant'"
                                 " WHERE id = (SELECT MIN(id) FROM claim WHERE status <> 'resolved')")
            assert tallies.differences(database) == {}  # the triggers keep them after the copy
            assert before
    finally:
        close_database(database)
