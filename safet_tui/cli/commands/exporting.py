"""``safet export``: claims out as CSV (spreadsheets) or JSON (threads, round trip)."""

from __future__ import annotations

import argparse


def register(sub, common) -> None:
    p = sub.add_parser(
        "export", parents=[common], help="export claims as CSV or JSON",
        description="Export claims with their deadlines, amounts, outcome and appeal state. CSV cells that "
                    "a spreadsheet would run as a formula are neutralised. JSON can be imported again with "
                    "'safet import claims FILE'.",
    )
    p.add_argument("--format", choices=("csv", "json"), default=None,
                   help="output format (default: from the -o file's extension, else csv)")
    p.add_argument("--status", action="append", choices=("awaiting", "investigating", "resolved"),
                   help="only claims in this status (repeat for several)")
    p.add_argument("--account", action="append", metavar="NAME", help="only this account's claims (repeatable)")
    p.add_argument("--with-messages", action="store_true", help="add each claim's thread (JSON only)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import io
    import os
    import tempfile
    from pathlib import Path

    from safet_tui.cli.commands.context import open_desk
    from safet_tui.cli.output import data, err, for_file
    from safet_tui.export.claims import export_claims

    fmt = args.format or ("json" if args.output and args.output.lower().endswith(".json") else "csv")
    if args.with_messages and fmt != "json":
        err("safet: error: --with-messages needs --format json (threads do not fit in CSV rows)")
        return 2
    desk, _config = open_desk(args)
    try:
        buffer = io.StringIO(newline="")
        result = export_claims(desk, buffer, fmt=fmt, statuses=args.status or (),
                               accounts=args.account or (), with_messages=args.with_messages)
    finally:
        desk.close()
    text = buffer.getvalue()
    files = _attachments_line(result, desk.attachments_dir)
    if not args.output or args.output == "-":
        data(text, fmt)
        if files:
            err(files)
        return 0
    target = Path(args.output).expanduser()
    # CSV gets a byte-order mark so spreadsheets read it as UTF-8; written whole, then moved in place.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(for_file(text, fmt))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    noun = "claim" if result.claims == 1 else "claims"
    refunds = f" and {result.refunds:,} refund{'s' if result.refunds != 1 else ''}" if result.refunds else ""
    err(f"Exported {result.claims:,} {noun}{refunds} to {target} ({fmt}).")
    if files:
        err(files)
    return 0


def _attachments_line(result, store) -> str:
    """One line on what the JSON does not carry: the attachment files themselves."""
    if not result.attachments:
        return ""
    n = result.attachments
    size = result.attachment_bytes
    shown = f"{size / (1024 * 1024):,.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"
    return (f"Not in the file: the {n:,} attachment file{'s' if n != 1 else ''} ({shown}) it names; to restore "
            f"them, copy the contents of {store} into the new database's <db>.attachments folder.")
