"""Users and roles as data (schema 7): who may open the desk in a browser, as which role.

A user has a name, a role (``seller`` or ``amazon``), the seller accounts they work on, and an
argon2id hash of their password or token (argon2-cffi); the secret itself is never stored.
``check`` costs the same whether or not the name exists (an unknown name is checked against a
hash of nothing), so the time of a refusal does not tell which names are users.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from safet_tui.db import User
from safet_tui.db_open import DbTarget, open_database
from safet_tui.service.errors import ServiceError
from safet_tui.transactions import bound, write_transaction

ROLES = ("seller", "amazon")
#: user and account names are plain: they go into logs, cookies, command lines and folder names
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
ACCOUNT = re.compile(r"[^\x00-\x1f\x7f-\x9f,]{1,100}")  # an account's name as imported: no commas
MIN_SECRET = 8

_HASHER = PasswordHasher()
_NOBODY: list[str] = []  # a hash of a random secret, made once: what an unknown name is checked against


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    accounts: tuple[str, ...] = ()


def new_token() -> str:
    """A generated secret for scripts and shared screens (shown once, stored hashed)."""
    return secrets.token_urlsafe(24)


def _checked_name(name: str, what: str = "user name") -> str:
    if not NAME.fullmatch(name or ""):
        raise ServiceError(f"{what} {name!r} is not allowed: letters, digits and . _ @ - only "
                           "(up to 64, starting with a letter or digit)")
    return name


def _checked_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET:
        raise ServiceError(f"the password is too short: at least {MIN_SECRET} characters")
    return secret


def _person(row: User) -> Person:
    return Person(row.name, row.role, tuple(a for a in row.accounts.split(",") if a))


class Users:
    """The users table of one database (opened, upgraded to schema 7 if need be)."""

    def __init__(self, target: DbTarget | str, *, clock=None) -> None:
        self.database = open_database(target)  # callers check it is there (database_for)
        self.clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        self.database.close()

    def add(self, name: str, role: str, secret: str, accounts: tuple[str, ...] = ()) -> Person:
        _checked_name(name)
        if role not in ROLES:
            raise ServiceError(f"role {role!r} is not one of {', '.join(ROLES)}")
        for account in accounts:
            if not ACCOUNT.fullmatch(account) or not account.isprintable():
                raise ServiceError(f"account name {account!r} is not allowed (no commas or control characters)")
        hashed = _HASHER.hash(_checked_secret(secret))
        with bound(self.database), write_transaction(self.database, 10.0):
            if User.get_or_none(User.name == name) is not None:
                raise ServiceError(f"there is already a user {name}")
            User.create(name=name, role=role, accounts=",".join(accounts), secret_hash=hashed,
                        created_at=self.clock())
        return Person(name, role, tuple(accounts))

    def set_secret(self, name: str, secret: str) -> None:
        hashed = _HASHER.hash(_checked_secret(secret))
        with bound(self.database), write_transaction(self.database, 10.0):
            if not User.update(secret_hash=hashed).where(User.name == name).execute():
                raise ServiceError(f"there is no user {name}")

    def remove(self, name: str) -> None:
        with bound(self.database), write_transaction(self.database, 10.0):
            if not User.delete().where(User.name == name).execute():
                raise ServiceError(f"there is no user {name}")

    def all(self) -> list[Person]:
        with bound(self.database):
            return [_person(row) for row in User.select().order_by(User.name)]

    def get(self, name: str) -> Person | None:
        with bound(self.database):
            row = User.get_or_none(User.name == name)
        return _person(row) if row else None

    def check(self, name: str, secret: str) -> Person | None:
        """The user whose name and secret these are, else None (same work either way)."""
        with bound(self.database):
            row = User.get_or_none(User.name == name) if NAME.fullmatch(name or "") else None
        if not _NOBODY:
            _NOBODY.append(_HASHER.hash(new_token()))
        try:
            _HASHER.verify(row.secret_hash if row else _NOBODY[0], secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return _person(row) if row else None


#: set by ``safet serve`` for the desks it starts: the visitor it names logged in to the server
SERVED_ENV = "SAFET_SERVED_DESK"


def server_login(url: str, environ=None) -> str:
    """The name a PostgreSQL URL logs in as: its user, else libpq's default ($PGUSER, the system user)."""
    import getpass
    import os
    from urllib.parse import unquote, urlsplit

    environ = os.environ if environ is None else environ
    return unquote(urlsplit(url).username or "") or environ.get("PGUSER") or getpass.getuser()


def identity_on_server(login: str, user: str | None, role: str, person: Person | None,
                       served: bool = False) -> str:
    """Who a desk on PostgreSQL acts as: the server login (a desk ``safet serve`` started: the
    visitor it names), and as ``amazon`` only when that user's role is amazon. Returns the name."""
    if served:
        name = user or login
    elif user and user != login:
        raise ServiceError(f"on PostgreSQL you are who you log in as ({login}): --user {user} does not apply")
    else:
        name = login
    if role == "amazon" and (person is None or person.role != "amazon"):
        raise ServiceError(f"{name} may not act as amazon: only a user added with 'safet user add {name} "
                           "--role amazon' can")
    return name
