"""``safet notify``: e-mail what changed and what is due (cron, a systemd timer, or ``--watch``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys


def register(sub, common) -> None:
    p = sub.add_parser(
        "notify", parents=[common], help="e-mail status changes and deadline reminders",
        description="Send the e-mails owed: every claim status change (made in the desk, by an investigator, "
                    "by a report import or by a reply-by passing) and deadline reminders (reply-by and appeal-by "
                    "within 48 h and 24 h, claimable refunds whose file-by is within 3 days, and each one that "
                    "passed unanswered). Recipients, subscriptions and the SMTP server are in the config's "
                    "[notifications] table. Each e-mail is sent once, however often this runs.")
    p.add_argument("--watch", action="store_true", help="keep running and send as changes happen (ctrl+c stops)")
    p.add_argument("--dry-run", action="store_true", help="print what would be sent; send and change nothing")
    p.add_argument("--no-reminders", dest="reminders", action="store_false",
                   help="send status changes only; queue no deadline reminders")
    p.add_argument("--quiet", action="store_true", help="print nothing when all went well")
    p.set_defaults(handler=run)


def links_for(args: argparse.Namespace, settings):
    from safet_tui.notify.compose import Links

    command = ["safet"]
    for flag in ("db", "config"):
        if value := getattr(args, flag, None):
            command += [f"--{flag}", str(value)]
    return Links(tuple(command), settings.ssh_host, settings.public_url)


def run(args: argparse.Namespace) -> int:
    from safet_tui.cli import output
    from safet_tui.cli.commands.context import open_desk
    from safet_tui.domain.printable import clean
    from safet_tui.notify.runner import Notifier, RunResult
    from safet_tui.notify.smtp import SmtpTransport

    # a dry run catches up inside the run it undoes: it changes nothing, and shows those e-mails too
    desk, config = open_desk(args, catch_up=not args.dry_run)
    settings = config.notifications
    stopping: list[int] = []

    def stop(signum, _frame) -> None:
        # finish the e-mail in hand, then stop; a second ctrl+c interrupts at once
        stopping.append(signum)
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)

    notifier = Notifier(desk, settings, links_for(args, settings), reminders=args.reminders,
                        stop=lambda: bool(stopping))
    failed = False
    restore: dict = {}

    def report(result: RunResult) -> None:
        nonlocal failed
        for line in result.refused:
            output.err(f"safet notify: refused: {clean(line)}")
        for line in result.given_up:
            output.err(f"safet notify: given up (the outbox keeps why): {clean(line)}")
        if result.error:
            failed = True
            output.err(f"safet notify: {clean(result.error)}; nothing was lost, the outbox keeps it for the next run")
        if not args.quiet or result.error:
            (output.err if result.error else output.out)(clean(result.line()))
        sys.stdout.flush()

    try:
        if args.dry_run:
            printer = _Printer(clean)
            try:
                result = notifier.run(printer, dry_run=True)
                # printed once the run let go of the write lock: a slow reader (| less) holds no desk
                for text in printer.texts:
                    output.out(text)
                output.out(f"{printer.count} e-mail(s) would be sent; {result.reminders} reminder(s) due")
            except BrokenPipeError:  # piped into head: the reader has seen enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 0
            if result.error:
                output.err(f"safet notify: {clean(result.error)}")
            return 0
        saved = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        restore.update(saved)
        if args.watch:
            output.err("safet notify: watching for changes (ctrl+c stops)")
            try:
                notifier.watch(lambda: SmtpTransport(settings.smtp, settings.from_address), report)
            except KeyboardInterrupt:
                pass
            output.err("safet notify: stopped")
            return 0
        report(notifier.run(SmtpTransport(settings.smtp, settings.from_address)))
        return 1 if failed else 0
    finally:
        for sig, handler in restore.items():
            signal.signal(sig, handler)
        desk.close()


class _Printer:
    """The dry run's transport: keeps each e-mail's headers and text part, made safe for a
    terminal, to be printed after the run."""

    def __init__(self, clean) -> None:
        self.clean = clean
        self.count = 0
        self.texts: list[str] = []

    def send(self, msg, recipient: str) -> None:
        self.count += 1
        out = [f"--- e-mail {self.count} ---"]
        for header in ("To", "From", "Subject", "Message-ID"):
            out.append(self.clean(f"{header}: {msg[header]}"))
        body = msg.get_body(preferencelist=("plain",))
        out += ["", self.clean(body.get_content() if body is not None else "", newlines=True)]
        self.texts.append("\n".join(out))

    def close(self) -> None:
        pass
