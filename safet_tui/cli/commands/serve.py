"""``safet serve``: the same desk in a browser (textual-serve), one app process per visitor, each
run as the user they logged in as (``safet user add``), with files only in that user's folder."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safet_tui.service.users import Person


def register(sub, common) -> None:
    p = sub.add_parser("serve", parents=[common], help="serve the desk to a web browser (users log in)",
                       description="Serve the desk over HTTP(S): a visitor logs in as a user of 'safet user add' "
                                   "and gets their own desk process, as that user and role, on the same "
                                   "database. Needs the 'serve' extra (textual-serve).")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; another needs --cert/--key or --insecure)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--public-url", default=None,
                   help="the URL browsers use, when behind a proxy (e.g. https://claims.example.com)")
    p.add_argument("--cert", default=None, metavar="FILE", help="TLS certificate chain (PEM)")
    p.add_argument("--key", default=None, metavar="FILE", help="TLS private key (PEM)")
    p.add_argument("--insecure", action="store_true",
                   help="serve plain HTTP on a non-loopback address (only behind a TLS proxy on a private link)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                   help="a reverse proxy's address or network (repeat, or separate by commas): a login "
                        "through it is counted against the visitor's address from its X-Forwarded-For; "
                        "without it that header is ignored")
    p.add_argument("--folders", default=None, metavar="DIR",
                   help="where each user's folder for imports, exports and attachments is "
                        "(default: visitors/ in safet's data folder)")
    p.set_defaults(handler=run)


def user_folder(root: Path, person: Person) -> Path:
    """The one folder a visitor's desk reads imports and attachments from and writes exports to."""
    folder = root / person.name  # names are plain (service.users.NAME): no separators, no dots first
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def desk_command(args: argparse.Namespace, person: Person, folder: Path, claim: str | None = None) -> str:
    """The command one visitor's desk runs: this Python, this database, their user, role and folder."""
    parts = [sys.executable, "-m", "safet_tui", "--db", str(args.db)]
    if getattr(args, "config", None):
        parts += ["--config", str(args.config)]
    parts += ["--user", person.name, "--as", person.role, "--files-in", str(folder)]
    if claim:
        parts += ["open", claim]
    return "exec " + shlex.join(parts)  # the shell becomes the desk: a stop reaches the desk itself


def _refusal(args: argparse.Namespace) -> str | None:
    from safet_tui.cli.web.guard import is_loopback, trusted_networks

    if not 0 < args.port < 65536:
        return f"--port {args.port} is not a TCP port"
    if getattr(args, "user", None) or getattr(args, "role", "seller") != "seller":
        return ("--user and --as do not apply to serve: each visitor works as the user they log in as "
                "(see 'safet user add NAME --role seller|amazon')")
    if bool(args.cert) != bool(args.key):
        return "--cert and --key go together"
    try:
        trusted_networks(args.trusted_proxy)
    except ValueError as exc:
        return str(exc)
    if not is_loopback(args.host) and not args.cert and not args.insecure:
        return (f"--host {args.host} is reachable from other machines: serve over TLS (--cert/--key), or "
                "behind a TLS proxy on a private link with --insecure")
    return None


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli.main import UserError
    from safet_tui.cli.output import err

    refusal = _refusal(args)
    if refusal:
        raise UserError(refusal)
    try:
        from safet_tui.cli.web.server import GuardedServer
    except ImportError:
        raise UserError("safet serve needs textual-serve: pip install 'safet-tui[serve]'") from None
    from platformdirs import user_data_dir

    from safet_tui.cli.commands.context import database_for
    from safet_tui.cli.web.guard import own_origins, trusted_networks
    from safet_tui.service.users import Users

    args.db = str(database_for(args))  # refused here, once, rather than in every browser tab
    users = Users(args.db)
    if not users.all():
        raise UserError("nobody can log in yet: add a user first with 'safet user add NAME --role seller|amazon'")
    root = Path(args.folders or Path(user_data_dir("safet")) / "visitors").expanduser().resolve()
    ssl_context = None
    if args.cert:
        import ssl

        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            ssl_context.load_cert_chain(args.cert, args.key)
        except (OSError, ssl.SSLError) as exc:
            raise UserError(f"cannot use --cert/--key: {exc}") from None
    scheme = "https" if args.cert else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    public_url = (args.public_url or f"{scheme}://{host}:{args.port}").rstrip("/")
    server = GuardedServer(
        command_for=lambda person, claim: desk_command(args, person, user_folder(root, person), claim),
        check=users.check, lookup=users.get, origins=own_origins(public_url, args.host, args.port, scheme),
        public_url=public_url, host=args.host, port=args.port, ssl_context=ssl_context,
        trusted_proxies=trusted_networks(args.trusted_proxy))
    import os

    from safet_tui.service.users import SERVED_ENV

    os.environ[SERVED_ENV] = "1"  # the desks it starts act as the visitor named (see context.open_desk)
    err(f"Serving the desk on {public_url} (users log in; ctrl+c stops)")
    server.serve()
    return 0
