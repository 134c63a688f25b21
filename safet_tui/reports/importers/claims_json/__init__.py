"""Claims in from a JSON export (``safet export --format json``): restore or move a desk.

Claims whose id is already in the database are left alone (so a second import
changes nothing). Accounts are matched by name and marketplace and created if
missing; ``--account NAME`` puts every claim under that name instead. Messages,
status events, attachment records, payouts and refunds (claimable or linked to
a claim, version 2 files) come along when the export has them; attachment files
themselves live in the attachment store beside the database, not in the JSON
(the import says how many are missing there and what to copy).

Every value is checked before anything is written, and the first bad one stops
the whole file with one line naming the JSON path, the value and the rule
(:mod:`safet_tui.domain.records` holds the rules of a claim record). A claim id
that appears twice is read once when both copies are the same and refused when
they differ.
"""

from safet_tui.reports.importers.claims_json.reading import Parsed, missing_files, read
from safet_tui.reports.importers.claims_json.writing import apply

__all__ = ["Parsed", "apply", "missing_files", "read"]
