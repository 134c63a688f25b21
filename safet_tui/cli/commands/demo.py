"""``safet demo``: a realistic demo database."""

from __future__ import annotations

import argparse


def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="create a realistic demo database",
                       description="Create a demo database (default: demo.db in the user data directory).")
    p.add_argument("--claims", type=int, default=3000, help="number of claims (default 3000)")
    p.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data")
    p.add_argument("--replace", action="store_true", help="delete the database first if it exists")
    p.add_argument("--if-missing", action="store_true", help="do nothing if the database already exists")
    p.add_argument("--open", action="store_true", help="open the desk on it afterwards")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli.output import err
    from safet_tui.db_open import parse_db_url
    from safet_tui.demo.generate import default_demo_path, generate, replace_database

    if args.claims < 0:
        err("safet: error: --claims must be 0 or more")
        return 2
    target = parse_db_url(args.db or str(default_demo_path()))
    if target.kind != "sqlite":
        return _on_server(args, target)
    path = target.path
    assert path is not None
    exists = path.exists()
    if exists and args.replace:
        replace_database(target)
        exists = False
    if not (exists and args.if_missing):
        err(f"Creating a demo database with {args.claims:,} claims at {path} …")
        try:
            result = generate(target, claims=args.claims, seed=args.seed)
        except ValueError as exc:  # e.g. the database already holds claims
            err(f"safet: error: {exc}")
            return 1
        size = path.stat().st_size
        err(f"Done in {result.seconds:.1f} s: {result.claims:,} claims, {result.messages:,} messages, "
            f"{result.refunds:,} refunds, {size / 1e6:.1f} MB.")
    return _then_open(args, target)


def _then_open(args: argparse.Namespace, target) -> int:
    if args.open:
        args.db = str(target)
        from safet_tui.cli.commands.desk import run_desk

        return run_desk(args)
    return 0


def _on_server(args: argparse.Namespace, target) -> int:
    """The demo on a PostgreSQL database (made with createdb): held data stays unless --replace."""
    from safet_tui.cli.output import err
    from safet_tui.db_copy import clear_database, holds_data
    from safet_tui.db_open import open_database
    from safet_tui.demo.generate import generate
    from safet_tui.transactions import close_database

    database = open_database(target)
    try:
        held = holds_data(database)
        if held and args.replace:
            clear_database(database)
            held = {}
    finally:
        close_database(database)
    if not (held and args.if_missing):
        err(f"Creating a demo database with {args.claims:,} claims on {target.name} …")
        try:
            result = generate(target, claims=args.claims, seed=args.seed)
        except ValueError as exc:  # the database already holds data
            err(f"safet: error: {exc}")
            return 1
        err(f"Done in {result.seconds:.1f} s: {result.claims:,} claims, {result.messages:,} messages, "
            f"{result.refunds:,} refunds.")
    return _then_open(args, target)
