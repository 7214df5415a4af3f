"""Prepaid hour packages: what each has paid, balances at a date, and alerts.

A package's consumption is the sum of its draws on statements that are not
void, so a voided statement gives its minutes back by itself. Minutes are
conserved: for every package, consumed + remaining == bought at any date.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    BillingModel,
    Contract,
    EntryStatus,
    PackageDraw,
    PrepaidPackage,
    Role,
    Statement,
    StatementStatus,
    Ticket,
    TimeEntry,
    User,
)
from portal.services import billing_rules as rules
from portal.services import notifications
from portal.services.billing_terms import billed_minutes_by_entry, entry_contract

logger = logging.getLogger(__name__)


def consumed_minutes(package_ids: Iterable[int]) -> dict[int, int]:
    """Return the minutes each package has paid on statements still in force."""
    return _consumed_minutes(package_ids, issued_before=None)


def engine_packages(contract: Contract) -> list[rules.PrepaidPackage]:
    """Return the contract's packages with what they have paid so far."""
    packages: list[PrepaidPackage] = list(contract.packages)
    consumed = consumed_minutes(package.id for package in packages)
    return [_engine_package(package, consumed[package.id]) for package in packages]


def _engine_package(package: PrepaidPackage, consumed: int) -> rules.PrepaidPackage:
    return rules.PrepaidPackage(
        id=package.id,
        minutes_bought=package.minutes_bought,
        purchase_date=package.purchase_date,
        expiry_date=package.expiry_date,
        price=package.price,
        consumed_minutes=consumed,
    )


def _consumed_minutes(
    package_ids: Iterable[int], issued_before: datetime | None
) -> dict[int, int]:
    """Sum the draws of issued statements, optionally of those issued before a time."""
    package_ids = list(package_ids)
    consumed = dict.fromkeys(package_ids, 0)
    if not package_ids:
        return consumed
    query = (
        sa.select(PackageDraw.package_id, sa.func.sum(PackageDraw.minutes))
        .join(Statement, PackageDraw.statement_id == Statement.id)
        .where(
            PackageDraw.package_id.in_(package_ids),
            Statement.status == StatementStatus.ISSUED,
        )
        .group_by(PackageDraw.package_id)
    )
    if issued_before is not None:
        query = query.where(Statement.issued_at < issued_before)
    for package_id, minutes in db.session.execute(query):
        consumed[package_id] = int(minutes)
    return consumed


# Alert levels


def alert_level(consumed: int, bought: int) -> int:
    """Return the highest alert threshold (75, 90, 100) consumed has reached, else 0."""
    if bought <= 0:
        return 0
    reached = [
        threshold
        for threshold in rules.ALERT_THRESHOLDS
        if consumed * 100 >= threshold * bought
    ]
    return max(reached, default=0)


def percent_used(consumed: int, bought: int) -> int:
    """Return the whole percentage used, rounded down so 99.9 % never shows as 100."""
    if bought <= 0:
        return 0
    return consumed * 100 // bought


# Balances at a date


@dataclass(frozen=True)
class PackageBalance:
    """One package's minutes as of a date.

    consumed counts the draws of statements issued up to that date and still
    in force; remaining = bought - consumed, forfeited included. forfeited is
    what an expired package has left, which no later work can use. pending is
    what the approved work not yet billed would draw from it.
    """

    package: PrepaidPackage
    bought: int
    consumed: int
    remaining: int
    forfeited: int
    pending: int
    is_expired: bool

    @property
    def percent_used(self) -> int:
        return percent_used(self.consumed, self.bought)

    @property
    def alert_level(self) -> int:
        return alert_level(self.consumed, self.bought)


