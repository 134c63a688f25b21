"""The one CSV writer: every CSV safet writes (claims export, analytics export, ``safet report
--format csv``) goes through :func:`write_csv` / :func:`csv_text` (and a file is written by
``export.files.write_private`` in :data:`FILE_ENCODING`), so every cell is formula-safe whatever
the data holds.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK("http://…"&A1,…)`` in a product title or a denial reason).

The rule is by type, not by look: a cell the program computed as a number (``int``, a finite
``Decimal`` or ``float``) is written as a plain decimal, so a negative amount stays a number a
spreadsheet can add up (``-12.50``). Every text cell, which may have come from a report, that
starts with one of those characters is written with a leading apostrophe, which spreadsheets
show as text — even when it looks like a number (a SKU ``-0012`` stays ``-0012`` instead of
turning into the number -12).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: what a CSV file is written in: UTF-8 with a byte-order mark, so spreadsheets read it as UTF-8
FILE_ENCODING = "utf-8-sig"
LINE_END = "\r\n"  # RFC 4180


def number_text(value: object) -> str | None:
    """A number the program produced, as plain decimal text (no exponent); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, float) and math.isfinite(value):
        return format(Decimal(repr(value)), "f")
    return None


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (see the module's rule)."""
    number = number_text(value)
    if number is not None:
        return number
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write ``header`` and ``rows`` to ``out`` (opened with ``newline=""``), every cell neutralised.

    Lines always end in CRLF: the csv module quotes a cell holding a character of the line end
    only, so with ``\n`` a lone carriage return in a title went out bare, a spreadsheet broke the
    row there, and the rest of the cell (``=cmd|…``) began a line of its own, unneutralised."""
    writer = csv.writer(out, lineterminator=LINE_END)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV as a string (for standard output, or a file through export.files.write_private)."""
    out = io.StringIO(newline="")
    write_csv(out, header, rows)
    return out.getvalue()

