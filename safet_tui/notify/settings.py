"""The ``[notifications]`` part of the config: sender, SMTP server, links, who gets what.

Secrets are read from the environment when the config names a variable (``password_env``,
default ``SAFET_SMTP_PASSWORD``); a password is never part of a repr, a log or an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from safet_tui.domain.notices import ALL, SubscriptionError, check_subscription

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Smtp:
    host: str = ""
    port: int = 0
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    password_env: str = "SAFET_SMTP_PASSWORD"
    timeout: float = 20.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port or DEFAULT_PORTS[self.security]}"

    def secret(self) -> str:
        """The password: from the config, else from the environment variable it names."""
        return self.password or os.environ.get(self.password_env, "")


@dataclass(frozen=True)
class Person:
    user: str
    email: str
    role: str = "seller"
    #: None: the role's default subscriptions
    subscribe: tuple[str, ...] | None = None
    reminders: bool = True


@dataclass
class NotifySettings:
    sender: str = ""
    smtp: Smtp = field(default_factory=Smtp)
    #: ``ssh HOST -t safet open …`` in the link when set
    ssh_host: str = ""
    #: the URL ``safet serve`` is reached at; the e-mail links to the desk on the claim there
    public_url: str = ""
    #: one e-mail per recipient per this many minutes (0: one per change)
    digest_minutes: int = 0
    #: the open desk rings the terminal bell when a claim changes elsewhere
    bell: bool = False
    #: the open desk shows a toast when a claim changes elsewhere
    toasts: bool = True
    #: seconds between checks for news in ``safet notify --watch``
    watch_interval: float = 2.0
    roles: dict[str, tuple[str, ...]] = field(default_factory=lambda: {"seller": (ALL,), "amazon": ()})
    people: list[Person] = field(default_factory=list)

    @property
    def from_address(self) -> str:
        """``from`` in the config, else safet at this host's name."""
        if self.sender:
            return self.sender
        import socket

        return f"safet <safet@{socket.getfqdn() or 'localhost'}>"

    def subscriptions(self, person: Person) -> tuple[str, ...]:
        if person.subscribe is not None:
            return person.subscribe
        return self.roles.get(person.role, ())


def _str(data: dict, key: str, where: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise SettingsError(f"{where}.{key} must be a string")
    return value.strip()


def _number(data: dict, key: str, where: str, low: float, high: float) -> float:
    value = data[key]
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise SettingsError(f"{where}.{key} must be a number from {low:g} to {high:g}")
    return float(value)


def _subs(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where} must be a list like [\"all\"], [\"touched\", \"account:NAME\"]")
    try:
        return tuple(check_subscription(v) for v in value)
    except SubscriptionError as exc:
        raise SettingsError(f"{where}: {exc}") from None


def _no_line_breaks(value: str, where: str) -> str:
    if any(ch in value for ch in "\r\n\0"):
        raise SettingsError(f"{where} must be one line")
    return value


def parse_notifications(data: object, where: str) -> NotifySettings:
    where = f"{where}: notifications"
    if not isinstance(data, dict):
        raise SettingsError(f"{where} must be a table")
    known = {"from", "smtp", "ssh_host", "public_url", "digest_minutes", "bell", "toasts", "watch_interval",
             "roles", "users"}
    if unknown := set(data) - known:
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    s = NotifySettings()
    if "from" in data:
        s.sender = _no_line_breaks(_str(data, "from", where), f"{where}.from")
    for key in ("ssh_host", "public_url"):
        if key in data:
            setattr(s, key, _no_line_breaks(_str(data, key, where), f"{where}.{key}"))
    if "digest_minutes" in data:
        s.digest_minutes = int(_number(data, "digest_minutes", where, 0, 24 * 60))
    if "watch_interval" in data:
        s.watch_interval = _number(data, "watch_interval", where, 0.05, 3600)
    for key in ("bell", "toasts"):
        if key in data:
            if not isinstance(data[key], bool):
                raise SettingsError(f"{where}.{key} must be true or false")
            setattr(s, key, data[key])
    if "smtp" in data:
        s.smtp = _smtp(data["smtp"], f"{where}.smtp")
    if "roles" in data:
        roles = data["roles"]
        if not isinstance(roles, dict):
            raise SettingsError(f"{where}.roles must be a table")
        for role, subs in roles.items():
            if role not in ("seller", "amazon"):
                raise SettingsError(f"{where}.roles: unknown role {role!r} (seller or amazon)")
            s.roles[role] = _subs(subs, f"{where}.roles.{role}")
    if "users" in data:
        users = data["users"]
        if not isinstance(users, dict):
            raise SettingsError(f"{where}.users must be a table of [notifications.users.NAME]")
        for user, entry in users.items():
            s.people.append(_person(user, entry, f"{where}.users.{user}"))
    return s


def _smtp(data: object, where: str) -> Smtp:
    if not isinstance(data, dict):
        raise SettingsError(f"{where} must be a table")
    known = {"host", "port", "security", "username", "password", "password_env", "timeout"}
    if unknown := set(data) - known:
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    values: dict = {}
    for key in ("host", "username", "password", "password_env"):
        if key in data:
            values[key] = _no_line_breaks(_str(data, key, where), f"{where}.{key}")
    if "security" in data:
        security = _str(data, "security", where)
        if security not in SECURITY:
            raise SettingsError(f"{where}.security must be one of {', '.join(SECURITY)}")
        values["security"] = security
    if "port" in data:
        values["port"] = int(_number(data, "port", where, 1, 65535))
    if "timeout" in data:
        values["timeout"] = _number(data, "timeout", where, 0.1, 600)
    return Smtp(**values)


def _person(user: str, data: object, where: str) -> Person:
    if not isinstance(data, dict):
        raise SettingsError(f"{where} must be a table with email = \"…\"")
    if unknown := set(data) - {"email", "role", "subscribe", "reminders"}:
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    if "email" not in data:
        raise SettingsError(f"{where}.email is missing")
    email = _no_line_breaks(_str(data, "email", where), f"{where}.email")
    if "@" not in email or any(c.isspace() for c in email) or "," in email:
        raise SettingsError(f"{where}.email {email!r} is not one e-mail address")
    role = _str(data, "role", where) if "role" in data else "seller"
    if role not in ("seller", "amazon"):
        raise SettingsError(f"{where}.role must be seller or amazon")
    subs = _subs(data["subscribe"], f"{where}.subscribe") if "subscribe" in data else None
    reminders = data.get("reminders", True)
    if not isinstance(reminders, bool):
        raise SettingsError(f"{where}.reminders must be true or false")
    return Person(user=user, email=email, role=role, subscribe=subs, reminders=reminders)
