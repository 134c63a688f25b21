"""Canned replies: a text per claim reason, with placeholders filled from the claim.

Shipped texts for the common reasons below; ``[canned_replies]`` in the config replaces any of
them (by reason code, or ``default`` for the rest). ``{order_id}``, ``{claimed}``, ``{refunded}``,
``{reply_by}``, ``{sku}``, ``{title}`` … are filled from the claim (``service/reply_fields.py``); a
placeholder the desk does not know stays as written, so a typo shows instead of vanishing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from safet_tui.widgets.text import clean

DEFAULTS: dict[str, str] = {
    "unsellable": (
        "Hello,\n\nOrder {order_id} ({sku} · {title}) was refunded {refunded}, but the item came back "
        "damaged and cannot be sold again. The attached photos show the returned item and the return "
        "package with its label. We ask for reimbursement of {claimed}.\n\nThank you."
    ),
    "different": (
        "Hello,\n\nFor order {order_id} we received a different item (or an empty box) instead of "
        "{sku} · {title}. The attached photos show what came back and the return label. We ask for "
        "reimbursement of {claimed}.\n\nThank you."
    ),
    "not_returned": (
        "Hello,\n\nOrder {order_id} ({sku}) was refunded {refunded}, yet the item was never returned: "
        "there is no carrier first scan for the return. We ask for reimbursement of {claimed}.\n\nThank you."
    ),
    "never_arrived": (
        "Hello,\n\nThe buyer of order {order_id} says {sku} · {title} never arrived. The attached proof "
        "of delivery shows it was delivered. We ask for reimbursement of {claimed}.\n\nThank you."
    ),
    "replacement_refunded": (
        "Hello,\n\nFor order {order_id} the buyer agreed to a replacement, which was delivered (tracking "
        "attached), and the order was refunded {refunded} as well. We ask for reimbursement of "
        "{claimed}.\n\nThank you."
    ),
    "label_refunded": (
        "Hello,\n\nFor order {order_id} the return label was refunded although the buyer's return reason "
        "made the buyer responsible for it (return-reason code attached). We ask for reimbursement of "
        "{claimed}.\n\nThank you."
    ),
    "default": (
        "Hello,\n\nRegarding claim {claim_id} on order {order_id} ({sku} · {title}): we ask for "
        "reimbursement of {claimed}. Details and evidence are attached.\n\nThank you."
    ),
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_for(reason_code: str, configured: Mapping[str, str] | None = None) -> str:
    """The configured text for a reason, else the shipped one, else the configured or shipped default."""
    configured = configured or {}
    for table in (configured, DEFAULTS):
        if reason_code in table:
            return table[reason_code]
    return configured.get("default", DEFAULTS["default"])


def fill(template: str, fields: Mapping[str, object]) -> str:
    """Put each known ``{name}``'s value (cleaned, on one line) in its place; an unknown name and
    any other brace stay as written. Never raises on a template."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return clean(fields[name]) if name in fields else match.group(0)

    return _PLACEHOLDER.sub(value, clean(template, newlines=True))
