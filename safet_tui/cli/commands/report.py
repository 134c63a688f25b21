"""``safet report``: the analytics figures in the terminal, for cron and e-mail (no TUI)."""

from __future__ import annotations

import argparse


def register(sub, common) -> None:
    p = sub.add_parser(
        "report", parents=[common], help="print the SAFE-T analytics figures (text, JSON or CSV)",
        description="Print the analytics dashboard's figures: claims filed, share granted, claimed vs "
                    "reimbursed per currency, money at stake and left on the table, time to decision, "
                    "appeals, series, reasons, denial reasons and top products.",
    )
    p.add_argument("--period", default="90d", metavar="PERIOD",
                   help="30d, 90d (default), 12m, all, or FROM:TO as YYYY-MM-DD:YYYY-MM-DD (UTC days, both included)")
    p.add_argument("--account", default=None, metavar="NAME", help="one account, by name or id (default: all)")
    p.add_argument("--marketplace", default=None, metavar="DOMAIN", help="one marketplace, e.g. amazon.in")
    p.add_argument("--bucket", choices=("week", "month"), default=None,
                   help="series per week or month (default: week up to 120 days, else month)")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text", help="output format (default text)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli.commands.context import open_desk
    from safet_tui.cli.output import data, err, out
    from safet_tui.domain.periods import AnalyticsError
    from safet_tui.export.analytics import to_csv, to_json, to_text

    desk, _config = open_desk(args)
    try:
        try:
            result = desk.analytics(args.period, account=args.account, marketplace=args.marketplace,
                                    bucket=args.bucket)
        except AnalyticsError as exc:
            err(f"safet: error: {exc}")
            return 2
        if args.format == "text":
            out(to_text(result).removesuffix("\n"))  # a report for people: cleaned like a message
        else:
            data({"json": to_json, "csv": to_csv}[args.format](result), args.format)
    finally:
        desk.close()
    return 0
