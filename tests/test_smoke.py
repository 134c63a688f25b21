def test_demo_desk_has_every_tab(desk):
    counts = desk.counts()
    assert set(counts) == {"awaiting", "investigating", "resolved", "claimable"}
    assert all(c.total > 0 for c in counts.values())
