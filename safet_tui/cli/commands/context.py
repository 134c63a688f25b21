"""Opening the desk service from command-line arguments."""

from __future__ import annotations

import argparse


def open_desk(args: argparse.Namespace, *, clock=None):
    from safet_tui.config import load_config
    from safet_tui.service.desk import Desk

    config = load_config(getattr(args, "config", None))
    desk = Desk(getattr(args, "db", None), clock=clock, policies=config.policies,
                user=getattr(args, "user", None), role=getattr(args, "role", "seller"),
                 attachment_limit=config.attachment_limit)
    desk.catch_up()  # what the passing of time decided, before any command reads or writes
    return desk, config
