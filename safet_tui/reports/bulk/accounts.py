"""Which seller account a report belongs to.

``--account NAME`` names it (created in the report's marketplace if new).
Without a name: the one account of the report's marketplace; if there is none,
one is created (and the summary says so); if there are several, the import
stops and lists them (:class:`AccountChoiceError`).
"""

from __future__ import annotations

from safet_tui.db import Account
from safet_tui.domain.marketplaces import Policies, Policy
from safet_tui.reports.errors import AccountChoiceError, ReportError
from safet_tui.reports.summary import ImportSummary


def default_name(marketplace: str) -> str:
    return f"Seller on {marketplace}"


def policy_for(policies: Policies, *, file: str, marketplace: str = "", currency: str = "",
               account: str | None = None, line: int | None = None, column: str | None = None) -> Policy:
    """The report's marketplace policy, from its marketplace column, its currency, or the named account."""
    if marketplace:
        return policies[marketplace]
    if currency:
        found = policies.for_currency(currency)
        if len(found) == 1:
            return found[0]
        if account:
            named = [a.marketplace for a in Account.select().where(Account.name == account)]
            mine = [p for p in found if p.marketplace in named]
            if len(mine) == 1:
                return mine[0]
        if not found:
            raise ReportError(f"no marketplace policy uses currency {currency} (configure one, see "
                              "[policies] in the config file)", file=file, line=line, column=column,
                              value=currency)
        names = ", ".join(p.marketplace for p in found)
        raise ReportError(f"currency {currency} is used by several marketplaces ({names}); name the "
                          "account with --account", file=file, line=line, column=column, value=currency)
    if account:
        markets = sorted({a.marketplace for a in Account.select().where(Account.name == account)})
        if len(markets) == 1:
            return policies[markets[0]]
    raise ReportError("cannot tell the report's marketplace (no currency or marketplace in the file); "
                      "name an existing account with --account", file=file)


def resolve_account(policy: Policy, name: str | None, summary: ImportSummary,
                    allowed: tuple[str, ...] | None = None) -> Account:
    """Find or create the account; fills in the summary's account fields. ``allowed``: the only
    account names the person importing may use (None: any); without a name, the one of them."""
    market = policy.marketplace
    if allowed is not None:
        if name and name.strip() and name.strip() not in allowed:
            raise ReportError(f"account {name.strip()!r} is not one of yours ({', '.join(allowed)}): "
                              "nothing was imported", file=summary.file)
        if not (name and name.strip()):
            mine = [a.name for a in Account.select().where(Account.marketplace == market) if a.name in allowed]
            if len(mine) > 1 or (not mine and len(allowed) > 1):
                names = mine or list(allowed)
                raise AccountChoiceError(
                    f"the report is for {market}: name one of your accounts with --account NAME "
                    f"({', '.join(names)})", file=summary.file, accounts=names)
            name = mine[0] if mine else allowed[0]
    if name and name.strip():
        name = name.strip()
        account = Account.get_or_none((Account.name == name) & (Account.marketplace == market))
        if account is None:
            account = Account.create(name=name, marketplace=market, currency=policy.currency)
            summary.account_created = True
    else:
        found = list(Account.select().where(Account.marketplace == market).order_by(Account.name))
        if len(found) > 1:
            names = [a.name for a in found]
            raise AccountChoiceError(
                f"the report is for {market}, which has {len(found)} accounts ({', '.join(names)}); "
                "name one with --account NAME", file=summary.file, accounts=names)
        if found:
            account = found[0]
        else:
            account = Account.create(name=default_name(market), marketplace=market, currency=policy.currency)
            summary.account_created = True
    summary.account, summary.marketplace = account.name, account.marketplace
    return account
