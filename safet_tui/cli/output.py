"""Everything the command line writes goes out through here, cleaned the way the desk cleans it.

Messages carry values from data (order ids, account names, file names, report cells quoted in an
error), so ``out`` and ``err`` pass them through ``clean``: an escape sequence in a report shows
as ``␛]0;…␇`` instead of setting the terminal's title or writing its clipboard.

Exports written to standard output are data, not messages:
- JSON keeps every character, written as a ``\\u`` escape where a terminal would act on it or
  hide it (``json_inert``): the same data for a program, inert in a terminal.
- CSV (its cells are the CSV writer's business) goes out as it is into a pipe or a file, and
  cleaned like a message when standard output is a terminal, where a person reads it.
"""

from __future__ import annotations

import sys
import traceback
from typing import TextIO

from safet_tui.domain.printable import clean, json_inert


def out(text: object = "") -> None:
    """One message (or a text report) to standard output, newline added."""
    sys.stdout.write(clean(text, newlines=True) + "\n")


def err(text: object) -> None:
    """One message to standard error, newline added."""
    sys.stderr.write(clean(text, newlines=True) + "\n")


def data(text: str, fmt: str, stream: TextIO | None = None) -> None:
    """An export in ``fmt`` (csv or json) to standard output, as it is written."""
    stream = stream or sys.stdout
    if fmt == "json":
        text = json_inert(text)
    elif _is_terminal(stream):
        text = clean(text, newlines=True)
    stream.write(text)
    stream.flush()


def for_file(text: str, fmt: str) -> str:
    """An export in ``fmt`` as it is written to a file (JSON made inert, CSV untouched)."""
    return json_inert(text) if fmt == "json" else text


def install_excepthook() -> None:
    """A bug's traceback still prints in full, but cleaned: it may quote a value from data."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _cleaned_traceback


def _cleaned_traceback(kind, value, tb) -> None:
    sys.stderr.write(clean("".join(traceback.format_exception(kind, value, tb)), newlines=True))


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
