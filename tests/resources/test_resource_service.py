"""The resource service: parsing, validation, changes, submission, closed months."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, ClosedMonth, EntryStatus, ResourceEntry
from portal.services import resources as service
from portal.services.billing_rules.lines import ResourceKind
from portal.services.entries import EntryDataError
from portal.services.month_close import ClosedMonthError
from portal.services.resources import (
    DecimalInputError,
    ResourceData,
    parse_decimal_input,
)
from tests.resources.conftest import WORK_DAY


@pytest.fixture(autouse=True)
def _request(app):
    # The service translates its messages, which needs a request's locale.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def km(quantity: str = "12.5", **overrides) -> ResourceData:
    values = {
        "kind": ResourceKind.MILEAGE,
        "quantity": Decimal(quantity),
        "work_date": WORK_DAY,
        "description": "Milano - Brescia",
    }
    values.update(overrides)
    return ResourceData(**values)


def material(**overrides) -> ResourceData:
    values = {
        "kind": ResourceKind.MATERIAL,
        "quantity": Decimal("2"),
        "work_date": WORK_DAY,
        "description": "Cavo di rete Cat. 6",
        "unit_price": Decimal("4.50"),
    }
    values.update(overrides)
    return ResourceData(**values)


def events(resource_id: int) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(
        AuditEvent.object_type == "resource_entries",
        AuditEvent.object_id == resource_id,
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


# --- Parsing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        (" 3 ", Decimal("3")),
        ("0,75", Decimal("0.75")),
        ("1 250,40", Decimal("1250.40")),
        ("7.", Decimal("7")),
    ],
)
def test_parse_decimal_accepts(text, expected):
    assert parse_decimal_input(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "-1", "1.234,5", "1,2,3", "1e3", "½"])
def test_parse_decimal_rejects(text):
    with pytest.raises(DecimalInputError) as error:
        parse_decimal_input(text)

    assert not error.value.too_many_decimals


@pytest.mark.parametrize("text", ["12,345", "0.001"])
def test_parse_decimal_flags_decimals(text):
    with pytest.raises(DecimalInputError) as error:
        parse_decimal_input(text)

    assert error.value.too_many_decimals


# --- Creating ----------------------------------------------------------------


def test_create_km_draft_audited(agent, ticket):
    resource = service.create_resource(agent, ticket, km(internal_note="Ztl"))
    db.session.commit()

    assert resource.status == EntryStatus.DRAFT
    assert resource.quantity == Decimal("12.50")
    assert resource.unit_price is None
    assert resource.internal_note == "Ztl"
    (event,) = events(resource.id)
    assert event.action == "created"
    assert event.actor_id == agent.id
    assert event.after["quantity"] == "12.50"
    assert event.after["kind"] == "mileage"


def test_create_km_without_route(agent, ticket):
    resource = service.create_resource(agent, ticket, km(description=""))

    assert resource.description == ""


def test_km_ignores_unit_price(agent, ticket):
    resource = service.create_resource(agent, ticket, km(unit_price=Decimal("3")))

    assert resource.unit_price is None


def test_create_material_with_price(agent, ticket):
    resource = service.create_resource(agent, ticket, material())

    assert resource.unit_price == Decimal("4.50")
    assert resource.kind == ResourceKind.MATERIAL


def test_material_price_zero_allowed(agent, ticket):
    resource = service.create_resource(agent, ticket, material(unit_price=Decimal("0")))

    assert resource.unit_price == Decimal("0.00")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (km("0"), "quantity", "The quantity must be greater than zero."),
        (km("-2"), "quantity", "The quantity must be greater than zero."),
        (km("1.234"), "quantity", "Enter the quantity with at most two decimals."),
        (km("10000000000"), "quantity", "The quantity can be at most"),
        (
            km("1.5", kind=ResourceKind.CALL_OUT),
            "quantity",
            "Enter the call-outs as a whole number of visits.",
        ),
        (
            material(description="  "),
            "description",
            "Describe the material, as the customer will see it.",
        ),
        (
            material(unit_price=None),
            "unit_price",
            "Enter the unit price of the material.",
        ),
        (
            material(unit_price=Decimal("-1")),
            "unit_price",
            "The unit price cannot be negative.",
        ),
        (
            material(unit_price=Decimal("1.005")),
            "unit_price",
            "Enter the unit price with at most two decimals.",
        ),
        (
            km(description="x" * 2001),
            "description",
            "The description can be at most 2000 characters long.",
        ),
        (
            km(internal_note="x" * 2001),
            "internal_note",
            "The internal note can be at most 2000 characters long.",
        ),
        (
            km(work_date=datetime.now(UTC).date() + timedelta(days=2)),
            "work_date",
            "The work date cannot be in the future.",
        ),
        (
            km(work_date=date(2026, 1, 4)),
            "work_date",
            "The ticket was opened on",
        ),
    ],
)
def test_create_rejects_invalid(agent, ticket, data, field, message):
    with pytest.raises(EntryDataError) as error:
        service.create_resource(agent, ticket, data)

    assert error.value.field == field
    assert error.value.message.startswith(message)
    assert db.session.scalar(sa.select(sa.func.count(ResourceEntry.id))) == 0


def test_call_out_whole_visits(agent, ticket):
    resource = service.create_resource(
        agent, ticket, km("2", kind=ResourceKind.CALL_OUT, description="")
    )

    assert resource.quantity == Decimal("2.00")


def test_retry_same_token_one_resource(agent, ticket):
    data = km(client_token="a" * 32)

    first, first_repeat = service.create_resource_once(agent, ticket, data)
    db.session.commit()
    second, second_repeat = service.create_resource_once(agent, ticket, data)
    db.session.commit()

    assert first.id == second.id
    assert first_repeat is False
    assert second_repeat is True
    assert db.session.scalar(sa.select(sa.func.count(ResourceEntry.id))) == 1
    assert [event.action for event in events(first.id)] == ["created"]


def test_token_reused_on_other_ticket(agent, ticket, make_ticket, customer):
    other = make_ticket(customer, key="ASS-200")
    service.create_resource(agent, ticket, km(client_token="b" * 32))
    db.session.commit()

    with pytest.raises(DomainError) as error:
        service.create_resource(agent, other, km(client_token="b" * 32))

    assert "another ticket" in error.value.message


def test_token_too_long_rejected(agent, ticket):
    with pytest.raises(DomainError) as error:
        service.create_resource(agent, ticket, km(client_token="c" * 65))

    assert error.value.status == 400


# --- Changing ----------------------------------------------------------------


def test_update_audits_changed_fields(agent, ticket, make_resource):
    resource = make_resource(ticket, agent)

    service.update_resource(
        agent, resource, km("30", description="Milano - Bergamo"), resource.version
    )
    db.session.commit()

    assert resource.quantity == Decimal("30.00")
    (event,) = events(resource.id)
    assert event.action == "updated"
    assert event.before == {"quantity": "12.50", "description": "Milano - Brescia"}
    assert event.after == {"quantity": "30.00", "description": "Milano - Bergamo"}


def test_update_unchanged_writes_nothing(agent, ticket, make_resource):
    resource = make_resource(ticket, agent)

    service.update_resource(agent, resource, km("12.50"))

    assert events(resource.id) == []


def test_update_stale_version(agent, ticket, make_resource):
    resource = make_resource(ticket, agent)

    with pytest.raises(StaleDataError):
        service.update_resource(agent, resource, km("3"), resource.version + 1)


def test_update_by_other_agent_refused(agent, other_agent, ticket, make_resource):
    resource = make_resource(ticket, agent)

    with pytest.raises(DomainError) as error:
        service.update_resource(other_agent, resource, km("3"))

    assert error.value.status == 403


def test_update_approved_refused(agent, lead, ticket, make_resource):
    resource = make_resource(
        ticket, agent, status=EntryStatus.APPROVED, decided_by=lead
    )

    with pytest.raises(DomainError) as error:
        service.update_resource(agent, resource, km("3"))

    assert error.value.message == (
        "This resource has been approved and can no longer be changed."
    )


def test_delete_keeps_audit(agent, ticket, make_resource):
    resource = make_resource(ticket, agent, status=EntryStatus.REJECTED)
    resource_id = resource.id

    service.delete_resource(agent, resource, resource.version)
    db.session.commit()

    assert db.session.get(ResourceEntry, resource_id) is None
    (event,) = events(resource_id)
    assert event.action == "deleted"
    assert event.before["description"] == "Milano - Brescia"
    assert event.after is None


def test_delete_stale_version(agent, ticket, make_resource):
    resource = make_resource(ticket, agent)

    with pytest.raises(StaleDataError):
        service.delete_resource(agent, resource, resource.version + 5)


# --- Submitting --------------------------------------------------------------


def test_submit_audited(agent, ticket, make_resource):
    resource = make_resource(ticket, agent)

    assert service.submit_resources(agent, [resource]) == 1
    db.session.commit()

    assert resource.status == EntryStatus.SUBMITTED
    assert resource.submitted_at is not None
    (event,) = events(resource.id)
    assert event.action == "submitted"
    assert event.after["status"] == "submitted"


def test_submit_twice_refused(agent, ticket, make_resource):
    resource = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)

    with pytest.raises(DomainError) as error:
        service.submit_resources(agent, [resource])

    assert error.value.message == (
        "This resource has already been submitted for approval."
    )


def test_submit_ticket_drafts_own_only(agent, other_agent, ticket, make_resource):
    mine = [make_resource(ticket, agent), make_resource(ticket, agent)]
    submitted = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    theirs = make_resource(ticket, other_agent)

    count = service.submit_ticket_resource_drafts(agent, ticket)
    db.session.commit()

    assert count == 2
    assert {resource.status for resource in mine} == {EntryStatus.SUBMITTED}
    assert submitted.status == EntryStatus.SUBMITTED
    assert theirs.status == EntryStatus.DRAFT


# --- Closed month ------------------------------------------------------------


@pytest.fixture
def closed_november(lead):
    db.session.add(ClosedMonth(month=date(2026, 11, 1), closed_by_id=lead.id))
    db.session.commit()


def test_closed_month_refuses_create(agent, ticket, closed_november):
    with pytest.raises(EntryDataError) as error:
        service.create_resource(agent, ticket, km())

    assert error.value.field == "work_date"
    assert "is closed" in error.value.message
    assert db.session.scalar(sa.select(sa.func.count(ResourceEntry.id))) == 0


def test_closed_month_refuses_moving_in(agent, ticket, make_resource, lead):
    resource = make_resource(ticket, agent, work_date=date(2026, 10, 20))
    db.session.add(ClosedMonth(month=date(2026, 11, 1), closed_by_id=lead.id))
    db.session.commit()

    with pytest.raises(EntryDataError) as error:
        service.update_resource(agent, resource, km(work_date=WORK_DAY))

    assert "is closed" in error.value.message


def test_closed_month_refuses_change(agent, ticket, make_resource, lead):
    resource = make_resource(ticket, agent)
    db.session.add(ClosedMonth(month=date(2026, 11, 1), closed_by_id=lead.id))
    db.session.commit()

    with pytest.raises(EntryDataError):
        service.update_resource(agent, resource, km(work_date=date(2026, 12, 1)))


def test_closed_month_refuses_delete(agent, ticket, make_resource, lead):
    resource = make_resource(ticket, agent)
    db.session.add(ClosedMonth(month=date(2026, 11, 1), closed_by_id=lead.id))
    db.session.commit()

    with pytest.raises(ClosedMonthError):
        service.delete_resource(agent, resource)


def test_closed_month_refuses_submit(agent, ticket, make_resource, lead):
    resource = make_resource(ticket, agent)
    db.session.add(ClosedMonth(month=date(2026, 11, 1), closed_by_id=lead.id))
    db.session.commit()

    with pytest.raises(ClosedMonthError) as error:
        service.submit_resources(agent, [resource])

    assert error.value.status == 409
    assert resource.status == EntryStatus.DRAFT
