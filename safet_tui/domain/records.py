"""What a claim record may hold: the rules every importer checks before it writes anything.

A record is the claim as stored (status, outcome, amounts in minor units, appeal
flags), whoever brings it: a JSON restore, a report, a future importer. The
rules are written here once; a record that breaks one raises
:class:`RecordError` naming the field (as the JSON export spells it) and the
value, and the importer turns that into its one-line error with the file and
line or path.

Ranges, chosen so that nothing the desk stores can overflow later (SQLite's
64-bit integers, ``datetime`` years 1..9999) and nothing plausible is refused:

- instants: from 2000-01-01 up to (not including) 2100-01-01, UTC
  (:data:`EARLIEST`, :data:`LATEST`);
- amounts: under 10^12 minor units either way (ten thousand million dollars or
  rupees; :data:`MAX_MINOR`), far below 2^63;
- claim ids: digits only, 6 to 15 of them (:data:`CLAIM_NO`). Amazon's SAFE-T
  claim ids are numbers; the samples and every id the desk makes have 10
  digits, the range leaves room for Amazon lengthening them without letting
  free text in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from safet_tui.domain.lifecycle import Actor, Outcome, Status
from safet_tui.domain.money import plain_minor

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
EARLIEST_EPOCH = int(EARLIEST.timestamp())
LATEST_EPOCH = int(LATEST.timestamp())

MAX_MINOR = 10**12

CLAIM_NO = re.compile(r"[0-9]{6,15}")

#: who wrote a message, what kind it is, who made a status change
MESSAGE_SIDES = ("seller", "amazon", "system")
MESSAGE_KINDS = ("message", "info_request", "decision", "appeal", "note")
EVENT_ACTORS = tuple(a.value for a in Actor)
STATUSES = tuple(s.value for s in Status)
OUTCOMES = tuple(o.value for o in Outcome)


class RecordError(ValueError):
    """A record that cannot be true: ``field`` and ``value`` say where, ``problem`` what."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field} {value!r}: {problem}")


def check_claim_no(value: str, field: str = "claim_id") -> None:
    if not isinstance(value, str) or not CLAIM_NO.fullmatch(value):
        raise RecordError(field, value, "not a SAFE-T claim id (6 to 15 digits, e.g. 3417789012)")


def check_minor(value: int | None, field: str) -> None:
    """An amount in minor units inside the range the desk can store (None passes)."""
    if value is not None and not -MAX_MINOR < value < MAX_MINOR:
        raise RecordError(field, _major(value), f"out of range (amounts stay under {_major(MAX_MINOR)})")


def check_instant(value: datetime | int | None, field: str) -> None:
    """An instant (aware datetime or epoch seconds) from 2000 up to 2100 (None passes)."""
    if value is None:
        return
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise RecordError(field, value.isoformat(), "has no time zone")
        inside = EARLIEST <= value < LATEST
        shown: object = value.isoformat()
    else:
        inside = EARLIEST_EPOCH <= value < LATEST_EPOCH
        shown = value
    if not inside:
        raise RecordError(field, shown, "out of range (dates from 2000-01-01 up to 2100-01-01)")


def check_reimbursed(claimed: int | None, reimbursed: int | None, field: str = "reimbursed") -> None:
    """A reimbursement is never negative and never more than what was claimed (when that is known)."""
    if reimbursed is None:
        return
    if reimbursed < 0:
        raise RecordError(field, _major(reimbursed), "a reimbursement cannot be negative")
    if claimed is not None and reimbursed > claimed:
        raise RecordError(field, _major(reimbursed), f"more than the {_major(claimed)} claimed")


def check_record(*, claim_no: str, status: str, outcome: str | None, claimed: int, reimbursed: int | None,
                 appeal_used: bool, appeal_decided: bool, paid: int = 0) -> None:
    """The consistency rules of one claim record; raises :class:`RecordError` at the first broken one.

    - the claim id is a SAFE-T claim id; status and outcome are known values;
    - claimed is more than zero; reimbursed (when known) is 0..claimed and agrees with the
      outcome: a full grant reimburses what was claimed, a partial grant less but more than
      zero, a no-grant nothing; without an outcome there is no reimbursement;
    - a resolved claim has an outcome; a claim Amazon still works on (awaiting, investigating)
      has one only while an appeal of that decision is pending;
    - an appeal can only be decided if there was one, and a decided appeal leaves the claim
      resolved; a resolved claim whose appeal was used has that appeal decided.
    """
    check_claim_no(claim_no)
    if status not in STATUSES:
        raise RecordError("status", status, f"unknown status (use {', '.join(STATUSES)})")
    if outcome is not None and outcome not in OUTCOMES:
        raise RecordError("outcome", outcome, f"unknown outcome (use {', '.join(OUTCOMES)})")
    check_minor(claimed, "claimed")
    check_minor(reimbursed, "reimbursed")
    check_minor(paid, "paid")
    if claimed <= 0:
        raise RecordError("claimed", _major(claimed), "the claimed amount must be more than zero")
    check_reimbursed(claimed, reimbursed)
    if appeal_decided and not appeal_used:
        raise RecordError("appeal_decided", True, "an appeal is decided but none was made (appeal_used is false)")
    pending = appeal_used and not appeal_decided
    if status == Status.RESOLVED:
        if outcome is None:
            raise RecordError("outcome", None, "a resolved claim needs an outcome")
        if pending:
            raise RecordError("appeal_decided", False,
                              "the claim is resolved after an appeal, so the appeal is decided")
    else:
        if appeal_decided:
            raise RecordError("appeal_decided", True, f"a decided appeal leaves the claim resolved, not {status}")
        if outcome is not None and not pending:
            raise RecordError("outcome", outcome, f"a claim that is {status} has no outcome yet "
                                                  "(only while an appeal of it is pending)")
    if outcome is None:
        if reimbursed:
            raise RecordError("reimbursed", _major(reimbursed), "a claim without an outcome has no reimbursement")
    elif outcome == Outcome.GRANT_FULL:
        if reimbursed != claimed:
            raise RecordError("reimbursed", _major(reimbursed), f"a full grant reimburses the {_major(claimed)} "
                                                                "claimed")
    elif outcome == Outcome.GRANT_PARTIAL:
        if not reimbursed or reimbursed >= claimed:
            raise RecordError("reimbursed", _major(reimbursed),
                              f"a partial grant reimburses more than 0 and less than the {_major(claimed)} claimed")
    elif reimbursed:
        raise RecordError("reimbursed", _major(reimbursed), "a no-grant reimburses nothing")


def _major(minor: int | None) -> str | None:
    """Minor units as the plain decimal the export writes (``-49.99``), for messages."""
    return None if minor is None else plain_minor(minor)
