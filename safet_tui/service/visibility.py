"""Which seller accounts a person may see: a seller user added with ``--account`` (``safet user
add NAME --role seller --account …``) sees and acts on only those accounts' claims and refunds;
an amazon user, and a user with no accounts named, sees everything.

The one mechanism: the session learns it once, where it learns who it is (``Session``), and every
read and write takes its SQL clause (``clause``) or its test (``allows``) from there: the list,
its counts and views (``ListQueries``), a claim by id, the write transactions, analytics,
exports, imports and notifications. Accounts are matched by name when a query runs, so an
account imported after the user was added is theirs from then on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safet_tui.db import User


@dataclass(frozen=True)
class Visibility:
    #: the account names this person may see; None: every account
    accounts: tuple[str, ...] | None = None

    @property
    def limited(self) -> bool:
        return self.accounts is not None

    def clause(self, column: str) -> tuple[str, list]:
        """`` AND <column> IN (ids of the visible accounts)``, or nothing for everything."""
        if self.accounts is None:
            return "", []
        marks = ", ".join("?" for _ in self.accounts)
        return f" AND {column} IN (SELECT id FROM account WHERE name IN ({marks}))", list(self.accounts)

    def allows(self, account_name: str) -> bool:
        return self.accounts is None or account_name in self.accounts

    def narrow(self, names: Iterable[str]) -> list[str] | None:
        """The account names asked for that may be seen (all visible ones when none is asked);
        None when there is no limit and nothing was asked. An empty list: nothing to show."""
        asked = [n for n in names if n]
        if self.accounts is None:
            return asked or None
        return [n for n in asked if n in self.accounts] if asked else list(self.accounts)


EVERYTHING = Visibility()


def visibility_of(user: str) -> Visibility:
    """What ``user`` may see, from the users table (on the database bound for the call)."""
    row = User.get_or_none(User.name == user)
    if row is None or row.role != "seller":
        return EVERYTHING
    names = tuple(a for a in (row.accounts or "").split(",") if a)
    return Visibility(names) if names else EVERYTHING
