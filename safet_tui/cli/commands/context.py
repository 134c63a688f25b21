"""Opening the desk service from command-line arguments."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safet_tui.db_open import DbTarget


def database_for(args: argparse.Namespace) -> DbTarget:
    """The database a command works on: ``--db``, else ``$SAFET_DB``, else ``safet.db`` in the
    user data directory. A file that is not there is an error (a mistyped ``--db`` in a cron job
    must not report on a new empty database) unless ``--create`` asks for one. Without ``--db``
    and before any ``safet.db`` exists, the demo database ``make run`` made is the desk's."""
    from safet_tui.db_open import parse_db_url
    from safet_tui.transactions import DatabaseError

    given = getattr(args, "db", None) or os.environ.get("SAFET_DB") or None
    target = parse_db_url(given)
    if target.kind != "sqlite" or target.path is None or target.path.exists() or getattr(args, "create", False):
        return target
    if given is None:
        demo = target.path.with_name("demo.db")
        if demo.is_file():
            return parse_db_url(str(demo))
        raise DatabaseError(f"no database yet at {target.path}: 'safet demo' makes one with sample claims, "
                            "'safet --create' an empty one")
    origin = "--db" if getattr(args, "db", None) else "$SAFET_DB"
    raise DatabaseError(f"no database at {target.path} ({origin}): nothing was created; check the path, or add "
                        "--create to make an empty database there")


def open_desk(args: argparse.Namespace, *, clock=None, catch_up: bool = True):
    from safet_tui.config import load_config
    from safet_tui.service.desk import Desk

    config = load_config(getattr(args, "config", None))
    target = database_for(args)
    user = getattr(args, "user", None)
    if target.kind == "postgresql":  # who you are comes from the login (on SQLite from --user)
        user = _server_identity(target, user, getattr(args, "role", "seller"))
    desk = Desk(target, clock=clock, policies=config.policies,
                user=user, role=getattr(args, "role", "seller"),
                attachment_limit=config.attachment_limit, files_in=getattr(args, "files_in", None))
    if catch_up:  # what the passing of time decided, before any command reads or writes
        desk.catch_up()
    return desk, config


def _server_identity(target: DbTarget, user: str | None, role: str) -> str:
    from safet_tui.service.users import SERVED_ENV, Users, identity_on_server, server_login

    login = server_login(target.url)
    users = Users(target)
    try:
        person = users.get(user if user and os.environ.get(SERVED_ENV) == "1" else login)
    finally:
        users.close()
    return identity_on_server(login, user, role, person, served=os.environ.get(SERVED_ENV) == "1")
