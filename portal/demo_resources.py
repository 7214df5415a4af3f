"""Demo resources: kilometres, call-outs and a few materials on on-site visits.

add_demo_resources() runs after the demo time entries are flushed. It reads
the approved on-site entries of the last two months and logs, for some of
those visits, the kilometres driven and, where the contract charges one, a
call-out, plus a couple of materials, all approved by whoever approved the
visit's time. A fixed random seed and ordered queries make every run on the
same data build the same rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, EntryStatus, ResourceEntry, TimeEntry
from portal.services import billing_terms
from portal.services.billing_rules.lines import ResourceKind

SEED = 20261204
# Only visits dated this many days before today or later get resources.
PERIOD_DAYS = 61
# At most this many visits get kilometres.
MAX_VISITS = 14
# The demo's on-site activity; ActivityType.is_on_site marks others too.
ON_SITE_CODE = "on-site"

ROUTES = [
    ("Sede Brescia - cliente e ritorno", "38.00"),
    ("Sede Brescia - cliente, andata e ritorno", "52.50"),
    ("Sede - cliente e ritorno, deviazione per lavori", "61.00"),
    ("Sede - cliente e ritorno", "24.00"),
    ("Sede Brescia - Torino e ritorno", "236.00"),
]
# (description, quantity, unit price in EUR)
MATERIALS = [
    ("Cavo di rete Cat. 6, 3 m", "2", "4.50"),
    ("Alimentatore di ricambio per switch 8 porte", "1", "27.90"),
]


def add_demo_resources(today: date) -> list[ResourceEntry]:
    """Add approved demo resources to the session, flush them and return them.

    today is the seed's day, as passed to portal.demo.seed_demo. Call it after
    the demo's time entries are flushed: it places the resources on their
    approved on-site visits. The caller commits.
    """
    rng = random.Random(SEED)
    visits = _on_site_visits(today)
    chosen = visits[:: max(1, len(visits) // MAX_VISITS)][:MAX_VISITS]

    resources = []
    for index, visit in enumerate(chosen):
        route, km = rng.choice(ROUTES)
        resources.append(_resource_for(visit, ResourceKind.MILEAGE, km, route))
        if index % 2 == 0 and _charges_call_outs(visit):
            resources.append(_resource_for(visit, ResourceKind.CALL_OUT, "1", ""))
    for visit, (description, quantity, price) in zip(
        chosen[1::5], MATERIALS, strict=False
    ):
        material = _resource_for(visit, ResourceKind.MATERIAL, quantity, description)
        material.unit_price = Decimal(price)
        resources.append(material)

    db.session.add_all(resources)
    db.session.flush()
    return resources


def _on_site_visits(today: date) -> list[TimeEntry]:
    """Return one approved on-site entry per ticket, agent and day, oldest first."""
    query = (
        sa.select(TimeEntry)
        .join(ActivityType, ActivityType.id == TimeEntry.activity_type_id)
        .where(
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
            TimeEntry.work_date >= today - timedelta(days=PERIOD_DAYS),
            sa.or_(
                ActivityType.is_on_site.is_(True), ActivityType.code == ON_SITE_CODE
            ),
        )
        .order_by(TimeEntry.work_date, TimeEntry.id)
    )
    visits: dict[tuple[int, int, date], TimeEntry] = {}
    for entry in db.session.scalars(query):
        visits.setdefault((entry.ticket_id, entry.agent_id, entry.work_date), entry)
    return list(visits.values())


def _charges_call_outs(visit: TimeEntry) -> bool:
    """Tell whether the contract billing the visit has a call-out fee.

    A logged call-out on a contract without a fee blocks the month's
    statement, so the demo logs call-outs only where they can be billed.
    """
    contract = billing_terms.entry_contract(visit.ticket, visit.work_date)
    return contract is not None and contract.call_out_fee is not None


def _resource_for(
    visit: TimeEntry, kind: ResourceKind, quantity: str, description: str
) -> ResourceEntry:
    """Build an approved resource dated and decided like the visit's time entry."""
    return ResourceEntry(
        ticket_id=visit.ticket_id,
        agent_id=visit.agent_id,
        work_date=visit.work_date,
        kind=kind,
        quantity=Decimal(quantity),
        description=description,
        is_billable=True,
        status=EntryStatus.APPROVED,
        created_at=visit.created_at,
        updated_at=visit.decided_at,
        submitted_at=visit.submitted_at,
        decided_by_id=visit.decided_by_id,
        decided_at=visit.decided_at,
    )
