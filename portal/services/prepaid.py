"""Prepaid hour packages: what each has paid, as the billing engine needs it.

A package's consumption is the sum of its draws on statements that are not
void, so a voided statement gives its minutes back by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Contract,
    PackageDraw,
    PrepaidPackage,
    Statement,
    StatementStatus,
)
from portal.services import billing_rules as rules

logger = logging.getLogger(__name__)


def consumed_minutes(package_ids: Iterable[int]) -> dict[int, int]:
    """Return the minutes each package has paid on statements still in force."""
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
    for package_id, minutes in db.session.execute(query):
        consumed[package_id] = int(minutes)
    return consumed


def engine_packages(contract: Contract) -> list[rules.PrepaidPackage]:
    """Return the contract's packages with what they have paid so far."""
    packages: list[PrepaidPackage] = list(contract.packages)
    consumed = consumed_minutes(package.id for package in packages)
    return [
        rules.PrepaidPackage(
            id=package.id,
            minutes_bought=package.minutes_bought,
            purchase_date=package.purchase_date,
            expiry_date=package.expiry_date,
            price=package.price,
            consumed_minutes=consumed[package.id],
        )
        for package in packages
    ]


def send_package_alerts(contract_ids: Iterable[int]) -> None:
    """Announce the 75, 90 and 100 % thresholds the contracts' packages reached.

    TODO: notify accounts and the customer's admins, once per threshold.
    """
    logger.debug("package alerts requested for contracts %s", list(contract_ids))
