"""The one CSV writer: every cell is formula-safe, whatever the file holds.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK("http://…"&A1,…)`` in a product title or a denial reason).
Such a cell is written with a leading apostrophe, which spreadsheets show as text; plain
numbers (``-49.99``) are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import IO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[object]], *,
              lineterminator: str = "\r\n") -> None:
    """Write ``header`` and ``rows`` to ``out``, every cell neutralised."""
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, lineterminator: str = "\n") -> str:
    out = io.StringIO()
    write_csv(out, header, rows, lineterminator=lineterminator)
    return out.getvalue()
