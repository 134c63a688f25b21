"""The merchant-fulfilled returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE).

Rows with a refunded amount and no SAFE-T claim id become claimable refunds
with a file-by date from the marketplace policy (the summary says which date
the window counts from when the refund date is unknown). Rows with a claim id
create the claim or bring it to the reported state, recording a status event
for any change.
"""

from safet_tui.reports.importers.returns.reading import Parsed, ReturnRow, read
from safet_tui.reports.importers.returns.writing import apply, report_date

__all__ = ["Parsed", "ReturnRow", "apply", "read", "report_date"]
