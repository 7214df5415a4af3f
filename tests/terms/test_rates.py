"""Contract rates: adding, the rate in effect today, and deleting only unbilled ones."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, ContractRate, Role, StatementStatus
from tests.admin.helpers import data_values, field_errors
from tests.terms.conftest import rome_today


def _rate_form(activity: ActivityType, **changes: str) -> dict[str, str]:
    form = {
        "activity_type_id": str(activity.id),
        "agent_level": "",
        "hourly_rate": "65,00",
        "effective_from": "2026-01-01",
    }
    return {**form, **changes}


def _add_rate(contract, activity, rate: str, effective_from: date, level: str = ""):
    row = ContractRate(
        contract=contract,
        activity_type=activity,
        agent_level=level,
        hourly_rate=Decimal(rate),
        effective_from=effective_from,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _rates(contract) -> list[ContractRate]:
    query = sa.select(ContractRate).where(ContractRate.contract_id == contract.id)
    return list(db.session.scalars(query.order_by(ContractRate.id)))


def test_add_rate_for_level(
    client, accountant, contract, activity, rates_url, audit_rows
):
    response = client.post(
        rates_url,
        data=_rate_form(activity, agent_level="  Senior ", hourly_rate="75,50"),
    )

    assert response.status_code == 303
    [rate] = _rates(contract)
    assert rate.agent_level == "senior"
    assert rate.hourly_rate == Decimal("75.50")
    assert rate.effective_from == date(2026, 1, 1)
    [event] = audit_rows(contract, "rate_added")
    assert event.actor_id == accountant.id
    assert event.before is None
    assert event.after == {
        "rate_id": rate.id,
        "activity": activity.code,
        "agent_level": "senior",
        "hourly_rate": "75.50",
        "effective_from": "2026-01-01",
    }


def test_add_rate_for_every_level(client, accountant, contract, activity, rates_url):
    response = client.post(rates_url, data=_rate_form(activity, hourly_rate="58.00"))

    assert response.status_code == 303
    [rate] = _rates(contract)
    assert rate.agent_level == ""
    assert rate.hourly_rate == Decimal("58.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"activity_type_id": ""},
            "activity_type_id",
            "Choose an activity from the list.",
        ),
        (
            {"activity_type_id": "999999"},
            "activity_type_id",
            "Choose an activity from the list.",
        ),
        ({"hourly_rate": ""}, "hourly_rate", "Enter the hourly rate, e.g. 65,00."),
        ({"hourly_rate": "tanto"}, "hourly_rate", "Enter an amount such as 55,00"),
        ({"hourly_rate": "65,001"}, "hourly_rate", "Enter at most two decimals."),
        ({"hourly_rate": "-65"}, "hourly_rate", "Enter an amount from 0 to"),
        (
            {"effective_from": ""},
            "effective_from",
            "Enter the first day the rate applies to.",
        ),
        (
            {"agent_level": "x" * 41},
            "agent_level",
            "Enter a level of at most 40 characters.",
        ),
    ],
)
def test_rejected_rate(
    client, accountant, contract, activity, rates_url, changes, field, message
):
    response = client.post(rates_url, data=_rate_form(activity, **changes))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, field)
    assert message in error
    assert _rates(contract) == []


def test_rejected_rate_keeps_typed_values(client, accountant, activity, rates_url):
    response = client.post(
        rates_url,
        data=_rate_form(activity, agent_level="senior", hourly_rate="65,001"),
    )

    html = response.get_data(as_text=True)
    assert 'value="65,001"' in html
    assert 'value="senior"' in html
    assert f'<option selected value="{activity.id}">' in html


def test_duplicate_rate_rejected(client, accountant, contract, activity, rates_url):
    _add_rate(contract, activity, "60.00", date(2026, 1, 1), level="senior")

    response = client.post(rates_url, data=_rate_form(activity, agent_level="Senior"))

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "effective_from") == [
        "This activity and level already have a rate from 01/01/2026. Choose "
        "another date."
    ]
    assert len(_rates(contract)) == 1


def test_rate_after_contract_end_rejected(
    client, accountant, contract, activity, rates_url
):
    contract.valid_to = date(2025, 12, 31)
    db.session.commit()

    response = client.post(rates_url, data=_rate_form(activity))

    assert response.status_code == 422
    [error] = field_errors(response.get_data(as_text=True), "effective_from")
    assert "The contract ends on 31/12/2025" in error


def test_backdated_rate_rejected_after_issued_statement(
    client, accountant, customer, contract, activity, rates_url, make_statement
):
    make_statement(customer, date(2026, 1, 1), date(2026, 1, 31))

    inside = client.post(
        rates_url, data=_rate_form(activity, effective_from="2026-01-31")
    )
    after = client.post(
        rates_url, data=_rate_form(activity, effective_from="2026-02-01")
    )

    assert inside.status_code == 422
    [error] = field_errors(inside.get_data(as_text=True), "effective_from")
    assert "The issued statement 2026/0001 already bills work up to 31/01/2026" in error
    assert after.status_code == 303
    assert [rate.effective_from for rate in _rates(contract)] == [date(2026, 2, 1)]


def test_rates_page_marks_rate_in_effect_today(
    client, accountant, contract, activity, rates_url
):
    today = rome_today()
    old = _add_rate(contract, activity, "55.00", date(2020, 1, 1))
    current = _add_rate(contract, activity, "58.00", date(2021, 1, 1))
    future = _add_rate(contract, activity, "61.00", today + timedelta(days=30))
    senior = _add_rate(contract, activity, "70.00", date(2020, 1, 1), "senior")

    html = client.get(rates_url).get_data(as_text=True)

    states = dict(
        zip(data_values(html, "rate"), data_values(html, "state"), strict=True)
    )
    assert states == {
        str(old.id): "superseded",
        str(current.id): "in_effect",
        str(future.id): "scheduled",
        str(senior.id): "in_effect",
    }
    assert "€70.00" in html
    assert "Not yet in effect" in html


def test_levels_in_use_offered(
    client, accountant, contract, activity, rates_url, make_user
):
    agent = make_user(Role.AGENT)
    agent.level = "senior"
    _add_rate(contract, activity, "50.00", date(2020, 1, 1), "junior")

    html = client.get(rates_url).get_data(as_text=True)

    assert '<option value="junior"><option value="senior">' in html


def test_delete_rate_without_statements(
    client, accountant, contract, activity, rates_url, audit_rows
):
    rate = _add_rate(contract, activity, "58.00", date(2026, 3, 1), "senior")
    rate_id = rate.id

    response = client.post(f"{rates_url}/{rate_id}/delete")

    assert response.status_code == 303
    assert _rates(contract) == []
    [event] = audit_rows(contract, "rate_deleted")
    assert event.actor_id == accountant.id
    assert event.before == {
        "rate_id": rate_id,
        "activity": activity.code,
        "agent_level": "senior",
        "hourly_rate": "58.00",
        "effective_from": "2026-03-01",
    }
    assert event.after is None


def test_delete_refused_after_issued_statement(
    client,
    accountant,
    customer,
    contract,
    activity,
    rates_url,
    audit_rows,
    make_statement,
):
    rate = _add_rate(contract, activity, "58.00", date(2026, 3, 1))
    make_statement(customer, date(2026, 3, 1), date(2026, 3, 31))

    response = client.post(f"{rates_url}/{rate.id}/delete")

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This rate cannot be deleted: the issued statement 2026/0001" in html
    assert "covers work up to 31/03/2026" in html
    assert len(_rates(contract)) == 1
    assert audit_rows(contract, "rate_deleted") == []


def test_rates_page_shows_locked_rate(
    client, accountant, customer, contract, activity, rates_url, make_statement
):
    rate = _add_rate(contract, activity, "58.00", date(2026, 3, 1))
    make_statement(customer, date(2026, 3, 1), date(2026, 3, 31))

    html = client.get(rates_url).get_data(as_text=True)

    assert "Kept: statement 2026/0001 covers this date" in html
    assert f"/rates/{rate.id}/delete" not in html


@pytest.mark.parametrize(
    ("period_end", "status"),
    [
        # The statement ends the day before the rate takes effect.
        (date(2026, 2, 28), StatementStatus.ISSUED),
        # A void statement no longer bills anything.
        (date(2026, 3, 31), StatementStatus.VOID),
    ],
)
def test_delete_allowed_when_no_issued_statement_covers_it(
    client,
    accountant,
    customer,
    contract,
    activity,
    rates_url,
    make_statement,
    period_end,
    status,
):
    rate = _add_rate(contract, activity, "58.00", date(2026, 3, 1))
    make_statement(customer, period_end.replace(day=1), period_end, status=status)

    response = client.post(f"{rates_url}/{rate.id}/delete")

    assert response.status_code == 303
    assert _rates(contract) == []


def test_other_customers_statement_does_not_lock(
    client, accountant, contract, activity, rates_url, make_statement, make_customer
):
    rate = _add_rate(contract, activity, "58.00", date(2026, 3, 1))
    make_statement(
        make_customer(name="Bianchi Spa"), date(2026, 3, 1), date(2026, 3, 31)
    )

    response = client.post(f"{rates_url}/{rate.id}/delete")

    assert response.status_code == 303


def test_delete_rate_of_other_contract_is_404(
    client, accountant, contract, activity, make_customer
):
    other = make_customer(name="Bianchi Spa").contracts[0]
    rate = _add_rate(other, activity, "58.00", date(2026, 3, 1))

    response = client.post(f"/accounts/contracts/{contract.id}/rates/{rate.id}/delete")

    assert response.status_code == 404
    assert len(_rates(other)) == 1
