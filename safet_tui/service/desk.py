"""The service API: the only way screens and commands read or change claims.

``Desk`` is one session (see ``service.session``) with its reads (``service.reads``), the
seller's and the investigator's actions (``service.actions``) and what time decides
(``service.time_passing``). Every write is one transaction; a refused action raises
``ServiceError`` (or the domain's ``TransitionError``) with a message fit for a person, and
changes nothing.
"""

from __future__ import annotations

import functools

from safet_tui.domain.lifecycle import TransitionError
from safet_tui.service.actions import AmazonActions, SellerActions
from safet_tui.service.attachment_files import AttachmentFiles, FileExists
from safet_tui.service.drafts import Drafts, DraftView
from safet_tui.service.errors import Busy, NotFound, ReadOnly, ServiceError, refusal_of
from safet_tui.service.reply_fields import ReplyFields
from safet_tui.service.session import Evidenced, default_user, set_unread_horizon
from safet_tui.service.transfer import Transfers
from safet_tui.transactions import DatabaseConflict, bound, reporting_waits, retrying


def _binds_database(cls):
    """Every public method of the Desk runs with the models bound to this desk's own database,
    so two desks on two files in one process stay independent (see ``transactions.bound``), and
    any database failure that escapes it is a :class:`ServiceError` (``errors.refusal_of``).

    A call whose write transaction conflicted with another program's (PostgreSQL: serialization
    failure or deadlock; nothing was written) is run again whole, a few times with a random pause
    (``transactions.retrying``): it reads the claim again and checks the rules again, so what
    the other program changed is what it decides on. A call made inside another leaves that to
    the outer one."""
    for name in dir(cls):
        fn = getattr(cls, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue

        def wrap(fn):
            @functools.wraps(fn)
            def inner(self, *args, **kwargs):
                with bound(self.database):
                    try:
                        return retrying(lambda: fn(self, *args, **kwargs))
                    except DatabaseConflict:  # inside an outer call: it runs again from the start
                        raise
                    except Exception as exc:  # a database failure is a refusal in one line
                        refusal = refusal_of(exc)
                        if refusal is None or refusal is exc:
                            raise
                        raise refusal from exc
            return inner

        setattr(cls, name, wrap(fn))
    return cls


@_binds_database
class Desk(SellerActions, AmazonActions, Transfers, AttachmentFiles, ReplyFields, Drafts):
    """One person's session on one database: who they are (user and role) and the connection.

    Every change reads the claim it changes and writes it in one transaction that holds the
    write lock from its first statement (``BEGIN IMMEDIATE`` on SQLite, one writer at a time on
    PostgreSQL), and checks the lifecycle's rules there, for this session's role."""


__all__ = ["Desk", "DraftView", "ServiceError", "NotFound", "Busy", "ReadOnly", "FileExists", "Evidenced", "TransitionError",
           "default_user", "set_unread_horizon", "reporting_waits"]
