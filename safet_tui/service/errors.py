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
