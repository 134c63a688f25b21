"""The demo's stories: which claims, threads, decisions and appeals it tells (the lifecycle says
what each step means) and which refunds are still claimable."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from safet_tui.demo import catalog as cat
from safet_tui.demo.deadlines import Deadlines
from safet_tui.demo.life import Life, money_of
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.lifecycle import Status
from safet_tui.domain.marketplaces import Policies
from safet_tui.domain.money import format_money
from safet_tui.domain.reasons import DENIAL_REASONS, NO_REPLY_DENIAL, REASONS
from safet_tui.domain.reasons import Reason as ReasonT

DAY = 86400
HOUR = 3600


@dataclass
class Rows:
    claims: list = field(default_factory=list)
    refunds: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    events: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    marks: list = field(default_factory=list)


def _order_id(rng: random.Random, prefix: tuple[str, ...]) -> str:
    return f"{rng.choice(prefix)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"


def random_asin(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return "B0" + "".join(rng.choice(alphabet) for _ in range(8))


#: the blanks each message template has
_BLANKS = {text: tuple(name for _, name, _, _ in string.Formatter().parse(text) if name)
           for text in cat.SELLER_OPENERS + cat.SELLER_REPLIES}


class Gen:
    def __init__(self, rng: random.Random, now: int, policies: Policies, sample_files: list[tuple]) -> None:
        self.rng = rng
        self.now = now
        self.policies = policies
        self.files = sample_files
        self.rows = Rows()
        self.msg_id = 0
        #: the claim table has the decided_at column (time of the first decision)
        self.decided_at = False
        self.deadlines = {market: Deadlines(policies[market]) for _, market, _ in cat.ACCOUNTS}

    def say(self, templates: tuple[str, ...]) -> str:
        """One of ``templates`` with its blanks filled."""
        return self.fill_in(self.rng.choice(templates))

    def fill_in(self, text: str, **kw) -> str:
        """``text`` with its blanks filled: from ``kw``, else drawn (only the blanks it has)."""
        rng = self.rng
        for name in _BLANKS[text]:
            if name in kw:
                continue
            if name == "what":
                kw[name] = rng.choice(cat.WHATS)
            elif name == "damage":
                kw[name] = rng.choice(cat.DAMAGES)
            elif name == "why":
                kw[name] = rng.choice(cat.WHYS)
            elif name == "tracking":
                kw[name] = f"1Z{rng.randrange(10**9, 10**10)}{rng.randrange(10**5, 10**6)}"
            elif name == "rma":
                kw[name] = f"D{rng.randrange(10**5, 10**6)}RMA"
            elif name == "days":
                kw[name] = rng.randrange(31, 60)
        return text.format(**kw) if kw else text

    def msg(self, cid: int, side: str, kind: str, body: str, at: int, attach: bool = False) -> None:
        """A message; its author is its side (the demo's users are "seller" and "amazon"). Its id is
        its place in the table, the writer's: attachments name it by its place in these rows
        (1-based), which the writer offsets by the messages written before them."""
        self.msg_id += 1
        self.rows.messages.append((cid, side, kind, body, at))
        if attach:
            # one or two different files
            rng, files = self.rng, self.files
            i = rng.randrange(len(files))
            picked: tuple[tuple, ...] = (files[i],)
            if rng.getrandbits(1):
                j = rng.randrange(len(files) - 1)
                picked += (files[j + (j >= i)],)
            for name, size, sha, media in picked:
                self.rows.attachments.append((cid, self.msg_id, name, size, sha, media, at))


#: which of the catalog's openers tells each reason's story
_OPENER = {"different": 0, "unsellable": 1, "not_returned": 2, "never_arrived": 3, "replacement_refunded": 4,
           "label_refunded": 5, "outside_window": 6, "abuse": 7}

#: reasons Amazon gives when it denies a claim it decided on (a missed reply-by is not one of them:
#: that denial comes from the lifecycle's expire_reply, on claims whose last request went unanswered)
_DENIALS = tuple(r for r in DENIAL_REASONS if r != NO_REPLY_DENIAL)
_DENIAL_WEIGHTS = tuple(w for r, w in zip(DENIAL_REASONS, (30, 8, 14, 10, 6, 4, 18, 10), strict=True)
                        if r != NO_REPLY_DENIAL)
#: the reason an appeal of a partial grant is turned down with (the partial grant stands)
_UPHELD = "Original decision upheld"
#: share of resolved claims whose last information request went unanswered (Amazon's rule closed them)
_NO_REPLY_SHARE = 0.05


_QUANTITIES = (1, 1, 1, 1, 2)
_ROUNDS = (1, 1, 2, 2, 3, 3, 4, 5)
_US_ORDERS, _IN_ORDERS = ("111", "112", "113", "114"), ("402", "403", "404", "171")
_RETURN_REASONS, _ACKS, _INFO_REQUESTS, _NOTES = (
    cat.RETURN_REASONS, cat.AMAZON_ACKS, cat.AMAZON_INFO_REQUESTS, cat.SELLER_NOTES)
_N_REASONS, _N_RETURN_REASONS, _N_ACKS, _N_INFO_REQUESTS, _N_NOTES = (
    len(REASONS), len(_RETURN_REASONS), len(_ACKS), len(_INFO_REQUESTS), len(_NOTES))


def _reason_opener(reason: ReasonT) -> str:
    return cat.SELLER_OPENERS[_OPENER[reason.code]]


@cache
def _day(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%b %d, %Y")


def tell_claim(g: Gen, cid: int, claim_no: str, account: tuple, plist: list) -> None:
    # (``int(rnd() * n)`` is DemoRandom's choice and randrange, the same draws: ~35 a claim, called
    # here without a Python method call each)
    rng, now = g.rng, g.now
    rnd = rng.random
    acc_id, market, currency = account
    policy = g.policies[market]
    deadlines = g.deadlines[market]
    pid, sku, title, price = plist[int(rnd() * len(plist))]
    qty_price = price * _QUANTITIES[int(rnd() * 5)]
    reason = REASONS[int(rnd() * _N_REASONS)]
    order_prefix = _US_ORDERS if market == "amazon.com" else _IN_ORDERS
    order_id = f"{order_prefix[int(rnd() * 4)]}-{10**6 + int(rnd() * 9_000_000)}-{10**6 + int(rnd() * 9_000_000)}"
    item_id = str(10**13 + int(rnd() * 90_000_000_000_000))
    roll = rnd()
    # the story to tell: where the claim should stand at "now" (the lifecycle decides where it does)
    story = Status.AWAITING if roll < 0.12 else Status.INVESTIGATING if roll < 0.30 else Status.RESOLVED

    # When was it filed? Open claims are recent; resolved ones spread over the year.
    if story is Status.RESOLVED:
        filed = now - (6 * DAY + int(rnd() * (354 * DAY)))
    else:
        filed = now - (HOUR + int(rnd() * (40 * DAY - HOUR)))
    delivered = filed - (DAY + int(rnd() * (5 * DAY)))
    refund_at = delivered - int(rnd() * (3 * DAY))
    g.rows.refunds.append((acc_id, pid, order_id, item_id, _RETURN_REASONS[int(rnd() * _N_RETURN_REASONS)],
                           currency, qty_price, refund_at, delivered, None, "", cid, refund_at))

    description = g.fill_in(_reason_opener(reason), title=title.lower(), date=_day(delivered // DAY))
    g.msg(cid, "seller", "message", description, filed, attach=bool(reason.evidence))
    life = Life(g.rows.events, cid, money_of(qty_price, currency), filed)
    # Amazon acknowledges within hours, but never after "now" for a claim filed minutes ago.
    t = min(filed + HOUR + int(rnd() * (11 * HOUR)), filed + max(60, (now - filed) // 2))
    g.msg(cid, "amazon", "message", _ACKS[int(rnd() * _N_ACKS)], t)

    def ask(at: int) -> int:
        """An information request at ``at``; its reply-by is the policy's. Returns the reply-by."""
        g.msg(cid, "amazon", "info_request", _INFO_REQUESTS[int(rnd() * _N_INFO_REQUESTS)], at)
        reply_by = deadlines.reply_by(at)
        life.request_info(at, reply_by)
        return reply_by

    def answer(at: int, attach: bool = False) -> None:
        g.msg(cid, "seller", "message", g.say(cat.SELLER_REPLIES), at, attach=attach)
        life.reply(at)

    # A long tail of long threads; about ten messages per claim on average.
    rounds = _ROUNDS[int(rnd() * 8)] if rnd() > 0.002 else 95
    # some claims under investigation are appeals of a recent decision, waiting for Amazon's answer
    appealing = story is Status.INVESTIGATING and now - filed > 6 * DAY and rnd() < 0.15
    if story is Status.RESOLVED:
        end = min(now - DAY, filed + rng.randrange(5 * DAY, 40 * DAY))
    elif appealing:
        end = now - rng.randrange(2 * DAY, 5 * DAY)
    else:
        end = now
    step = max(HOUR, (end - t) // (rounds * 2 + 3))
    reply_by = 0
    # (the ranges drawn from are never empty: step >= HOUR)
    for r in range(rounds):
        t += step // 2 + 1 + int(rnd() * (step - step // 2))
        if t >= end - 2 * HOUR:
            break
        reply_by = ask(t)
        if story is Status.AWAITING and r == rounds - 1:
            break
        # sellers answer in time (an unanswered request is its own story, below)
        t = min(t + step // 4 + 1 + int(rnd() * (step // 2 + 1 - step // 4)),
                reply_by - (HOUR + int(rnd() * (5 * HOUR))))
        answer(t, attach=rnd() < 0.5)
        if rnd() < 0.3:
            g.msg(cid, "seller", "note", _NOTES[int(rnd() * _N_NOTES)], t + 600)
    if story is Status.AWAITING:
        if life.state.status is Status.AWAITING and reply_by < now:
            # That request was answered long ago; Amazon asked again recently.
            t = min(t + rng.randrange(HOUR, DAY), now - 3 * HOUR)
            answer(t)
        if life.state.status is not Status.AWAITING:
            # A recent information request: its reply-by is still ahead, some of them very close.
            asked = now - rng.randrange(HOUR, max(2 * HOUR, policy.reply_days * DAY - 2 * HOUR))
            # never before the thread's last message (a claim filed an hour ago has a short thread)
            ask(min(max(asked, t + 60), now - 30))
    elif appealing:
        decided = max(t + HOUR, end)
        _decide(g, life, decided, qty_price, currency, reason, deadlines.appeal_by(decided), appealable=True)
        _maybe_appeal(g, life, decided, qty_price, currency, 0, share=1.0, pending=True)
    elif story is Status.INVESTIGATING:
        if life.state.status is Status.AWAITING:
            answer(t + HOUR)
    else:
        decided = max(t + HOUR, end)
        missed = 0
        if life.state.status is Status.INVESTIGATING and rng.random() < _NO_REPLY_SHARE:
            # Amazon asked once more and the seller never answered: no reply by the reply-by is a
            # No-Grant at that time (Amazon's rule), with the appeal window counted from it.
            asked = min(t + rng.randrange(HOUR, max(2 * HOUR, end - t)), decided)
            if deadlines.reply_by(asked) < now - HOUR:
                missed = ask(asked)
        if missed:
            life.expire_reply(now, deadlines.appeal_by(missed))
            g.msg(cid, "amazon", "decision", rng.choice(cat.NO_REPLY_TEXTS), missed)
            decided = missed
        else:
            if life.state.status is Status.AWAITING:
                answer(decided - HOUR)
            _decide(g, life, decided, qty_price, currency, reason, deadlines.appeal_by(decided))
        _maybe_appeal(g, life, decided, qty_price, currency, missed)
    due = life.state.reply_by
    if life.state.status is Status.AWAITING and due is not None and due.timestamp() <= now:
        # (not a story the demo tells, but whatever a policy's reply window: no claim awaits a
        # reply past its reply-by at "now", Amazon's rule has closed it)
        missed = int(due.timestamp())
        life.expire_reply(now, deadlines.appeal_by(missed))
        g.msg(cid, "amazon", "decision", rng.choice(cat.NO_REPLY_TEXTS), missed)
    s = life.state
    reply_by_at, appeal_by_at = to_epoch(s.reply_by), to_epoch(s.appeal_by)
    reimbursed = None if s.reimbursed is None else s.reimbursed.minor
    changed = life.changed
    row = (
        cid, claim_no, acc_id, pid, order_id, item_id, reason.code, description, s.status._value_,
        s.outcome and s.outcome._value_,
        s.denial_reason, currency, qty_price, reimbursed, filed, changed, changed, reply_by_at, appeal_by_at,
        int(s.appeal_used), int(s.appeal_decided),
        lc.deadline_of(s.status, s.outcome, reply_by_at, appeal_by_at, s.appeal_used, now=now),
        reimbursed if (s.status is Status.RESOLVED and reimbursed and now - changed > 5 * DAY) else 0,
    )
    g.rows.claims.append(row + (life.decided,) if g.decided_at else row)


def _maybe_appeal(g: Gen, life: Life, decided: int, price: int, currency: str, missed: int,
                  share: float = 0.25, pending: bool = False) -> None:
    """A quarter of the decisions that can be appealed were appealed in time (before now); most
    appeals are decided, the recent ones still pending."""
    rng, now = g.rng, g.now
    s = life.state
    if not s.can_still_appeal_in_principle or rng.random() >= share or s.appeal_by is None:
        return  # (an appeal-by is part of "can still appeal in principle")
    last = min(int(s.appeal_by.timestamp()), now - HOUR)
    if last <= decided + 2 * HOUR:
        return
    ta = decided + rng.randrange(HOUR, last - decided)
    texts = cat.LATE_REPLY_APPEAL_TEXTS if missed else cat.APPEAL_TEXTS
    g.msg(life.cid, "seller", "appeal", rng.choice(texts), ta, attach=True)
    life.appeal(ta)
    td = ta + rng.randrange(2 * DAY, 12 * DAY)
    if td >= now or pending:
        return  # pending: Amazon is looking at it again
    reimbursed = life.state.reimbursed.minor if life.state.reimbursed is not None else 0
    if rng.random() < 0.4:
        amount = price if rng.random() < 0.7 else price * rng.choice((60, 70, 75)) // 100
        amount = price if amount <= reimbursed else amount  # an appeal granted pays more, never less
        life.grant(td, amount, None)
        body = rng.choice(cat.GRANT_TEXTS).format(amount=_fmt(amount, currency))
    else:
        denial = life.state.denial_reason or _UPHELD
        life.no_grant(td, denial, None)
        body = rng.choice(cat.DENIAL_TEXTS).format(reason=denial.strip().lower())  # as no_grant stores it
    g.msg(life.cid, "amazon", "decision", "Appeal decided. " + body, td)


@cache
def _fmt(minor: int, currency: str) -> str:
    """Money as text for message bodies, the domain's way (cached: amounts repeat across claims)."""
    return format_money(money_of(minor, currency))


def _decide(g: Gen, life: Life, t: int, price: int, currency: str, reason: ReasonT, appeal_by: int,
            appealable: bool = False) -> None:
    """Amazon's first decision: which one is the demo's choice, what it means is the lifecycle's.
    ``appealable``: not a full grant (a decision the seller goes on to appeal)."""
    rng = g.rng
    roll = rng.random()
    if appealable:
        roll = 0.5 + roll / 2
    damaged = reason.code in ("unsellable", "abuse")
    if roll < (0.35 if damaged else 0.5):
        life.grant(t, price, appeal_by)
        body = rng.choice(cat.GRANT_TEXTS).format(amount=_fmt(price, currency))
    elif roll < (0.65 if damaged else 0.6):
        amount = price * rng.choice((40, 42, 45, 50, 60)) // 100
        life.grant(t, amount, appeal_by)
        body = rng.choice(cat.PARTIAL_TEXTS).format(amount=_fmt(amount, currency))
    else:
        denial = rng.choices(_DENIALS, weights=_DENIAL_WEIGHTS)[0]
        life.no_grant(t, denial, appeal_by)
        body = rng.choice(cat.DENIAL_TEXTS).format(reason=denial.lower())
    g.msg(life.cid, "amazon", "decision", body, t)


def claimable_refunds(g: Gen, claims: int, accounts: list, products: list) -> None:
    """Refunds not yet claimed: some about to expire, some already lost."""
    rng, now = g.rng, g.now
    n = max(12, claims // 8)
    for _ in range(n):
        acc = 0 if rng.random() < 0.7 else 1
        acc_id, market, currency = accounts[acc]
        policy = g.policies[market]
        pid, sku, title, price = rng.choice(products[acc])
        window = policy.filing_days * DAY
        # a third already expired, the rest spread across the window, many near its end
        if rng.random() < 0.33:
            basis = now - window - rng.randrange(DAY, 90 * DAY)
        elif rng.random() < 0.4:
            basis = now - window + rng.randrange(HOUR, 3 * DAY)
        else:
            basis = now - rng.randrange(HOUR, window)
        delivered = basis
        refund_at = basis - rng.randrange(0, 2 * DAY)
        refunded, returned = from_epoch(refund_at), from_epoch(delivered)
        file_by = policy.file_by(refunded, returned)
        prefix = ("111", "112", "113", "114") if market == "amazon.com" else ("402", "403", "404", "171")
        _, why = policy.filing_basis_at(refunded, returned)
        g.rows.refunds.append((acc_id, pid, _order_id(rng, prefix), str(rng.randrange(10**13, 10**14)),
                               rng.choice(cat.RETURN_REASONS), currency, price, refund_at, delivered,
                               to_epoch(file_by), why, None, refund_at))
