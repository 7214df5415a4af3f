"""The demo resources placed on the demo company's on-site visits."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.demo import seed_demo
from portal.extensions import db
from portal.models import EntryStatus, ResourceEntry, TimeEntry
from portal.services.billing_rules.lines import ResourceKind

TODAY = date(2026, 11, 27)


def _seed_with_resources() -> list[tuple]:
    # seed_demo adds the resources itself.
    seed_demo(TODAY)
    db.session.commit()
    resources = db.session.scalars(sa.select(ResourceEntry).order_by(ResourceEntry.id))
    # Keys and e-mails, not ids: PostgreSQL does not reuse ids after a delete.
    return [
        (r.ticket.key, r.agent.email, r.work_date, r.kind, r.quantity, r.description)
        for r in resources
    ]


def _delete_everything() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_demo_resources_of_each_kind():
    _seed_with_resources()

    resources = list(db.session.scalars(sa.select(ResourceEntry)))
    kinds = {resource.kind for resource in resources}
    assert kinds == set(ResourceKind)
    assert len([r for r in resources if r.kind == ResourceKind.MATERIAL]) == 2
    assert len([r for r in resources if r.kind == ResourceKind.MILEAGE]) >= 5


def test_demo_resources_approved_by_another_user():
    _seed_with_resources()

    for resource in db.session.scalars(sa.select(ResourceEntry)):
        assert resource.status == EntryStatus.APPROVED
        assert resource.decided_by_id is not None
        assert resource.decided_by_id != resource.agent_id
        assert TODAY - timedelta(days=61) <= resource.work_date <= TODAY
        if resource.kind == ResourceKind.MATERIAL:
            assert resource.unit_price is not None
        else:
            assert resource.unit_price is None


def test_demo_resources_on_site_visits():
    _seed_with_resources()

    for resource in db.session.scalars(sa.select(ResourceEntry)):
        visit = db.session.scalar(
            sa.select(TimeEntry)
            .where(
                TimeEntry.ticket_id == resource.ticket_id,
                TimeEntry.agent_id == resource.agent_id,
                TimeEntry.work_date == resource.work_date,
                TimeEntry.status == EntryStatus.APPROVED,
            )
            .limit(1)
        )
        assert visit is not None


def test_demo_resources_deterministic():
    first = _seed_with_resources()
    _delete_everything()

    second = _seed_with_resources()

    assert first == second
