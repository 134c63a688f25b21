"""``safet``: the command line. Usage errors exit 2, data errors exit 1, both
with one line that says what was wrong; no traceback for an expected error."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from safet_tui import __version__
from safet_tui.cli.commands import MODULES
from safet_tui.cli.output import err, install_excepthook
from safet_tui.domain.printable import clean


class UserError(Exception):
    """An expected failure: print the message, exit 1."""


class OneLineParser(argparse.ArgumentParser):
    """Usage errors are one line (argparse prints the whole usage block first). What argparse
    prints (help, usage, errors quoting a value you gave) is cleaned like every other message."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def _print_message(self, message: str, file=None) -> None:
        super()._print_message(clean(message, newlines=True) if message else message, file)


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes (before or after its name)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH|URL",
                   help="database file, sqlite:///PATH or postgresql://… (default: $SAFET_DB or the user data dir)")
    p.add_argument("--create", action="store_true", default=argparse.SUPPRESS,
                   help="create an empty database when there is none at --db (otherwise a missing one is an error)")
    p.add_argument("--user", default=argparse.SUPPRESS, help="whose read marks to use (default: your login name)")
    p.add_argument("--as", dest="role", choices=("seller", "amazon"), default=argparse.SUPPRESS,
                   help="act as the seller (default) or record Amazon's decisions (investigator)")
    p.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE",
                   help="config file (default: $SAFET_CONFIG or config.toml in the user config dir)")
    p.add_argument("--files-in", dest="files_in", default=argparse.SUPPRESS, metavar="DIR",
                   help="keep the desk's imports, exports and attachments inside DIR (safet serve gives each "
                        "visitor their own)")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = OneLineParser(
        prog="safet", parents=[common],
        description="safet — a keyboard-first terminal desk for Amazon SAFE-T claims.",
        epilog="Without a command, safet opens the desk.",
    )
    parser.add_argument("--version", action="version", version=f"safet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in MODULES:
        try:
            module = importlib.import_module(f"safet_tui.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"safet_tui.cli.commands.{name}":
                continue
            raise
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    install_excepthook()
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in (("db", None), ("user", None), ("config", None), ("role", "seller"),
                          ("create", False), ("files_in", None)):
        if not hasattr(args, name):
            setattr(args, name, default)
    handler = getattr(args, "handler", None)
    if handler is None:
        from safet_tui.cli.commands.desk import run_desk

        handler = run_desk
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # expected errors become one line; others are bugs and keep their traceback
        if _is_user_error(exc):
            err(f"safet: error: {exc}")
            return 1
        raise


def _is_user_error(exc: Exception) -> bool:
    from safet_tui.attachments import AttachmentError
    from safet_tui.config import ConfigError
    from safet_tui.domain.lifecycle import TransitionError
    from safet_tui.domain.marketplaces import PolicyError
    from safet_tui.domain.money import MoneyError
    from safet_tui.reports.errors import ReportError
    from safet_tui.service.desk import ServiceError
    from safet_tui.transactions import DatabaseError

    expected: tuple[type[Exception], ...] = (
        UserError, ConfigError, DatabaseError, ServiceError, TransitionError, PolicyError, MoneyError,
        AttachmentError, ReportError, FileNotFoundError, PermissionError, IsADirectoryError,
    )
    return isinstance(exc, expected)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
