"""``safet db copy SRC DST``: move a team's database between SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import sys


def register(sub, common) -> None:
    p = sub.add_parser("db", help="copy a database to another engine (SQLite file <-> PostgreSQL)",
                       description="Database tools.")
    tools = p.add_subparsers(dest="db_command", metavar="TOOL", required=True)
    c = tools.add_parser(
        "copy", help="copy every claim, message, event, refund, payout, read mark, draft, outbox entry, "
        "import log entry and attachment from SRC to DST",
        description="Copy a whole database: a SQLite file to PostgreSQL (or back, or file to file). "
        "SRC and DST are file paths, sqlite:///… or postgresql://… URLs; DST is created (a SQLite "
        "file) or its tables are (a PostgreSQL database made with createdb). Attachment files "
        "follow the rows. A DST that already holds data is refused unless --replace.")
    c.add_argument("source", metavar="SRC")
    c.add_argument("dest", metavar="DST")
    c.add_argument("--replace", action="store_true", help="delete what DST holds first")
    c.set_defaults(handler=run_copy)


def run_copy(args: argparse.Namespace) -> int:
    from safet_tui.db_copy import copy_database

    print(f"Copying {args.source} to {args.dest} …", file=sys.stderr)
    result = copy_database(args.source, args.dest, replace=args.replace)
    print(f"Done: {result.line()}.", file=sys.stderr)
    return 0
