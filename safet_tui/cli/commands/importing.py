"""``safet import returns|settlement|claims FILE``: Seller Central reports (and safet exports) in."""

from __future__ import annotations

import argparse
import sys


def register(sub, common) -> None:
    p = sub.add_parser(
        "import", parents=[common], help="import a returns or settlement report (or a claims export)",
        description="Import a Seller Central report into the desk: one transaction per file, so a bad file "
                    "changes nothing; importing the same file twice changes nothing the second time.",
        epilog="kinds: returns = merchant-fulfilled returns report (tab-separated); settlement = settlement "
               "report V2 flat file; claims = a file from 'safet export --format json'; auto = guess.",
    )
    p.add_argument("kind", choices=("returns", "settlement", "claims", "auto"), help="what the file is")
    p.add_argument("file", metavar="FILE", help="the report file")
    p.add_argument("--account", metavar="NAME",
                   help="the seller account the report belongs to (created if new; default: the one "
                        "account of the report's marketplace)")
    p.add_argument("--dry-run", action="store_true", help="say what would change without writing anything")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli.commands.context import open_desk
    from safet_tui.cli.output import out
    from safet_tui.reports import run_import

    desk, _config = open_desk(args)
    try:
        if sys.stderr.isatty():
            summary = _with_progress(desk, args)
        else:
            summary = run_import(desk, args.kind, args.file, account=args.account, dry_run=args.dry_run)
    finally:
        desk.close()
    # Plain text: report cells (titles, reasons) are shown literally, never as markup, and cleaned.
    out(summary)
    return 0


def _with_progress(desk, args: argparse.Namespace):
    from pathlib import Path

    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from safet_tui.domain.printable import clean, shorten
    from safet_tui.reports import run_import

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"Importing {escape(clean(shorten(Path(args.file).name, 60)))}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run_import(desk, args.kind, args.file, account=args.account, dry_run=args.dry_run,
                          progress=progress)
