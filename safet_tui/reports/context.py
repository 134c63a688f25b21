"""What every importer gets: where to write, the policies, the clock's now, the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from safet_tui.domain.clock import to_epoch
from safet_tui.domain.marketplaces import Policies
from safet_tui.reports.summary import ImportSummary

Progress = Callable[[int, int], None]


@dataclass
class ImportContext:
    database: pw.Database
    policies: Policies
    user: str
    now: datetime
    file: str
    summary: ImportSummary
    account: str | None = None
    progress: Progress | None = None
    #: the account names the person importing may change (a seller user added with --account);
    #: None: any. A row of another account refuses the file.
    accounts: tuple[str, ...] | None = None
    #: work units: rows read, then rows applied (so ``total`` is twice the data rows)
    total: int = 0
    every: int = 2000
    _now_epoch: int | None = None

    @property
    def now_epoch(self) -> int:
        if self._now_epoch is None:
            self._now_epoch = to_epoch(self.now)
        return self._now_epoch

    def tick(self, done: int) -> None:
        if self.progress is not None and (done % self.every == 0 or done >= self.total):
            self.progress(min(done, self.total), self.total)
