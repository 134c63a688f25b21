"""The eight SAFE-T claim reasons, the evidence each needs, and denial reasons."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Evidence(StrEnum):
    ITEM_PHOTOS = "item_photos"
    PACKAGE_LABEL_PHOTOS = "package_label_photos"
    PROOF_OF_DELIVERY = "proof_of_delivery"
    BUYER_AGREEMENT = "buyer_agreement"
    REPLACEMENT_TRACKING = "replacement_tracking"
    RETURN_REASON_CODE = "return_reason_code"

    @property
    def label(self) -> str:
        return EVIDENCE_LABELS[self]


EVIDENCE_LABELS = {
    Evidence.ITEM_PHOTOS: "Photos of the returned item",
    Evidence.PACKAGE_LABEL_PHOTOS: "Photos of the return package, label visible",
    Evidence.PROOF_OF_DELIVERY: "Proof of delivery / signature",
    Evidence.BUYER_AGREEMENT: "Buyer's agreement to a replacement",
    Evidence.REPLACEMENT_TRACKING: "Replacement tracking ID",
    Evidence.RETURN_REASON_CODE: "Return-reason code",
}


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    short: str
    evidence: tuple[Evidence, ...]


REASONS: tuple[Reason, ...] = (
    Reason("abuse", "Buyer abused the return or refund policy", "Return abuse", ()),
    Reason("unsellable", "Item returned unsellable, seller not at fault (damaged / used / parts missing)",
           "Returned damaged", (Evidence.ITEM_PHOTOS, Evidence.PACKAGE_LABEL_PHOTOS)),
    Reason("different", "Materially different item returned (different item, empty box)",
           "Different item", (Evidence.ITEM_PHOTOS, Evidence.PACKAGE_LABEL_PHOTOS)),
    Reason("not_returned", "Item not returned: no RMA and no carrier first scan", "Not returned", ()),
    Reason("replacement_refunded", "Replacement delivered, but the order was refunded anyway",
           "Replaced + refunded", (Evidence.BUYER_AGREEMENT, Evidence.REPLACEMENT_TRACKING)),
    Reason("label_refunded", "Amazon refunded the return label although the buyer was responsible",
           "Label refunded", (Evidence.RETURN_REASON_CODE,)),
    Reason("never_arrived", "Buyer says the item never arrived, seller has proof of delivery",
           "Claimed not arrived", (Evidence.PROOF_OF_DELIVERY,)),
    Reason("outside_window", "Amazon initiated a return outside the return window", "Late return", ()),
)

REASONS_BY_CODE = {r.code: r for r in REASONS}

#: How Amazon's reports name a reason (``SafeT Action reason``), lower-cased.
REPORT_NAMES = {
    "buyer abused return policy": "abuse",
    "return abuse": "abuse",
    "item returned damaged": "unsellable",
    "item returned unsellable": "unsellable",
    "returned item damaged": "unsellable",
    "materially different item returned": "different",
    "different item returned": "different",
    "item not returned": "not_returned",
    "replacement delivered and refunded": "replacement_refunded",
    "replacement delivered": "replacement_refunded",
    "return label refunded": "label_refunded",
    "buyer responsible for return label": "label_refunded",
    "item not received": "never_arrived",
    "delivered but buyer claims not received": "never_arrived",
    "return outside window": "outside_window",
    "return initiated outside return window": "outside_window",
}


class ReasonError(ValueError):
    pass


def reason(code: str) -> Reason:
    try:
        return REASONS_BY_CODE[code]
    except KeyError:
        raise ReasonError(f"unknown claim reason {code!r}") from None


def reason_from_report(text: str) -> Reason:
    """Map a report's reason text (or our own code) to a Reason."""
    key = " ".join((text or "").strip().lower().split())
    if key in REASONS_BY_CODE:
        return REASONS_BY_CODE[key]
    if key in REPORT_NAMES:
        return REASONS_BY_CODE[REPORT_NAMES[key]]
    for r in REASONS:
        if key == r.label.lower() or key == r.short.lower():
            return r
    raise ReasonError(f"unknown SAFE-T reason {text!r}")


#: A refund's return reason (the buyer's words in the returns report, as text or as Amazon's code),
#: lower-cased, to the SAFE-T claim reason it usually leads to. The new-claim form preselects it;
#: reasons that say nothing about what came back (no longer needed, bought by mistake, a better
#: price, the listing was wrong) map to nothing and the seller chooses.
RETURN_REASON_CLAIMS: dict[str, str] = {
    "item arrived damaged": "unsellable",
    "product damaged": "unsellable",
    "damaged by carrier": "unsellable",
    "defective/does not work properly": "unsellable",
    "missing parts or accessories": "unsellable",
    "cr-damaged_by_carrier": "unsellable",
    "cr-damaged_by_fc": "unsellable",
    "cr-defective": "unsellable",
    "cr-missing_parts": "unsellable",
    "different item received": "different",
    "wrong item was sent": "different",
    "cr-switcheroo": "different",
}


def reason_for_return(text: str) -> Reason | None:
    """The claim reason a refund's return reason points to, or None where it does not map."""
    code = RETURN_REASON_CLAIMS.get(" ".join((text or "").strip().lower().split()))
    return REASONS_BY_CODE[code] if code else None


def missing_evidence(reason_: Reason, provided: set[Evidence]) -> list[Evidence]:
    return [e for e in reason_.evidence if e not in provided]


DENIAL_REASONS: tuple[str, ...] = (
    "Insufficient evidence provided",
    "Claim filed outside the eligible window",
    "Item was returned in sellable condition",
    "Seller did not respond by the reply-by date",
    "Return was processed late by the seller",
    "Order not fully refunded",
    "Photos do not show the return label",
    "Carrier scan confirms delivery to seller",
)

NO_REPLY_DENIAL = "Seller did not respond by the reply-by date"
