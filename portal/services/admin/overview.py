"""Counts for the admin overview page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, Team, User


@dataclass(frozen=True)
class OverviewCounts:
    active_users: int
    teams: int
    customers: int


def count_overview() -> OverviewCounts:
    """Count active users, teams and customers in one round trip."""
    query = sa.select(
        sa.select(sa.func.count(User.id))
        .where(User.is_active_user.is_(True))
        .scalar_subquery(),
        sa.select(sa.func.count(Team.id)).scalar_subquery(),
        sa.select(sa.func.count(Customer.id)).scalar_subquery(),
    )
    active_users, teams, customers = db.session.execute(query).one()
    return OverviewCounts(active_users=active_users, teams=teams, customers=customers)
