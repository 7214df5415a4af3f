"""The accounts page of a contract's billing terms: saving, checks, audit, locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import BillingModel, Contract, Role
from portal.services.billing_rules import RoundingDirection, RoundingScope
from tests.admin.helpers import field_errors
from tests.terms.conftest import terms_form


def _reload(contract: Contract) -> Contract:
    return db.session.get(Contract, contract.id)


def test_terms_page_shows_stored_terms(client, accountant, contract, terms_url):
    response = client.get(terms_url)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="hourly_rate" required type="text" value="60.00"' in html
    assert '<option selected value="time_and_materials">' in html
    assert "20 min worked → 20 min billed" in html


def test_save_time_and_materials_terms(
    client, accountant, contract, terms_url, audit_rows
):
    response = client.post(
        terms_url,
        data=terms_form(
            hourly_rate="55,00",
            rounding_increment="15",
            rounding_direction="up",
            rounding_scope="per_entry",
            minimum_minutes="30",
            call_out_fee="35",
            rate_per_km="0,45",
            evening_multiplier="1,25",
            saturday_multiplier="1.5",
            holiday_multiplier="2",
        ),
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(terms_url)
    contract = _reload(contract)
    assert contract.hourly_rate == Decimal("55.00")
    assert contract.rounding_increment == 15
    assert contract.rounding_direction == RoundingDirection.UP
    assert contract.rounding_scope == RoundingScope.PER_ENTRY
    assert contract.minimum_minutes == 30
    assert contract.call_out_fee == Decimal("35.00")
    assert contract.rate_per_km == Decimal("0.45")
    assert contract.evening_multiplier == Decimal("1.25")
    assert contract.saturday_multiplier == Decimal("1.50")
    assert contract.holiday_multiplier == Decimal("2.00")
    assert contract.night_multiplier == Decimal("1.00")
    [event] = audit_rows(contract, "billing_terms_updated")
    assert event.actor_id == accountant.id
    assert event.before == {
        "hourly_rate": "60.00",
        "rounding_increment": 1,
        "minimum_minutes": 0,
        "call_out_fee": None,
        "rate_per_km": None,
        "evening_multiplier": "1.00",
        "saturday_multiplier": "1.00",
        "holiday_multiplier": "1.00",
    }
    assert event.after == {
        "hourly_rate": "55.00",
        "rounding_increment": 15,
        "minimum_minutes": 30,
        "call_out_fee": "35.00",
        "rate_per_km": "0.45",
        "evening_multiplier": "1.25",
        "saturday_multiplier": "1.50",
        "holiday_multiplier": "2.00",
    }


def test_saved_rounding_shows_example(client, accountant, contract, terms_url):
    client.post(
        terms_url,
        data=terms_form(rounding_increment="15", minimum_minutes="30"),
    )

    html = client.get(terms_url).get_data(as_text=True)

    assert "20 min worked → 30 min billed" in html
    assert "1 h 1 min worked → 1 h 15 min billed" in html
    assert "bill 1 h when each entry is rounded, and 30 min when" in html


def test_save_monthly_fee_terms(client, accountant, contract, terms_url):
    response = client.post(
        terms_url,
        data=terms_form(
            billing_model="monthly_fee",
            monthly_fee="1.200,00",
            monthly_included_minutes="37:30",
            overage_rate="65",
        ),
    )

    assert response.status_code == 303
    contract = _reload(contract)
    assert contract.billing_model == BillingModel.MONTHLY_FEE
    assert contract.monthly_fee == Decimal("1200.00")
    assert contract.monthly_included_minutes == 37 * 60 + 30
    assert contract.overage_rate == Decimal("65.00")
    html = client.get(terms_url).get_data(as_text=True)
    assert 'name="monthly_included_minutes" type="text" value="37:30"' in html


def test_save_prepaid_terms(client, accountant, contract, terms_url):
    response = client.post(
        terms_url,
        data=terms_form(billing_model="prepaid", overage_rate="70,00"),
    )

    assert response.status_code == 303
    contract = _reload(contract)
    assert contract.billing_model == BillingModel.PREPAID
    assert contract.overage_rate == Decimal("70.00")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("55,00", "55.00"),
        ("55.00", "55.00"),
        ("55", "55.00"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        (" 72,5 ", "72.50"),
        ("0", "0.00"),
    ],
)
def test_amounts_in_either_locale(
    client, accountant, contract, terms_url, typed, stored
):
    response = client.post(terms_url, data=terms_form(hourly_rate=typed))

    assert response.status_code == 303
    assert _reload(contract).hourly_rate == Decimal(stored)


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("40", 2400),
        ("37,5", 2250),
        ("37.5", 2250),
        ("37:30", 2250),
        ("40h", 2400),
        ("40 ore", 2400),
        ("0", 0),
        ("0,33", 20),
    ],
)
def test_included_hours_forms(client, accountant, contract, terms_url, typed, minutes):
    response = client.post(
        terms_url,
        data=terms_form(
            billing_model="monthly_fee",
            monthly_fee="900",
            overage_rate="60",
            monthly_included_minutes=typed,
        ),
    )

    assert response.status_code == 303
    assert _reload(contract).monthly_included_minutes == minutes


def test_values_shown_in_users_language(
    client, login_as, contract, terms_url, make_user
):
    contract.rate_per_km = Decimal("0.45")
    db.session.commit()
    login_as(Role.ACCOUNTS, language="it")

    html = client.get(terms_url).get_data(as_text=True)

    assert 'name="hourly_rate" required type="text" value="60,00"' in html
    assert 'name="rate_per_km" type="text" value="0,45"' in html
    assert 'name="evening_multiplier" required type="text" value="1,00"' in html


# Checks: each case is (changes to the form, field, message shown beside it).
REJECTED = [
    ({"hourly_rate": ""}, "hourly_rate", "Enter the default hourly rate, e.g. 55,00."),
    (
        {"hourly_rate": "sessanta"},
        "hourly_rate",
        "Enter an amount such as 55,00 or 55.00.",
    ),
    ({"hourly_rate": "55,555"}, "hourly_rate", "Enter at most two decimals."),
    (
        {"hourly_rate": "-5"},
        "hourly_rate",
        "Enter an amount from 0 to 9,999,999,999.99 with at most two decimals.",
    ),
    (
        {"hourly_rate": "99999999999"},
        "hourly_rate",
        "Enter an amount from 0 to 9,999,999,999.99 with at most two decimals.",
    ),
    (
        {"call_out_fee": "-1"},
        "call_out_fee",
        "Enter an amount from 0 to 9,999,999,999.99 with at most two decimals.",
    ),
    ({"rate_per_km": "0,455"}, "rate_per_km", "Enter at most two decimals."),
    ({"billing_model": "barter"}, "billing_model", "Choose an option from the list."),
    (
        {"rounding_increment": "7"},
        "rounding_increment",
        "Choose an option from the list.",
    ),
    (
        {"rounding_direction": "sideways"},
        "rounding_direction",
        "Choose an option from the list.",
    ),
    ({"rounding_scope": "weekly"}, "rounding_scope", "Choose an option from the list."),
    (
        {"minimum_minutes": "mezz'ora"},
        "minimum_minutes",
        "Enter a minimum charge from 0 to 480 minutes (8 hours).",
    ),
    (
        {"minimum_minutes": "9h"},
        "minimum_minutes",
        "Enter a minimum charge from 0 to 480 minutes (8 hours).",
    ),
    (
        {"evening_multiplier": "0,5"},
        "evening_multiplier",
        "Enter a multiplier from 1 to 10 with at most two decimals, e.g. 1,50.",
    ),
    (
        {"saturday_multiplier": "11"},
        "saturday_multiplier",
        "Enter a multiplier from 1 to 10 with at most two decimals, e.g. 1,50.",
    ),
    (
        {"night_multiplier": ""},
        "night_multiplier",
        "Enter a multiplier, e.g. 1,00 for none.",
    ),
    (
        {"holiday_multiplier": "doppio"},
        "holiday_multiplier",
        "Enter a multiplier such as 1,50 or 1.50.",
    ),
    ({"valid_from": ""}, "valid_from", "Enter the first day of the contract."),
    (
        {"valid_from": "2026-06-01", "valid_to": "2026-05-31"},
        "valid_to",
        "The end date cannot be before the start date.",
    ),
    (
        {"overage_rate": "65"},
        "overage_rate",
        "Time-and-materials contracts bill every hour at their rates",
    ),
    (
        {"monthly_fee": "900"},
        "monthly_fee",
        "Only monthly-fee contracts have this.",
    ),
    (
        {"monthly_included_minutes": "20"},
        "monthly_included_minutes",
        "Only monthly-fee contracts have this.",
    ),
    (
        {"billing_model": "prepaid"},
        "overage_rate",
        "Enter the hourly rate of the hours beyond the prepaid or included hours",
    ),
    (
        {
            "billing_model": "monthly_fee",
            "monthly_included_minutes": "20",
            "overage_rate": "60",
        },
        "monthly_fee",
        "Enter the monthly fee, e.g. 1.200,00.",
    ),
    (
        {"billing_model": "monthly_fee", "monthly_fee": "900", "overage_rate": "60"},
        "monthly_included_minutes",
        "Enter the hours the fee includes each month",
    ),
    (
        {
            "billing_model": "monthly_fee",
            "monthly_fee": "900",
            "overage_rate": "60",
            "monthly_included_minutes": "venti",
        },
        "monthly_included_minutes",
        "Enter hours such as 40, 37,5 or 37:30.",
    ),
    (
        {
            "billing_model": "monthly_fee",
            "monthly_fee": "900",
            "overage_rate": "60",
            "monthly_included_minutes": "10:75",
        },
        "monthly_included_minutes",
        "Minutes must be from 00 to 59, e.g. 37:30.",
    ),
    (
        {
            "billing_model": "monthly_fee",
            "monthly_fee": "900",
            "overage_rate": "60",
            "monthly_included_minutes": "800",
        },
        "monthly_included_minutes",
        "Enter from 0 to 744 hours, the hours of a 31-day month.",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    REJECTED,
    ids=[f"{case[1]}-{index}" for index, case in enumerate(REJECTED)],
)
def test_rejected_terms(
    client, accountant, contract, terms_url, audit_rows, changes, field, message
):
    response = client.post(terms_url, data=terms_form(**changes))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, field)
    assert message in error
    assert _reload(contract).hourly_rate == Decimal("60.00")
    assert audit_rows(contract) == []


def test_rejected_form_keeps_typed_values(client, accountant, contract, terms_url):
    response = client.post(
        terms_url,
        data=terms_form(
            hourly_rate="72,50",
            rate_per_km="0,455",
            minimum_minutes="45",
            evening_multiplier="1,3",
        ),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="72,50"' in html
    assert 'value="0,455"' in html
    assert 'name="minimum_minutes" type="text" value="45"' in html
    assert 'value="1,3"' in html


def test_every_model_error_shown_at_once(client, accountant, terms_url):
    response = client.post(terms_url, data=terms_form(billing_model="monthly_fee"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "monthly_fee")
    assert field_errors(html, "monthly_included_minutes")
    assert field_errors(html, "overage_rate")


def test_overlapping_period_rejected(client, accountant, customer, contract, terms_url):
    contract.valid_to = date(2025, 12, 31)
    db.session.add(
        Contract(
            customer_id=customer.id,
            name="Rinnovo 2026",
            hourly_rate=Decimal("65.00"),
            valid_from=date(2026, 1, 1),
        )
    )
    db.session.commit()

    response = client.post(
        terms_url, data=terms_form(valid_from="2020-01-01", valid_to="2026-03-31")
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, "valid_from")
    assert "These dates overlap the contract Rinnovo 2026 (from 01/01/2026)." in error
    assert 'value="2026-03-31"' in html
    assert _reload(contract).valid_to == date(2025, 12, 31)


def test_adjacent_period_accepted(client, accountant, customer, contract, terms_url):
    db.session.add(
        Contract(
            customer_id=customer.id,
            name="Rinnovo 2026",
            hourly_rate=Decimal("65.00"),
            valid_from=date(2026, 1, 1),
        )
    )
    db.session.commit()

    response = client.post(
        terms_url, data=terms_form(valid_from="2020-01-01", valid_to="2025-12-31")
    )

    assert response.status_code == 303
    assert _reload(contract).valid_to == date(2025, 12, 31)


def test_other_customers_contracts_do_not_overlap(
    client, accountant, contract, terms_url, make_customer
):
    make_customer(name="Bianchi Spa")

    response = client.post(terms_url, data=terms_form(valid_from="2019-06-01"))

    assert response.status_code == 303
    assert _reload(contract).valid_from == date(2019, 6, 1)


def test_unchanged_terms_write_no_audit(
    client, accountant, contract, terms_url, audit_rows
):
    response = client.post(terms_url, data=terms_form())
    page = client.get(terms_url).get_data(as_text=True)

    assert response.status_code == 303
    assert "Nothing changed in Contratto assistenza." in page
    assert audit_rows(contract) == []


def test_unknown_contract_is_404(client, accountant):
    assert client.get("/accounts/contracts/999999/terms").status_code == 404
    assert client.post("/accounts/contracts/999999/terms").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "rounding_increment=15&rounding_direction=up"
            "&rounding_scope=per_entry&minimum_minutes=30",
            "20 min worked → 30 min billed",
        ),
        (
            "rounding_increment=15&rounding_direction=nearest"
            "&rounding_scope=per_entry&minimum_minutes=0",
            "7 min worked → 0 min billed",
        ),
        (
            "rounding_increment=30&rounding_direction=down"
            "&rounding_scope=per_ticket_day&minimum_minutes=",
            "50 min worked → 30 min billed",
        ),
        (
            "rounding_increment=7&rounding_direction=up"
            "&rounding_scope=per_entry&minimum_minutes=0",
            "Choose a valid rounding rule to see an example.",
        ),
    ],
)
def test_rounding_example_fragment(client, accountant, terms_url, query, expected):
    response = client.get(f"{terms_url}/rounding-example?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert expected in html
    assert "<html" not in html


def test_contract_list_links_to_terms_and_rates(client, accountant, contract):
    html = client.get("/accounts/contracts").get_data(as_text=True)

    assert f"/accounts/contracts/{contract.id}/terms" in html
    assert f"/accounts/contracts/{contract.id}/rates" in html
    assert "Time and materials" in html
