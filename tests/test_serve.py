"""``safet serve`` builds the desk command each browser session runs."""

from __future__ import annotations

import shlex
import sys

from safet_tui.cli.commands.serve import desk_command
from safet_tui.cli.main import build_parser


def test_each_browser_session_runs_the_desk_on_the_same_database_user_and_role():
    args = build_parser().parse_args(["--as", "amazon", "serve", "--db", "/data/team db.sqlite",
                                      "--user", "ana", "--port", "8123"])
    assert args.port == 8123
    assert shlex.split(desk_command(args)) == [
        sys.executable, "-m", "safet_tui", "--db", "/data/team db.sqlite", "--user", "ana", "--as", "amazon",
    ]


def test_seller_is_the_default_role():
    args = build_parser().parse_args(["serve"])
    assert "--as" not in shlex.split(desk_command(args))
