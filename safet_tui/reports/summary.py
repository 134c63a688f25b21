"""What an import did (or, on a dry run, would do), for people and for the desk."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from safet_tui.domain.money import Money


@dataclass(frozen=True)
class UnmatchedPayout:
    """A SAFE-T reimbursement in a settlement report that matches no claim (kept, listed)."""

    line: int
    order_id: str
    adjustment_id: str
    amount: Money
    posted_at: datetime | None


@dataclass
class ImportSummary:
    kind: str  # returns | settlement | claims
    file: str  # the file's name as given
    sha256: str = ""
    dry_run: bool = False
    account: str = ""
    marketplace: str = ""
    account_created: bool = False
    rows_read: int = 0
    claims_created: list[str] = field(default_factory=list)
    claims_updated: list[str] = field(default_factory=list)
    claims_unchanged: int = 0
    refunds_added: int = 0
    refunds_updated: int = 0
    refunds_unchanged: int = 0
    #: refunds added without a claim (they show on the Claimable tab while their window is open)
    claimable_added: int = 0
    claimable_expired: int = 0
    messages_added: int = 0
    payouts_matched: list[str] = field(default_factory=list)  # claim numbers, one per payout
    payouts_unmatched: list[UnmatchedPayout] = field(default_factory=list)
    payouts_known: int = 0
    #: "claim: granted X, paid Y" for each claim whose payouts differ from the recorded grant
    payout_mismatches: list[str] = field(default_factory=list)
    #: reason → line numbers of the rows skipped for it
    skipped: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    imported_before: list[datetime] = field(default_factory=list)
    import_id: int | None = None
    seconds: float = 0.0

    # -- recording -------------------------------------------------------------
    def skip(self, reason: str, line: int) -> None:
        self.skipped.setdefault(reason, []).append(line)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def changed(self) -> bool:
        """Whether the import wrote (or, dry, would write) anything."""
        return bool(
            self.account_created or self.claims_created or self.claims_updated or self.refunds_added
            or self.refunds_updated or self.messages_added or self.payouts_matched or self.payouts_unmatched
        )

    @property
    def rows_skipped(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    # -- for people ------------------------------------------------------------
    def lines(self) -> list[str]:
        """The summary as plain lines of text (no markup: cells are shown literally)."""
        what = {"returns": "returns report", "settlement": "settlement report",
                "claims": "claims file"}.get(self.kind, self.kind)
        out = [f"{'Dry run of' if self.dry_run else 'Imported'} {what} {self.file}"
               + (f" ({self.seconds:.1f} s)" if self.seconds >= 0.05 else "")]
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        if self.account:
            created = " — new account, created" if self.account_created else ""
            out.append(f"Account: {self.account} ({self.marketplace}){created}")
        out.append(f"Rows read: {self.rows_read:,}")
        if self.kind in ("returns", "claims") or self.claims_created or self.claims_updated:
            out.append(f"Claims: {len(self.claims_created):,} created, {len(self.claims_updated):,} updated, "
                       f"{self.claims_unchanged:,} unchanged")
        if self.kind != "claims" or self.refunds_added:
            claimable = ""
            if self.claimable_added:
                # refunds without a claim: some still claimable, some whose window already closed
                still = self.claimable_added - self.claimable_expired
                expired = f", {self.claimable_expired:,} already past file-by" if self.claimable_expired else ""
                claimable = f" ({still:,} claimable{expired})"
            out.append(f"Refunds: {self.refunds_added:,} added{claimable}, {self.refunds_updated:,} updated, "
                       f"{self.refunds_unchanged:,} unchanged")
        if self.messages_added:
            out.append(f"Messages: {self.messages_added:,} added")
        if self.kind == "settlement" or self.payouts_matched or self.payouts_unmatched or self.payouts_known:
            known = f", {self.payouts_known:,} already recorded" if self.payouts_known else ""
            out.append(f"Payouts: {len(self.payouts_matched):,} matched, "
                       f"{len(self.payouts_unmatched):,} unmatched{known}")
        for p in self.payouts_unmatched:
            posted = f" posted {p.posted_at.date().isoformat()}" if p.posted_at else ""
            ref = f"adjustment {p.adjustment_id}" if p.adjustment_id else "no adjustment id"
            out.append(f"  unmatched payout, line {p.line}: order {p.order_id or '(none)'}, {ref}, "
                       f"{p.amount}{posted} — no claim with that id or order")
        for text in self.payout_mismatches:
            out.append(f"  payout mismatch: claim {text}")
        if self.skipped:
            out.append(f"Skipped: {self.rows_skipped:,} row{'s' if self.rows_skipped != 1 else ''}")
            for reason, lines in self.skipped.items():
                shown = ", ".join(str(n) for n in lines[:8]) + (", …" if len(lines) > 8 else "")
                out.append(f"  {len(lines):,} × {reason} (line{'s' if len(lines) != 1 else ''} {shown})")
        for text in self.notes:
            out.append(f"Note: {text}")
        if not self.changed:
            before = ""
            if self.imported_before:
                before = " (this file was imported before, on " + ", ".join(
                    t.strftime("%Y-%m-%d %H:%M UTC") for t in self.imported_before[-3:]) + ")"
            out.append(f"Nothing {'would change' if self.dry_run else 'changed'}{before}.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict:
        """A JSON-ready record (stored in the import log)."""
        data = asdict(self)
        data["payouts_unmatched"] = [
            {"line": p.line, "order_id": p.order_id, "adjustment_id": p.adjustment_id,
             "amount": str(p.amount.amount), "currency": p.amount.currency,
             "posted_at": p.posted_at.isoformat() if p.posted_at else None}
            for p in self.payouts_unmatched
        ]
        data["imported_before"] = [t.isoformat() for t in self.imported_before]
        return data
