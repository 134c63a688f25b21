"""``safet user add|list|passwd|remove``: who may log in to ``safet serve``, and as which role.

A password is asked for twice at a terminal, or read from the first line of standard input
(for scripts); ``--token`` generates a secret instead and prints it once. Only an argon2 hash
of either is stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from safet_tui.cli.output import err, out
from safet_tui.domain.printable import clean


def register(sub, common) -> None:
    p = sub.add_parser("user", parents=[common], help="users of the browser desk (safet serve)",
                       description="Users and roles of the browser desk: each visitor of 'safet serve' "
                                   "logs in as one, and works as that user and role.")
    users = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = users.add_parser("add", parents=[common], help="add a user (asks for a password, or --token)")
    add.add_argument("name")
    add.add_argument("--role", choices=("seller", "amazon"), default="seller",
                     help="seller (default), or amazon: records Amazon's decisions")
    add.add_argument("--account", action="append", default=[], metavar="NAME",
                     help="a seller account this user works on (repeat for more)")
    add.add_argument("--token", action="store_true", help="generate a token instead of asking for a password")
    users.add_parser("list", parents=[common], help="list the users and their roles")
    pw = users.add_parser("passwd", parents=[common], help="set a user's password (or --token)")
    pw.add_argument("name")
    pw.add_argument("--token", action="store_true", help="generate a new token instead")
    rm = users.add_parser("remove", parents=[common], help="remove a user")
    rm.add_argument("name")
    p.set_defaults(handler=run)


def _secret(args: argparse.Namespace) -> str:
    from safet_tui.cli.main import UserError
    from safet_tui.service.users import new_token

    if args.token:
        token = new_token()
        out(f"token for {args.name} (shown once): {token}")
        return token
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError("no password on standard input (one line), and no --token")
        return line
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ: nothing was changed")
    return first


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli.commands.context import database_for
    from safet_tui.service.users import Users

    users = Users(database_for(args))
    try:
        if args.user_command == "list":
            for person in users.all():
                # tab-separated for scripts: each field cleaned, the tabs kept
                fields = (person.name, person.role, ",".join(person.accounts) or "(all accounts)")
                sys.stdout.write("\t".join(clean(field) for field in fields) + "\n")
        elif args.user_command == "add":
            from safet_tui.service.users import _checked_name

            _checked_name(args.name)  # before asking for a password
            person = users.add(args.name, args.role, _secret(args), tuple(args.account))
            err(f"added {person.name} ({person.role})")
        elif args.user_command == "passwd":
            if users.get(args.name) is None:
                from safet_tui.cli.main import UserError

                raise UserError(f"there is no user {args.name}")
            users.set_secret(args.name, _secret(args))
            err(f"changed the secret of {args.name}")
        else:
            users.remove(args.name)
            err(f"removed {args.name}")
    finally:
        users.close()
    return 0
