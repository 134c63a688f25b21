"""What a status change costs does not grow with the database: each statement it runs reads by key
or by a narrow index range, never every claim (at a million claims one such scan took 5 s, and
every reply, decision and deadline passing paid it)."""

from __future__ import annotations

from safet_tui.service.desk import Desk


def test_a_status_change_scans_no_table(desk: Desk):
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    conn = desk.database.connection()
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        desk.reply(claim_no, "The tracking number is 1Z999.")
    finally:
        conn.set_trace_callback(None)
    writes = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE")) and not s.startswith("--")]
    assert any("outbox" in s for s in writes)
    for statement in writes:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}")]
        scans = [step for step in plan if step.startswith("SCAN") and "CONSTANT ROW" not in step]
        assert not scans, (statement[:120], plan)
