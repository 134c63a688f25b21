"""``safet serve``: the same desk in a browser (textual-serve), one app process per visitor."""

from __future__ import annotations

import argparse
import shlex
import sys


def register(sub, common) -> None:
    p = sub.add_parser("serve", parents=[common], help="serve the desk to a web browser",
                       description="Serve the desk over HTTP: each browser tab runs its own desk process "
                                   "on the same database. Needs the 'serve' extra (textual-serve).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--public-url", default=None, help="the URL browsers use, when behind a proxy")
    p.set_defaults(handler=run)


def desk_command(args: argparse.Namespace) -> str:
    """The command each browser session runs: this Python, this database, this user and role."""
    parts = [sys.executable, "-m", "safet_tui"]
    for flag in ("db", "user", "config"):
        value = getattr(args, flag, None)
        if value:
            parts += [f"--{flag}", str(value)]
    if getattr(args, "create", False):
        parts.append("--create")
    if getattr(args, "role", "seller") != "seller":
        parts += ["--as", args.role]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli.main import UserError
    from safet_tui.cli.output import err

    try:
        from textual_serve.server import Server
    except ImportError:
        raise UserError("safet serve needs textual-serve: pip install 'safet-tui[serve]'") from None
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port} is not a TCP port")
    from safet_tui.cli.commands.context import database_for

    args.db = str(database_for(args))  # refused here, once, rather than in every browser tab
    err(f"Serving the desk on http://{args.host}:{args.port} (ctrl+c stops)")
    Server(desk_command(args), host=args.host, port=args.port, title="safet",
           public_url=args.public_url).serve()
    return 0
