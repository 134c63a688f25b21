"""``safet`` (no command) and ``safet open CLAIM_ID``: the desk itself."""

from __future__ import annotations

import argparse


def register(sub, common) -> None:
    p = sub.add_parser("open", parents=[common], help="open the desk on one claim's thread")
    p.add_argument("claim_id", help="the SAFE-T claim id, e.g. 3417650022")
    p.set_defaults(handler=run_desk)


def run_desk(args: argparse.Namespace) -> int:
    import gc

    gc.disable()  # start-up only: SafetApp.on_ready freezes what start-up made and re-enables it
    from safet_tui.cli.commands.context import open_desk

    desk, config = open_desk(args)
    from safet_tui.app import SafetApp

    app = SafetApp(desk, config, role=getattr(args, "role", "seller"),
                   open_claim=getattr(args, "claim_id", None))
    app.run()
    desk.close()
    return app.return_code or 0
