"""What the service refuses, typed: a screen or command shows the message; anything else is a bug."""

from __future__ import annotations

from safet_tui.attachments import AttachmentError


class ServiceError(ValueError):
    """An action that cannot be done; the message says why."""


class NotFound(ServiceError):
    pass


class Busy(ServiceError):
    """Another writer held the database longer than this desk waits; nothing was changed."""


class ReadOnly(ServiceError):
    """The database cannot be written (file mode, read-only mount, full disk)."""


class AttachmentRefused(ServiceError, AttachmentError):
    """A file that cannot be attached (missing, not a regular file, empty, over the limit)."""


def refusal_of(exc: BaseException) -> ServiceError | None:
    """A database failure as the refusal a person reads (one line), or None for anything else (a
    bug, left to propagate): the storage layer's own refusals, and SQLite's or PostgreSQL's
    errors that escaped it (a lock held past every wait, a disk that filled, a file made
    read-only while the desk ran)."""
    import peewee as pw

    from safet_tui.transactions import DatabaseBusy, DatabaseError, DatabaseReadOnly

    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, DatabaseBusy):
        return Busy(str(exc))
    if isinstance(exc, DatabaseReadOnly):
        return ReadOnly(str(exc))
    if isinstance(exc, DatabaseError):
        return ServiceError(str(exc))
    if isinstance(exc, pw.OperationalError):
        text = " ".join(str(exc).split())
        low = text.lower()
        if "locked" in low or "busy" in low:
            return Busy("the database is busy: another program holds it; nothing was changed, try again")
        if "readonly" in low or "read-only" in low or "disk is full" in low:
            return ReadOnly(f"the database cannot be written ({text}): nothing was changed")
        return ServiceError(f"database error: {text}")
    if isinstance(exc, pw.IntegrityError):
        return ServiceError(f"the database refused the change ({' '.join(str(exc).split())}): nothing was changed")
    return None
