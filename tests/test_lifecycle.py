"""The claim lifecycle: every transition, allowed and refused, with its actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from safet_tui.domain import lifecycle as lc
from safet_tui.domain.lifecycle import Actor, ClaimState, Event, Outcome, Status, TransitionError
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import NO_REPLY_DENIAL

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
CLAIMED = Money.of("100.00", "USD")
SELLER, AMAZON = Actor.SELLER, Actor.AMAZON


def filed() -> ClaimState:
    state, _ = lc.file_claim(CLAIMED, T0)
    return state


def awaiting(reply_by: datetime = T0 + 3 * DAY) -> ClaimState:
    state, _ = lc.request_info(filed(), AMAZON, T0 + DAY, reply_by)
    return state


def resolved_partial(at: datetime = T0 + 5 * DAY) -> ClaimState:
    state, _ = lc.grant(filed(), AMAZON, at, Money.of("40", "USD"), at + 7 * DAY)
    return state


def resolved_no_grant(at: datetime = T0 + 5 * DAY) -> ClaimState:
    state, _ = lc.no_grant(filed(), AMAZON, at, "Insufficient evidence provided", at + 7 * DAY)
    return state


def appealed(state: ClaimState, at: datetime = T0 + 6 * DAY) -> ClaimState:
    new, _ = lc.appeal(state, SELLER, at)
    return new


# -- file -------------------------------------------------------------------------

def test_file_starts_under_investigation():
    state, event = lc.file_claim(CLAIMED, T0)
    assert state == ClaimState(status=Status.INVESTIGATING, claimed=CLAIMED)
    assert event == Event("file", SELLER, T0, None, Status.INVESTIGATING)
    assert state.deadline is None


def test_only_the_seller_files():
    with pytest.raises(TransitionError, match="only the seller can file a claim"):
        lc.file_claim(CLAIMED, T0, AMAZON)


def test_file_refuses_zero_and_naive_time():
    with pytest.raises(TransitionError, match="more than zero"):
        lc.file_claim(Money.zero("USD"), T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        lc.file_claim(CLAIMED, datetime(2026, 11, 2, 9, 0))


# -- request info -------------------------------------------------------------------

def test_request_info_moves_to_awaiting_with_reply_by():
    reply_by = T0 + 4 * DAY
    state, event = lc.request_info(filed(), AMAZON, T0 + DAY, reply_by)
    assert state.status is Status.AWAITING
    assert state.reply_by == reply_by
    assert state.deadline == reply_by
    assert event == Event("request_info", AMAZON, T0 + DAY, Status.INVESTIGATING, Status.AWAITING)


def test_request_info_refused():
    with pytest.raises(TransitionError, match="only Amazon can request information"):
        lc.request_info(filed(), SELLER, T0, T0 + DAY)
    with pytest.raises(TransitionError, match="cannot request information on a claim that is Awaiting Seller"):
        lc.request_info(awaiting(), AMAZON, T0 + DAY, T0 + 5 * DAY)
    with pytest.raises(TransitionError, match="cannot request information on a claim that is Resolved"):
        lc.request_info(resolved_partial(), AMAZON, T0 + 6 * DAY, T0 + 9 * DAY)
    with pytest.raises(TransitionError, match="reply-by must be in the future"):
        lc.request_info(filed(), AMAZON, T0 + DAY, T0 + DAY)


# -- reply --------------------------------------------------------------------------

def test_reply_on_awaiting_returns_to_investigation():
    state, event = lc.reply(awaiting(), SELLER, T0 + 2 * DAY)
    assert state.status is Status.INVESTIGATING
    assert state.reply_by == T0 + 3 * DAY  # kept as given, never recomputed
    assert state.deadline is None
    assert event == Event("reply", SELLER, T0 + 2 * DAY, Status.AWAITING, Status.INVESTIGATING)


def test_reply_at_the_last_second_is_allowed_and_one_later_is_not():
    reply_by = T0 + 3 * DAY
    state, _ = lc.reply(awaiting(reply_by), SELLER, reply_by)
    assert state.status is Status.INVESTIGATING
    with pytest.raises(TransitionError, match="the reply-by time has passed"):
        lc.reply(awaiting(reply_by), SELLER, reply_by + SECOND)


def test_reply_under_investigation_is_a_message_without_status_change():
    state = filed()
    assert lc.reply(state, SELLER, T0 + DAY) == (state, None)


def test_reply_refused():
    with pytest.raises(TransitionError, match="only the seller can reply"):
        lc.reply(awaiting(), AMAZON, T0 + 2 * DAY)
    with pytest.raises(TransitionError, match="the claim is resolved: replies are closed"):
        lc.reply(resolved_partial(), SELLER, T0 + 6 * DAY)
    with pytest.raises(TransitionError, match="replies are closed"):
        lc.reply(resolved_no_grant(), SELLER, T0 + 6 * DAY)


# -- grant / no-grant -------------------------------------------------------------------

def test_full_grant():
    at = T0 + 5 * DAY
    state, event = lc.grant(filed(), AMAZON, at, CLAIMED, at + 7 * DAY)
    assert (state.status, state.outcome, state.reimbursed) == (Status.RESOLVED, Outcome.GRANT_FULL, CLAIMED)
    assert state.appeal_by is None  # nothing to appeal: no appeal window is kept
    assert state.deadline is None
    assert not state.can_still_appeal_in_principle
    assert event == Event("grant", AMAZON, at, Status.INVESTIGATING, Status.RESOLVED, "Grant")


def test_partial_grant():
    at = T0 + 5 * DAY
    state, event = lc.grant(filed(), AMAZON, at, Money.of("40", "USD"), at + 7 * DAY)
    assert (state.outcome, state.reimbursed) == (Outcome.GRANT_PARTIAL, Money.of("40", "USD"))
    assert state.deadline == at + 7 * DAY
    assert event.note == "Partial grant"


def test_grant_while_awaiting_clears_reply_by():
    state, event = lc.grant(awaiting(), AMAZON, T0 + 2 * DAY, CLAIMED, T0 + 9 * DAY)
    assert state.status is Status.RESOLVED and state.reply_by is None
    assert event.from_status is Status.AWAITING


def test_grant_refused():
    at, by = T0 + 5 * DAY, T0 + 12 * DAY
    with pytest.raises(TransitionError, match="only Amazon can grant a claim"):
        lc.grant(filed(), SELLER, at, CLAIMED, by)
    with pytest.raises(TransitionError, match=r"cannot grant \$100.01 — more than the \$100.00 claimed"):
        lc.grant(filed(), AMAZON, at, Money.of("100.01", "USD"), by)
    with pytest.raises(TransitionError, match="grant is in INR, the claim is in USD"):
        lc.grant(filed(), AMAZON, at, Money.of("50", "INR"), by)
    with pytest.raises(TransitionError, match="more than zero"):
        lc.grant(filed(), AMAZON, at, Money.zero("USD"), by)
    with pytest.raises(TransitionError, match="the claim is already resolved"):
        lc.grant(resolved_partial(), AMAZON, at + DAY, CLAIMED, by + DAY)
    with pytest.raises(TransitionError, match="a decision needs an appeal-by time"):
        lc.grant(filed(), AMAZON, at, CLAIMED, None)
    with pytest.raises(TransitionError, match="appeal-by must be after the decision"):
        lc.grant(filed(), AMAZON, at, CLAIMED, at)


def test_no_grant():
    at = T0 + 5 * DAY
    state, event = lc.no_grant(filed(), AMAZON, at, "  Insufficient evidence provided ", at + 7 * DAY)
    assert state.outcome is Outcome.NO_GRANT
    assert state.denial_reason == "Insufficient evidence provided"
    assert state.reimbursed == Money.zero("USD")
    assert state.deadline == at + 7 * DAY
    assert event == Event("no_grant", AMAZON, at, Status.INVESTIGATING, Status.RESOLVED,
                          "Insufficient evidence provided")


def test_no_grant_refused():
    at, by = T0 + 5 * DAY, T0 + 12 * DAY
    with pytest.raises(TransitionError, match="only Amazon can deny a claim"):
        lc.no_grant(filed(), SELLER, at, "x", by)
    with pytest.raises(TransitionError, match="a no-grant needs a denial reason"):
        lc.no_grant(filed(), AMAZON, at, "   ", by)
    with pytest.raises(TransitionError, match="the claim is already resolved"):
        lc.no_grant(resolved_no_grant(), AMAZON, at + DAY, "x", by + DAY)
    with pytest.raises(TransitionError, match="a decision needs an appeal-by time"):
        lc.no_grant(filed(), AMAZON, at, "x", None)


# -- appeal ------------------------------------------------------------------------------

def test_appeal_reopens_under_investigation():
    state, event = lc.appeal(resolved_no_grant(), SELLER, T0 + 6 * DAY)
    assert state.status is Status.INVESTIGATING
    assert state.appeal_used and state.appeal_pending and not state.appeal_decided
    assert state.appeal_by is None
    assert event == Event("appeal", SELLER, T0 + 6 * DAY, Status.RESOLVED, Status.INVESTIGATING)


def test_appeal_at_the_last_second_is_allowed_and_one_later_is_not():
    decided = T0 + 5 * DAY
    appeal_by = decided + 7 * DAY
    assert lc.appeal(resolved_no_grant(decided), SELLER, appeal_by)[0].appeal_pending
    with pytest.raises(TransitionError, match="the appeal-by time has passed"):
        lc.appeal(resolved_no_grant(decided), SELLER, appeal_by + SECOND)


def test_appeal_refused():
    with pytest.raises(TransitionError, match="only the seller can appeal"):
        lc.appeal(resolved_no_grant(), AMAZON, T0 + 6 * DAY)
    with pytest.raises(TransitionError, match="only a resolved claim can be appealed; this one is Under Investigation"):
        lc.appeal(filed(), SELLER, T0 + DAY)
    with pytest.raises(TransitionError, match="this one is Awaiting Seller Response"):
        lc.appeal(awaiting(), SELLER, T0 + DAY)
    full, _ = lc.grant(filed(), AMAZON, T0 + 5 * DAY, CLAIMED, T0 + 12 * DAY)
    with pytest.raises(TransitionError, match="granted in full: there is nothing to appeal"):
        lc.appeal(full, SELLER, T0 + 6 * DAY)


def test_appeal_twice_is_refused():
    pending = appealed(resolved_no_grant())
    with pytest.raises(TransitionError, match="only a resolved claim can be appealed"):
        lc.appeal(pending, SELLER, T0 + 7 * DAY)
    decided, _ = lc.no_grant(pending, AMAZON, T0 + 8 * DAY, "Carrier scan confirms delivery to seller", None)
    with pytest.raises(TransitionError, match="already been appealed once; a claim gets one appeal"):
        lc.appeal(decided, SELLER, T0 + 9 * DAY)


def test_appeal_pending_can_still_get_an_info_request_and_reply():
    pending = appealed(resolved_no_grant())
    asked, _ = lc.request_info(pending, AMAZON, T0 + 7 * DAY, T0 + 10 * DAY)
    assert asked.status is Status.AWAITING and asked.appeal_pending
    back, _ = lc.reply(asked, SELLER, T0 + 8 * DAY)
    assert back.status is Status.INVESTIGATING and back.appeal_pending


# -- deciding an appeal ------------------------------------------------------------------------

def test_granted_appeal_is_final():
    pending = appealed(resolved_no_grant())
    at = T0 + 9 * DAY
    state, event = lc.grant(pending, AMAZON, at, CLAIMED, at + 7 * DAY)  # appeal-by is ignored: final
    assert (state.status, state.outcome, state.reimbursed) == (Status.RESOLVED, Outcome.GRANT_FULL, CLAIMED)
    assert state.appeal_decided and not state.appeal_pending
    assert state.appeal_by is None and state.deadline is None
    assert state.denial_reason is None
    assert event == Event("decide_appeal", AMAZON, at, Status.INVESTIGATING, Status.RESOLVED, "Grant")


def test_decided_appeal_is_final_for_every_action():
    decided, _ = lc.no_grant(appealed(resolved_no_grant()), AMAZON, T0 + 9 * DAY, "Upheld", None)
    assert decided.appeal_decided and decided.appeal_by is None
    assert not decided.can_still_appeal_in_principle
    with pytest.raises(TransitionError, match="one appeal"):
        lc.appeal(decided, SELLER, T0 + 9 * DAY + SECOND)
    with pytest.raises(TransitionError, match="already resolved"):
        lc.grant(decided, AMAZON, T0 + 10 * DAY, CLAIMED, T0 + 17 * DAY)
    with pytest.raises(TransitionError, match="replies are closed"):
        lc.reply(decided, SELLER, T0 + 10 * DAY)
    with pytest.raises(TransitionError, match="Resolved"):
        lc.request_info(decided, AMAZON, T0 + 10 * DAY, T0 + 13 * DAY)


def test_denied_appeal_of_a_no_grant_stays_no_grant():
    state, event = lc.no_grant(appealed(resolved_no_grant()), AMAZON, T0 + 9 * DAY, "Upheld", None)
    assert (state.outcome, state.reimbursed, state.denial_reason) == (Outcome.NO_GRANT, Money.zero("USD"), "Upheld")
    assert event.action == "decide_appeal"


def test_denied_appeal_of_a_partial_grant_keeps_the_partial_amount():
    pending = appealed(resolved_partial())
    assert pending.reimbursed == Money.of("40", "USD")
    state, event = lc.no_grant(pending, AMAZON, T0 + 9 * DAY, "Original decision upheld", None)
    assert state.status is Status.RESOLVED
    assert state.outcome is Outcome.GRANT_PARTIAL
    assert state.reimbursed == Money.of("40", "USD")
    assert state.appeal_decided and state.appeal_by is None
    assert event == Event("decide_appeal", AMAZON, T0 + 9 * DAY, Status.INVESTIGATING, Status.RESOLVED,
                          "Original decision upheld")


def test_appeal_of_a_partial_grant_can_raise_it_to_full():
    state, _ = lc.grant(appealed(resolved_partial()), AMAZON, T0 + 9 * DAY, CLAIMED, None)
    assert (state.outcome, state.reimbursed) == (Outcome.GRANT_FULL, CLAIMED)


# -- reply-by expiry ----------------------------------------------------------------------------

def test_expire_reply_ends_in_no_grant():
    reply_by = T0 + 3 * DAY
    at = reply_by + SECOND
    state, event = lc.expire_reply(awaiting(reply_by), at, at + 7 * DAY)
    assert (state.status, state.outcome, state.denial_reason) == (Status.RESOLVED, Outcome.NO_GRANT, NO_REPLY_DENIAL)
    assert state.appeal_by == at + 7 * DAY and state.reply_by is None
    assert state.deadline == at + 7 * DAY  # a no-reply no-grant can be appealed
    # decided at the reply-by, whenever the desk notices it passed
    assert event == Event("no_grant", AMAZON, reply_by, Status.AWAITING, Status.RESOLVED, NO_REPLY_DENIAL)


def test_expire_reply_refused_before_the_deadline_or_off_awaiting():
    reply_by = T0 + 3 * DAY
    with pytest.raises(TransitionError, match="not past its reply-by time"):
        lc.expire_reply(awaiting(reply_by), reply_by, reply_by + 7 * DAY)
    with pytest.raises(TransitionError, match="not past its reply-by time"):
        lc.expire_reply(filed(), reply_by + DAY, reply_by + 8 * DAY)
    with pytest.raises(TransitionError, match="not past its reply-by time"):
        lc.expire_reply(resolved_no_grant(), T0 + 30 * DAY, T0 + 37 * DAY)


def test_expire_reply_during_an_appeal_is_final_and_keeps_a_partial_grant():
    pending = appealed(resolved_partial())
    asked, _ = lc.request_info(pending, AMAZON, T0 + 7 * DAY, T0 + 10 * DAY)
    state, event = lc.expire_reply(asked, T0 + 10 * DAY + SECOND, T0 + 17 * DAY)
    assert state.appeal_decided and state.appeal_by is None
    assert (state.outcome, state.reimbursed) == (Outcome.GRANT_PARTIAL, Money.of("40", "USD"))
    assert event.action == "decide_appeal"


# -- labels -------------------------------------------------------------------------------------

def test_labels():
    assert [s.label for s in Status] == ["Awaiting Seller Response", "Under Investigation", "Resolved"]
    assert [o.label for o in Outcome] == ["Grant", "Partial grant", "No-Grant"]
