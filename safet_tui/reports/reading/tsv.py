"""A tolerant reader for Amazon's tab-separated flat files.

Takes UTF-8 with or without a byte-order mark (or UTF-16 with one), CRLF, LF or CR line ends, blank
lines (skipped), headers in any case and order (``Order ID``, ``order-id`` and
``order_id`` are the same column), extra columns (ignored), cells holding a
single space (empty), and rows shorter than the header (the missing cells are
empty). A file that is not UTF-8 or not tab-separated stops with a
:class:`ReportError` naming the file and line.

Cells are split on tabs only: Amazon's flat files do not quote, and a title
such as ``12" tripod`` must come through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from operator import itemgetter

from safet_tui.reports.errors import ReportError

_SEP = re.compile(r"[\s_\-]+")


def column_key(name: str) -> str:
    """The name a column is known by: lower case, words joined by single spaces."""
    key = name.strip().lstrip("\ufeff").strip().strip('"').lower().replace("safe-t", "safet")  # a second BOM too
    return _SEP.sub(" ", key).strip()


def decode(data: bytes, file: str) -> str:
    """The file's text; a file that is not UTF-8 stops at the first bad byte's line.

    UTF-8 with or without a byte-order mark, and UTF-16 with one (what a spreadsheet's "Unicode
    text" saves). A NUL character is refused where it stands: no report holds one, and a UTF-16
    file without its mark decodes as UTF-8 text with a NUL between every letter."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _utf16(data, file)
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            start = data.rfind(b"\n", 0, exc.start) + 1
            cell_index = data.count(b"\t", start, exc.start)
            header = data.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r").split("\t")
            column = header[cell_index].strip() if line > 1 and cell_index < len(header) else None
            bad = data[exc.start:exc.start + 8]
            raise ReportError(
                f"the file is not UTF-8 (byte {bad[:1].hex()} at offset {exc.start}); "
                "save it as UTF-8, or download it again from Seller Central",
                file=file, line=line, column=column, value=bad.decode("latin-1"),
            ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, column, cell = _where(text, nul)
        raise ReportError("holds a NUL character, which no report has (a binary file, or UTF-16 without its "
                          "byte-order mark?); save it as UTF-8 text", file=file, line=line, column=column, value=cell)
    return text


def _utf16(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-16")  # the mark says which byte order, and is dropped
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode("utf-16", "replace").count("\n") + 1
        raise ReportError(f"the file is not valid UTF-16 (at byte offset {exc.start}); save it as UTF-8",
                          file=file, line=line) from None


def _where(text: str, index: int) -> tuple[int, str | None, str]:
    """The line (1 = the first), column name (from the first line) and cell at ``index``."""
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    row = text[start:end if end >= 0 else len(text)].rstrip("\r").split("\t")
    at = text.count("\t", start, index)
    header = text.split("\n", 1)[0].rstrip("\r").split("\t")
    column = header[at].strip() if line > 1 and at < len(header) else None
    return line, column, row[at] if at < len(row) else ""


class Row:
    """One data line: ``line`` is its line number in the file (the header is line 1)."""

    __slots__ = ("line", "cells")

    def __init__(self, line: int, cells: list[str]) -> None:
        self.line = line
        self.cells = cells


class Table:
    """The header and rows of one tab-separated file."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        # CRLF to LF in one pass over the text, not one slice per line: the same lines as
        # stripping one trailing CR from each (a CR not before LF stays, but for the last line's)
        lines = None
        if "\n" not in text and "\r" in text:  # CR alone ends lines (old Mac text)
            lines = text.split("\r")
        elif "\r" not in text:
            lines = text.split("\n")
        elif (newlines := text.count("\n")) == text.count("\r"):
            lines = text.split("\r\n")
            if len(lines) != newlines + 1:  # not CRLF throughout (as many CR as LF, not in pairs)
                lines = None
        if lines is None:
            lines = text.replace("\r\n", "\n").split("\n")
        if lines[-1].endswith("\r"):
            lines[-1] = lines[-1][:-1]
        self._lines = lines
        first = next((i for i, ln in enumerate(self._lines) if ln.strip()), None)
        if first is None:
            raise ReportError("the file is empty", file=file)
        self.header_line = first + 1
        raw = self._lines[first]
        if "\t" not in raw:
            hint = " (it looks comma-separated: download the tab-delimited flat file)" if "," in raw else ""
            raise ReportError(f"not a tab-separated report{hint}", file=file, line=self.header_line,
                              value=raw[:60])
        self.headers = [h.strip() for h in raw.split("\t")]
        self.index: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            key = column_key(h)
            if key and key not in self.index:
                self.index[key] = i
        self._first_data = first + 1
        self.total = sum(1 for ln in self._lines[self._first_data:] if ln.strip())

    def has(self, key: str) -> bool:
        return key in self.index

    def name(self, key: str) -> str:
        """The column as the file spells it (for messages), else the canonical name."""
        i = self.index.get(key)
        return self.headers[i] if i is not None else key

    def require(self, keys: dict[str, str]) -> None:
        """Stop if a required column is missing. ``keys`` maps key → the name to print."""
        for key, label in keys.items():
            if key not in self.index:
                raise ReportError(f"required column {label!r} is missing (columns found: "
                                  f"{', '.join(self.headers[:8])}{', …' if len(self.headers) > 8 else ''})",
                                  file=self.file, line=self.header_line, column=label, value=None)

    def rows(self) -> Iterator[Row]:
        for n, ln in enumerate(self._lines[self._first_data:], start=self._first_data + 1):
            if not ln.strip():
                continue
            yield Row(n, ln.split("\t"))

    def data_lines(self) -> tuple[int, list[str]]:
        """The first data line's number and the lines from there, blank ones included (skip them
        with ``not text or text.isspace()``): :meth:`rows` without a :class:`Row` per line (split
        the text and read it with :meth:`cells_picker`)."""
        return self._first_data + 1, self._lines[self._first_data:]

    def cell(self, row: Row, key: str) -> str:
        """The trimmed cell text, '' for a missing column, a short row or a single-space cell."""
        i = self.index.get(key)
        if i is None or i >= len(row.cells):
            return ""
        return row.cells[i].strip()

    def picker(self, keys: tuple[str, ...]):
        """A fast reader of several text cells at once: ``picker(keys)(row)`` -> tuple of trimmed cells."""
        where = [self.index.get(k) for k in keys]

        def pick(row: Row) -> tuple[str, ...]:
            cells, n = row.cells, len(row.cells)
            return tuple(cells[i].strip() if i is not None and i < n else "" for i in where)

        return pick

    def cells_picker(self, keys: tuple[str, ...]) -> Callable[[list[str]], tuple[str, ...]]:
        """:meth:`picker` for a line's split cells: ``cells_picker(keys)(line.split("\\t"))``.

        Same values (trimmed; '' for a missing column or a short row); a row as long as the header
        with every column present is read with one ``itemgetter`` and ``map``.
        """
        where = [self.index.get(k) for k in keys]
        width = max((i for i in where if i is not None), default=-1) + 1
        complete = all(i is not None for i in where)
        get = itemgetter(*where) if complete and len(where) > 1 else None
        strip = str.strip

        def pick(cells: list[str]) -> tuple[str, ...]:
            if get is not None and len(cells) >= width:
                return tuple(map(strip, get(cells)))
            n = len(cells)
            return tuple(cells[i].strip() if i is not None and i < n else "" for i in where)

        return pick

    def error(self, row: Row, key: str, problem: str) -> ReportError:
        return ReportError(problem, file=self.file, line=row.line, column=self.name(key),
                           value=self.cell(row, key))
