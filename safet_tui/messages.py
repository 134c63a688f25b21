"""What flows between the App and its screens: data down, messages up.

- Down: the screens get the Desk (and the settings) in their constructor, and hear about
  changes through one signal, ``SafetApp.data_changed``, which carries a :class:`Change`.
- Up: a screen asks the App to navigate (:class:`OpenThread`, :class:`OpenAnalytics`,
  :class:`NewClaim`, :class:`ExportClaims`, :class:`ImportReport`, :class:`ShowTab`) and tells it
  what it changed (:class:`Changed`); the App publishes that to every screen.
- Sideways in time: a write runs in a thread worker (:class:`Write`) and comes back as
  :class:`Written` or :class:`Refused`, posted by the worker to the screen that asked.

Refusals are the service's typed errors (:data:`REFUSALS`); anything else is a bug and is
left to propagate, so Textual shows its traceback and a test fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from textual.message import Message
from textual.signal import Signal

from safet_tui.config import Config
from safet_tui.domain.lifecycle import TransitionError
from safet_tui.service.desk import Desk, ServiceError

#: what the service refuses with, in words fit for a person (Busy, ReadOnly, NotFound and
#: AttachmentRefused are ServiceErrors; an import's ReportError reaches the screens as one too)
REFUSALS: tuple[type[Exception], ...] = (ServiceError, TransitionError)

T = TypeVar("T")


# -- down: the data-changed signal -------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """The database changed: by another terminal or an import (``claim_no`` None), or by us."""

    claim_no: str | None = None
    #: the person is done with ``claim_no``: a list that is on it moves on to the next one
    done: bool = False
    #: the screen that made the change and already shows it (it need not reload)
    origin: object | None = None


@dataclass
class DeskContext:
    """What the App hands the claim screens: the Desk, the settings and the data-changed signal
    (unsent replies are drafts in the database: ``screens.drafting``)."""

    desk: Desk
    changes: Signal[Change]
    config: Config = field(default_factory=Config)


# -- up: navigation and what changed ------------------------------------------------------------
@dataclass
class Changed(Message):
    """Our own write committed: the App records the data version and publishes the change
    (the change poll does not see our own commits)."""

    change: Change = field(default_factory=Change)


@dataclass
class OpenThread(Message):
    claim_no: str
    #: "reply": open with the reply editor focused
    then: str | None = None


@dataclass
class OpenAnalytics(Message):
    pass


@dataclass
class NewClaim(Message):
    """The new-claim form, filled in from a claimable refund (or blank)."""

    refund_id: int | None = None


@dataclass(frozen=True)
class ExportScope:
    """Which claims an export takes: the selected ones, else a tab (and its filter), else all."""

    claim_ids: tuple[int, ...] = ()
    status: str | None = None
    text: str = ""


@dataclass
class ExportClaims(Message):
    scope: ExportScope = field(default_factory=ExportScope)


@dataclass
class ImportReport(Message):
    pass


@dataclass
class ShowTab(Message):
    """Back to the claim list, on this tab."""

    tab: str


# -- writes in workers ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Write(Generic[T]):
    """One change to the database, run in a thread worker so a busy database never freezes
    the screen. ``doing`` is shown while it runs ("sending the reply"); ``then`` gets the
    result on the event loop; a refusal is shown as ``refused: <why>``."""

    doing: str
    run: Callable[[], T]
    then: Callable[[T], None]
    refused: str
    #: on the event loop after a refusal (the draft is kept either way)
    after_refusal: Callable[[], None] | None = None


@dataclass
class Written(Message):
    """A write committed; posted by its worker."""

    bubble: ClassVar[bool] = False

    write: Write[Any]
    result: Any


@dataclass
class Refused(Message):
    """The service refused a write (nothing changed); posted by its worker."""

    bubble: ClassVar[bool] = False

    write: Write[Any]
    reason: str


@dataclass
class Waiting(Message):
    """The write is waiting for another program's write lock (or has it now); posted by its worker."""

    bubble: ClassVar[bool] = False

    write: Write[Any]
    waiting: bool
