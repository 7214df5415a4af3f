"""The terms service without the web layer: checks, rounding examples, parsing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.accounts.contract_forms import format_plain_decimal, parse_included_hours
from portal.extensions import db
from portal.models import BillingModel, ContractRate, Role
from portal.services import billing_rules as rules
from portal.services.admin import AdminFieldError
from portal.services.contract_terms_admin import (
    RateData,
    TermsData,
    TermsError,
    add_rate,
    levels_in_use,
    normalise_level,
    rounding_examples,
    split_example,
    terms_errors,
    update_terms,
)


def _terms(**changes) -> TermsData:
    values = {
        "billing_model": BillingModel.TIME_AND_MATERIALS,
        "hourly_rate": Decimal("60.00"),
        "valid_from": date(2020, 1, 1),
    }
    return TermsData(**{**values, **changes})


def test_valid_terms_have_no_errors(in_request):
    assert terms_errors(_terms()) == {}


def test_monthly_fee_needs_its_three_values(in_request):
    errors = terms_errors(_terms(billing_model=BillingModel.MONTHLY_FEE))

    assert set(errors) == {"monthly_fee", "monthly_included_minutes", "overage_rate"}


def test_zero_included_hours_allowed(in_request):
    terms = _terms(
        billing_model=BillingModel.MONTHLY_FEE,
        monthly_fee=Decimal("500.00"),
        monthly_included_minutes=0,
        overage_rate=Decimal("0.00"),
    )

    assert terms_errors(terms) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hourly_rate": Decimal("60.001")}, "hourly_rate"),
        ({"rounding_increment": 7}, "rounding_increment"),
        ({"minimum_minutes": -1}, "minimum_minutes"),
        ({"minimum_minutes": 481}, "minimum_minutes"),
        ({"evening_multiplier": Decimal("0.99")}, "evening_multiplier"),
        ({"sunday_multiplier": Decimal("10.01")}, "sunday_multiplier"),
        ({"holiday_multiplier": Decimal("1.505")}, "holiday_multiplier"),
        ({"valid_to": date(2019, 12, 31)}, "valid_to"),
        ({"rate_per_km": Decimal("-0.01")}, "rate_per_km"),
        ({"overage_rate": Decimal("60.00")}, "overage_rate"),
    ],
)
def test_rule_breaks_reported_on_field(in_request, changes, field):
    assert field in terms_errors(_terms(**changes))


def test_update_rejects_without_change(in_request, contract, make_user):
    actor = make_user(Role.ACCOUNTS)

    with pytest.raises(TermsError) as raised:
        update_terms(actor, contract, _terms(rounding_increment=7))

    assert raised.value.status == 422
    assert "rounding_increment" in raised.value.errors
    assert contract.rounding_increment == 1


def test_update_stores_two_places(in_request, contract, make_user):
    actor = make_user(Role.ACCOUNTS)

    changed = update_terms(actor, contract, _terms(evening_multiplier=Decimal("1.5")))

    assert changed is True
    assert str(contract.evening_multiplier) == "1.50"


def test_add_rate_rejects_unknown_activity(in_request, contract, make_user):
    data = RateData(
        activity_type_id=999999,
        hourly_rate=Decimal("60.00"),
        effective_from=date(2026, 1, 1),
    )

    with pytest.raises(AdminFieldError) as raised:
        add_rate(make_user(Role.ACCOUNTS), contract, data)

    assert raised.value.field == "activity_type_id"


@pytest.mark.parametrize(
    ("increment", "direction", "minimum", "expected"),
    [
        (15, "up", 30, [(7, 30), (20, 30), (50, 60), (61, 75)]),
        (15, "nearest", 0, [(7, 0), (20, 15), (50, 45), (61, 60)]),
        (6, "up", 0, [(7, 12), (20, 24), (50, 54), (61, 66)]),
        (30, "down", 0, [(7, 0), (20, 0), (50, 30), (61, 60)]),
        (1, "up", 0, [(7, 7), (20, 20), (50, 50), (61, 61)]),
    ],
)
def test_rounding_examples_follow_engine(increment, direction, minimum, expected):
    rule = rules.RoundingRule(
        increment_minutes=increment, direction=direction, minimum_minutes=minimum
    )

    examples = rounding_examples(rule)

    assert [(item.worked, item.billed) for item in examples] == expected


def test_split_example_compares_scopes():
    rule = rules.RoundingRule(increment_minutes=15, minimum_minutes=30)

    example = split_example(rule)

    assert example.entry_minutes == 10
    assert example.per_entry == 60
    assert example.per_ticket_day == 30


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("40", 2400),
        ("37,5", 2250),
        ("37.5", 2250),
        ("37:30", 2250),
        ("0:45", 45),
        ("40h", 2400),
        ("40 H", 2400),
        ("12 ore", 720),
        ("0,01", 1),
    ],
)
def test_parse_included_hours(text, minutes):
    assert parse_included_hours(text) == minutes


@pytest.mark.parametrize("text", ["", "venti", "1:5", "10:60", "-5", "1,234", "40m"])
def test_parse_included_hours_rejects(in_request, text):
    with pytest.raises(ValueError):
        parse_included_hours(text)


@pytest.mark.parametrize(
    ("language", "expected"), [("it", "1234,50"), ("en", "1234.50")]
)
def test_plain_decimal_has_no_grouping(language, expected):
    assert format_plain_decimal(Decimal("1234.5"), language) == expected


def test_normalise_level():
    assert normalise_level("  Senior   Engineer ") == "senior engineer"
    assert normalise_level(None) == ""


def test_levels_in_use_from_users_and_rates(contract, activity, make_user):
    make_user(Role.AGENT).level = "senior"
    make_user(Role.AGENT).level = ""
    db.session.add(
        ContractRate(
            contract=contract,
            activity_type=activity,
            agent_level="junior",
            hourly_rate=Decimal("50.00"),
            effective_from=date(2026, 1, 1),
        )
    )
    db.session.commit()

    assert levels_in_use() == ["junior", "senior"]
