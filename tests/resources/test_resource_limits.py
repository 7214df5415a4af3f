"""Per-entry maximums of resource quantities and prices, and negative input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.services import resources as service
from portal.services.billing_rules.lines import ResourceKind
from portal.services.entries import EntryDataError
from portal.services.resources import (
    DecimalInputError,
    ResourceData,
    parse_decimal_input,
)
from tests.resources.conftest import HTMX, WORK_DAY

LOG_URL = "/agent/tickets/ASS-100/resources"


@pytest.fixture
def english_request(app):
    # The service translates its messages, which needs a request's locale.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def resource(kind: ResourceKind, quantity: str, unit_price: str | None = None):
    return ResourceData(
        kind=kind,
        quantity=Decimal(quantity),
        work_date=WORK_DAY,
        description="Cavo di rete Cat. 6",
        unit_price=Decimal(unit_price) if unit_price is not None else None,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            resource(ResourceKind.MILEAGE, "99999999"),
            "quantity",
            "One entry can have at most 5,000 km.",
        ),
        (
            resource(ResourceKind.MILEAGE, "5000.01"),
            "quantity",
            "One entry can have at most 5,000 km.",
        ),
        (
            resource(ResourceKind.CALL_OUT, "11"),
            "quantity",
            "One entry can have at most 10 call-out visits.",
        ),
        (
            resource(ResourceKind.MATERIAL, "100001", "1.00"),
            "quantity",
            "One entry can have at most 100,000 units of material.",
        ),
        (
            resource(ResourceKind.MATERIAL, "1", "1000000.01"),
            "unit_price",
            "The unit price can be at most 1,000,000.",
        ),
    ],
)
def test_create_rejects_above_maximum(
    agent, ticket, english_request, data, field, message
):
    with pytest.raises(EntryDataError) as error:
        service.create_resource(agent, ticket, data)

    assert error.value.field == field
    assert message in error.value.message


@pytest.mark.parametrize(
    "data",
    [
        resource(ResourceKind.MILEAGE, "5000"),
        resource(ResourceKind.CALL_OUT, "10"),
        resource(ResourceKind.MATERIAL, "100000", "1000000"),
    ],
)
def test_create_accepts_maximum(agent, ticket, english_request, data):
    created = service.create_resource(agent, ticket, data)

    assert created.quantity == data.quantity


@pytest.mark.parametrize("text", ["-5", "-2,5", " -0.5 "])
def test_parse_decimal_flags_negative(text):
    with pytest.raises(DecimalInputError) as error:
        parse_decimal_input(text)

    assert error.value.is_negative


def test_parse_decimal_text_not_negative():
    with pytest.raises(DecimalInputError) as error:
        parse_decimal_input("-abc")

    assert not error.value.is_negative


def form(**values) -> dict[str, str]:
    data = {
        "kind": "mileage",
        "quantity": "12,5",
        "unit_price": "",
        "description": "Brescia - Salò",
        "work_date": "2026-11-10",
        "internal_note": "",
    }
    data.update(values)
    return {f"resource-{name}": value for name, value in data.items()}


def field_errors(html: str, field: str) -> str:
    return html.split(f'id="resource-{field}-errors"', 1)[1][:300]


def test_form_negative_quantity_message(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(LOG_URL, data=form(quantity="-5"), headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The quantity must be greater than zero." in field_errors(html, "quantity")
    assert 'value="-5"' in html


def test_form_negative_unit_price_message(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(
        LOG_URL,
        data=form(kind="material", quantity="1", unit_price="-4,50"),
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = field_errors(html, "unit_price")
    assert "The unit price cannot be negative." in errors


def test_form_huge_mileage_beside_field(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(LOG_URL, data=form(quantity="99999999"), headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 5,000 km" in field_errors(html, "quantity")