@dataclass(frozen=True)
class ContractBalance:
    """A prepaid contract's packages as of a date, with their totals.

    active_bought and active_consumed cover the packages in force on the
    date: bought and not expired. The gauge and its alert use them, so an
    old package used up long ago does not keep the contract in alert.
    pending_overage is the approved, unbilled time that no package covers.
    """

    contract: Contract
    as_of: date
    packages: tuple[PackageBalance, ...]
    pending_overage: int

    @property
    def bought(self) -> int:
        return sum(balance.bought for balance in self.packages)

    @property
    def consumed(self) -> int:
        return sum(balance.consumed for balance in self.packages)

    @property
    def remaining(self) -> int:
        return sum(balance.remaining for balance in self.packages)

    @property
    def forfeited(self) -> int:
        return sum(balance.forfeited for balance in self.packages)

    @property
    def pending(self) -> int:
        return sum(balance.pending for balance in self.packages)

    @property
    def active(self) -> tuple[PackageBalance, ...]:
        return tuple(balance for balance in self.packages if not balance.is_expired)

    @property
    def active_bought(self) -> int:
        return sum(balance.bought for balance in self.active)

    @property
    def active_consumed(self) -> int:
        return sum(balance.consumed for balance in self.active)

    @property
    def active_remaining(self) -> int:
        return self.active_bought - self.active_consumed

    @property
    def percent_used(self) -> int:
        return percent_used(self.active_consumed, self.active_bought)

    @property
    def alert_level(self) -> int:
        return alert_level(self.active_consumed, self.active_bought)


def prepaid_contracts(customer_id: int | None = None) -> list[Contract]:
    """Return the prepaid contracts, of one customer when customer_id is given."""
    query = (
        sa.select(Contract)
        .where(Contract.billing_model == BillingModel.PREPAID)
        .options(selectinload(Contract.customer), selectinload(Contract.packages))
        .order_by(Contract.customer_id, Contract.valid_from, Contract.id)
    )
    if customer_id is not None:
        query = query.where(Contract.customer_id == customer_id)
    return list(db.session.scalars(query))


def contract_balance(contract: Contract, as_of: date) -> ContractBalance:
    """Compute the contract's package balances as of the end of day as_of.

    Only packages bought on or before as_of count. The projection of pending
    work runs billing_rules.consume over the approved, billable, unbilled
    entries dated up to as_of, as the next statement would draw them.
    NOTE: for a past date the projection uses the entries unbilled today,
    not those that were unbilled then.
    """
    packages = [
        package for package in contract.packages if package.purchase_date <= as_of
    ]
    consumed = _consumed_minutes(
        (package.id for package in packages), issued_before=end_of_day(as_of)
    )
    projection = rules.consume(
        [_engine_package(package, consumed[package.id]) for package in packages],
        pending_billings(contract, as_of),
        as_of,
    )
    pending = {usage.package_id: usage.consumed for usage in projection.usages}
    balances = tuple(
        _package_balance(package, consumed[package.id], pending[package.id], as_of)
        for package in packages
    )
    return ContractBalance(
        contract=contract,
        as_of=as_of,
        packages=balances,
        pending_overage=projection.overage_minutes,
    )


def _package_balance(
    package: PrepaidPackage, consumed: int, pending: int, as_of: date
) -> PackageBalance:
    remaining = package.minutes_bought - consumed
    is_expired = package.expiry_date < as_of
    return PackageBalance(
        package=package,
        bought=package.minutes_bought,
        consumed=consumed,
        remaining=remaining,
        forfeited=remaining if is_expired else 0,
        pending=pending,
        is_expired=is_expired,
    )


