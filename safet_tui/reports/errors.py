"""Errors an import or export stops with: they name the file, line, column and value."""

from __future__ import annotations


class ReportError(ValueError):
    """A report that cannot be imported; nothing was written.

    ``file``, ``line`` (1 = the header line), ``column`` (the header as the file
    spells it) and ``value`` (the offending cell) are kept for the desk to show;
    ``str()`` is one line for people. In a JSON file ``path`` names the field
    instead (``claims[3].claimed``); it is kept in ``column`` too, so callers
    that show a column show the path.
    """

    def __init__(self, problem: str, *, file: str = "", line: int | None = None,
                 column: str | None = None, value: str | None = None, path: str | None = None) -> None:
        self.problem = " ".join(str(problem).split())  # one line, whatever a caller passed in
        self.file = file
        self.line = line
        self.path = path
        self.column = path if path is not None else column
        self.value = value
        super().__init__(self._text())

    def _text(self) -> str:
        """One printable line: a control, format or separator character that came from the file
        (a problem may quote a header, a file name may hold anything) is shown escaped."""
        where = [self.file] if self.file else []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.path is not None:
            where.append(self.path)
        elif self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where)
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            text += f": {shown!r}" if text else repr(shown)
        return _printable(f"{text}: {self.problem}" if text else self.problem)


class AccountChoiceError(ReportError):
    """The report's marketplace has several accounts: the caller must name one."""

    def __init__(self, problem: str, *, file: str, accounts: list[str]) -> None:
        self.accounts = accounts
        super().__init__(problem, file=file)


def _printable(text: str) -> str:
    """One line a terminal shows as it is (the desk's and the CLI's cleaning: ␛ for ESC)."""
    from safet_tui.domain.printable import clean

    return text if text.isprintable() else clean(text)
