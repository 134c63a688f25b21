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
    from safet_tui.db import parse_db_url
    from safet_tui.demo.generate import default_demo_path, generate, replace_database

    if args.claims < 0:
        err("safet: error: --claims must be 0 or more")
        return 2
    target = parse_db_url(args.db or str(default_demo_path()))
    path = target.path
    if target.kind != "sqlite" or path is None:
        err("safet: error: the demo generator writes SQLite database files; give --db a path")
        return 2
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
    if args.open:
        args.db = str(target.path)
        from safet_tui.cli.commands.desk import run_desk

        return run_desk(args)
    return 0
