"""Drafts: what a person has typed and not sent yet, kept in the database per user (schema 6).

A reply or an appeal on a claim (``claim_key`` its claim id), or the new-claim form
(``claim_key`` the claimable refund's key, ``""`` for a blank form). Screens save a draft as it
is typed (debounced, from a worker) and read it back when they open; the write that sends a
reply or an appeal, or files the claim, ends its draft in the same transaction
(:func:`end_draft`), so a draft never outlives what it became and a refused send keeps it.
A desk killed mid-sentence loses at most the last debounce's keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safet_tui.db import Draft
from safet_tui.service.errors import ServiceError
from safet_tui.service.session import Session

REPLY, APPEAL, NEW_CLAIM = "reply", "appeal", "new_claim"
DRAFT_KINDS = (REPLY, APPEAL, NEW_CLAIM)


@dataclass(frozen=True)
class DraftView:
    kind: str
    claim_key: str
    fields: dict[str, Any]
    updated_at: datetime

    @property
    def label(self) -> str:
        """"a reply on claim 3412…", "the new-claim form" — for a person."""
        if self.kind == NEW_CLAIM:
            return "a new claim" + (" for a claimable refund" if self.claim_key else "")
        return f"{'a reply' if self.kind == REPLY else 'an appeal'} on claim {self.claim_key}"


def _kind(kind: str) -> str:
    if kind not in DRAFT_KINDS:
        raise ServiceError(f"no such kind of draft: {kind!r}")
    return kind


def _empty(fields: Mapping[str, object]) -> bool:
    return not any(v.strip() if isinstance(v, str) else v for v in fields.values())


def _fields(body: str) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None  # not ours (written by hand?): as if there were none
    return value if isinstance(value, dict) else None


def end_draft(user: str, kind: str, claim_key: str) -> None:
    """Delete a draft inside the caller's write transaction (the write it became)."""
    Draft.delete().where((Draft.user == user) & (Draft.kind == _kind(kind))
                         & (Draft.claim_key == str(claim_key))).execute()


class Drafts(Session):
    def save_draft(self, kind: str, claim_key: str, fields: Mapping[str, object], wait: float | None = None) -> None:
        """Keep ``fields`` (JSON-able) as this user's draft; nothing typed deletes it (``wait``:
        seconds to wait for another writer, default the session's)."""
        if _empty(fields):
            self.discard_draft(kind, claim_key, wait)
            return
        body = json.dumps(dict(fields), ensure_ascii=False, sort_keys=True)
        now = self.now()
        with self._tx(wait):
            (Draft.insert(user=self.user, kind=_kind(kind), claim_key=str(claim_key), body=body, updated_at=now)
             .on_conflict(conflict_target=[Draft.user, Draft.kind, Draft.claim_key],
                          update={Draft.body: body, Draft.updated_at: now})
             .execute())

    def draft(self, kind: str, claim_key: str) -> dict[str, Any] | None:
        """This user's draft of ``kind`` on ``claim_key``, or None."""
        row = self._where(kind, claim_key).first()
        return None if row is None else _fields(row.body)

    def drafts(self) -> list[DraftView]:
        """This user's drafts, the newest first."""
        out = []
        for row in Draft.select().where(Draft.user == self.user).order_by(Draft.updated_at.desc()):
            fields = _fields(row.body)
            if fields is not None and row.kind in DRAFT_KINDS:
                out.append(DraftView(row.kind, row.claim_key, fields, row.updated_at))
        return out

    def discard_draft(self, kind: str, claim_key: str, wait: float | None = None) -> None:
        if not self._where(kind, claim_key).exists():
            return  # nothing to delete, no write (a read-only database stays quiet)
        with self._tx(wait):
            end_draft(self.user, kind, claim_key)

    def _where(self, kind: str, claim_key: str):
        return Draft.select().where((Draft.user == self.user) & (Draft.kind == _kind(kind))
                                    & (Draft.claim_key == str(claim_key)))

    def discard_drafts(self) -> int:
        """Delete every draft of this user; how many there were."""
        with self._tx():
            return int(Draft.delete().where(Draft.user == self.user).execute())