def end_of_day(day: date) -> datetime:
    """Return the UTC-aware instant at which day ends in the company's time zone."""
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def pending_billings(contract: Contract, as_of: date) -> list[rules.EntryBilling]:
    """Return the billed minutes of the contract's approved, unbilled work to as_of."""
    query = (
        sa.select(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .where(
            Ticket.customer_id == contract.customer_id,
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
            TimeEntry.statement_id.is_(None),
            TimeEntry.work_date <= as_of,
        )
        .options(
            selectinload(TimeEntry.ticket).selectinload(Ticket.contract),
            selectinload(TimeEntry.activity_type),
            selectinload(TimeEntry.agent),
        )
    )
    entries = [
        entry for entry in db.session.scalars(query) if _billed_by(entry, contract)
    ]
    billed = billed_minutes_by_entry(entries)
    return [
        rules.EntryBilling(
            entry_id=entry.id,
            ticket_key=entry.ticket.key,
            work_date=entry.work_date,
            raw_minutes=entry.minutes,
            billed_minutes=billed[entry.id],
            is_billable=True,
        )
        for entry in entries
    ]


def _billed_by(entry: TimeEntry, contract: Contract) -> bool:
    billing_contract = entry_contract(entry.ticket, entry.work_date)
    return billing_contract is not None and billing_contract.id == contract.id


# Alerts


def send_package_alerts(contract_ids: Iterable[int]) -> int:
    """Announce the 75, 90 and 100 % thresholds the contracts' packages reached.

    Call it after the statement's commit. Each package announces a threshold
    once: PrepaidPackage.alerted_percent records the highest one sent, and a
    conditional UPDATE claims it, so two statements issued at once cannot
    both send it. When one statement crosses several thresholds, only the
    highest is announced. Accounts users and the customer's portal admins
    get an in-app notification, and an e-mail when mail is configured.
    Returns how many notifications were created. A database error is logged
    and rolled back, since the statement is already committed.
    """
    contract_ids = sorted(set(contract_ids))
    if not contract_ids:
        return 0
    try:
        created = _create_package_alerts(contract_ids)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.error("package alerts for contracts %s failed: %s", contract_ids, error)
        return 0
    notifications.send_queued_emails()
    return created


def _create_package_alerts(contract_ids: Sequence[int]) -> int:
    query = (
        sa.select(PrepaidPackage)
        .where(PrepaidPackage.contract_id.in_(contract_ids))
        .options(selectinload(PrepaidPackage.contract).selectinload(Contract.customer))
        .order_by(PrepaidPackage.id)
    )
    packages = list(db.session.scalars(query))
    consumed = consumed_minutes(package.id for package in packages)

    created = 0
    for package in packages:
        level = alert_level(consumed[package.id], package.minutes_bought)
        if level <= package.alerted_percent or not _claim_alert(package, level):
            continue
        remaining = package.minutes_bought - consumed[package.id]
        for user, audience in _alert_recipients(package.contract):
            payload = _alert_payload(package, level, remaining, audience)
            notifications.notify(user.id, notifications.PACKAGE_ALERT, payload, package)
            created += 1
        logger.info(
            "package %s of contract %s reached %s%%",
            package.id,
            package.contract_id,
            level,
        )
    db.session.flush()
    return created


def _claim_alert(package: PrepaidPackage, level: int) -> bool:
    """Raise the package's alerted_percent to level unless another session did."""
    claim = (
        sa.update(PrepaidPackage)
        .where(
            PrepaidPackage.id == package.id,
            PrepaidPackage.alerted_percent < level,
        )
        .values(alerted_percent=level)
        .execution_options(synchronize_session=False)
    )
    claimed = db.session.execute(claim).rowcount == 1
    db.session.refresh(package, ["alerted_percent"])
    return claimed


def _alert_recipients(contract: Contract) -> list[tuple[User, str]]:
    """Return the active accounts users and the customer's active portal admins."""
    accounts = sa.select(User).where(
        User.role == Role.ACCOUNTS, User.is_active_user.is_(True)
    )
    admins = sa.select(User).where(
        User.role == Role.CUSTOMER,
        User.customer_id == contract.customer_id,
        User.is_customer_admin.is_(True),
        User.is_active_user.is_(True),
    )
    recipients = [
        (user, notifications.AUDIENCE_ACCOUNTS)
        for user in db.session.scalars(accounts.order_by(User.id))
    ]
    recipients += [
        (user, notifications.AUDIENCE_PORTAL)
        for user in db.session.scalars(admins.order_by(User.id))
    ]
    return recipients


def _alert_payload(
    package: PrepaidPackage, level: int, remaining: int, audience: str
) -> dict[str, Any]:
    # No price: the same payload shape goes to the customer's admins.
    payload = {
        "audience": audience,
        "package": package.name,
        "contract": package.contract.name,
        "contract_id": package.contract_id,
        "percent": level,
        "remaining": remaining,
        "bought": package.minutes_bought,
        "expiry_date": package.expiry_date.isoformat(),
    }
    if audience == notifications.AUDIENCE_ACCOUNTS:
        payload["customer"] = package.contract.customer.name
    return payload
