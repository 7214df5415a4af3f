"""Table tests of rate selection and after-hours bands."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from portal.services.billing_rules import (
    AfterHoursMultipliers,
    Band,
    BillingRuleError,
    ContractTerms,
    Rate,
    RateCard,
    band_for,
    build_lines,
)

from .support import TUESDAY, flat_terms, is_holiday, make_entry

CARD = RateCard(
    rates=(
        Rate("remote", Decimal("50.00"), date(2026, 1, 1)),
        Rate("remote", Decimal("80.00"), date(2026, 1, 1), agent_level="senior"),
        Rate("onsite", Decimal("70.00"), date(2026, 1, 1)),
        # A price change in the middle of November.
        Rate("onsite", Decimal("75.00"), date(2026, 11, 16)),
    ),
    default_rate=Decimal("40.00"),
)


@pytest.mark.parametrize(
    ("activity", "level", "work_date", "expected"),
    [
        ("remote", "senior", TUESDAY, "80.00"),
        ("remote", "junior", TUESDAY, "50.00"),
        ("remote", None, TUESDAY, "50.00"),
        ("phone", "senior", TUESDAY, "40.00"),
        ("onsite", None, date(2026, 11, 15), "70.00"),
        ("onsite", None, date(2026, 11, 16), "75.00"),
        ("onsite", "senior", date(2026, 11, 30), "75.00"),
        # Before any activity rate takes effect only the default applies.
        ("remote", "senior", date(2025, 12, 31), "40.00"),
    ],
)
def test_rate_for_picks_most_specific(activity, level, work_date, expected):
    assert CARD.rate_for(activity, level, work_date) == Decimal(expected)


def test_level_rate_beats_newer_activity_rate():
    card = RateCard(
        rates=(
            Rate("remote", Decimal("80.00"), date(2026, 1, 1), agent_level="senior"),
            Rate("remote", Decimal("55.00"), date(2026, 6, 1)),
        )
    )

    assert card.rate_for("remote", "senior", date(2026, 7, 1)) == Decimal("80.00")
    assert card.rate_for("remote", "junior", date(2026, 7, 1)) == Decimal("55.00")


def test_level_rate_not_yet_in_effect():
    card = RateCard(
        rates=(
            Rate("remote", Decimal("50.00"), date(2026, 1, 1)),
            Rate("remote", Decimal("80.00"), date(2026, 12, 1), agent_level="senior"),
        )
    )

    assert card.rate_for("remote", "senior", date(2026, 11, 30)) == Decimal("50.00")
    assert card.rate_for("remote", "senior", date(2026, 12, 1)) == Decimal("80.00")


def test_no_rate_raises_billing_rule_error(app):
    card = RateCard(rates=(Rate("remote", Decimal("50.00"), date(2026, 1, 1)),))

    with pytest.raises(BillingRuleError) as caught:
        card.rate_for("remote", None, date(2025, 12, 31))

    assert caught.value.code == BillingRuleError.NO_RATE
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = caught.value.message()
    assert "remote" in message
    assert "31/12/2025" in message


def test_no_rate_for_unlisted_activity_without_default():
    card = RateCard(rates=(Rate("remote", Decimal("50.00"), date(2026, 1, 1)),))

    with pytest.raises(BillingRuleError) as caught:
        card.rate_for("onsite", None, TUESDAY)

    assert caught.value.code == BillingRuleError.NO_RATE


def test_rate_change_mid_month_applies_by_work_date():
    terms = ContractTerms(rate_card=CARD)
    entries = [
        make_entry(1, 60, activity="onsite", day=date(2026, 11, 13)),
        make_entry(2, 60, activity="onsite", day=date(2026, 11, 16)),
        make_entry(3, 60, activity="onsite", day=date(2026, 11, 20)),
    ]

    lines = build_lines(entries, terms).labour_lines

    assert [line.hourly_rate for line in lines] == [Decimal("70.00"), Decimal("75.00")]
    assert [line.entry_ids for line in lines] == [(1,), (2, 3)]
    assert [line.amount for line in lines] == [Decimal("70.00"), Decimal("150.00")]


def test_rate_card_rejects_duplicates():
    rate = Rate("remote", Decimal("50.00"), date(2026, 1, 1))

    with pytest.raises(ValueError, match="two rates for activity remote"):
        RateCard(rates=(rate, rate))


def test_rates_reject_floats_and_negatives():
    with pytest.raises(TypeError, match="must be a Decimal"):
        Rate("remote", 50.0, date(2026, 1, 1))
    with pytest.raises(ValueError, match="zero or more"):
        Rate("remote", Decimal("-1"), date(2026, 1, 1))
    with pytest.raises(TypeError, match="must be a Decimal"):
        RateCard(default_rate=40.5)


MULTIPLIERS = AfterHoursMultipliers(
    evening=Decimal("1.25"),
    night=Decimal("1.5"),
    saturday=Decimal("1.5"),
    sunday=Decimal("2.0"),
    holiday=Decimal("2.0"),
)
SATURDAY = date(2026, 11, 7)
SUNDAY = date(2026, 11, 8)
EASTER_MONDAY = date(2026, 4, 6)
ALL_SAINTS_SUNDAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("work_date", "start", "expected"),
    [
        (TUESDAY, time(9, 0), Band.NORMAL),
        (TUESDAY, time(17, 59), Band.NORMAL),
        (TUESDAY, time(18, 0), Band.EVENING),
        (TUESDAY, time(21, 59), Band.EVENING),
        (TUESDAY, time(22, 0), Band.NIGHT),
        (TUESDAY, time(0, 0), Band.NIGHT),
        (TUESDAY, time(5, 59), Band.NIGHT),
        (TUESDAY, time(6, 0), Band.NORMAL),
        (TUESDAY, None, Band.NORMAL),
        (SATURDAY, time(10, 0), Band.SATURDAY),
        (SATURDAY, time(23, 0), Band.SATURDAY),
        (SATURDAY, None, Band.SATURDAY),
        (SUNDAY, time(19, 0), Band.SUNDAY),
        (SUNDAY, None, Band.SUNDAY),
        (EASTER_MONDAY, time(10, 0), Band.HOLIDAY),
        (EASTER_MONDAY, time(23, 0), Band.HOLIDAY),
        (EASTER_MONDAY, None, Band.HOLIDAY),
        (ALL_SAINTS_SUNDAY, time(10, 0), Band.HOLIDAY),
        (ALL_SAINTS_SUNDAY, None, Band.HOLIDAY),
    ],
)
def test_band_for(work_date, start, expected):
    assert band_for(work_date, start, MULTIPLIERS, is_holiday) == expected


def no_holidays(day: date) -> bool:
    return False


def test_easter_monday_comes_from_the_calendar():
    band = band_for(EASTER_MONDAY, time(10, 0), MULTIPLIERS, no_holidays)

    assert band == Band.NORMAL


@pytest.mark.parametrize(
    ("work_date", "start", "expected_amount"),
    [
        (TUESDAY, time(9, 0), "60.00"),
        (TUESDAY, time(18, 30), "75.00"),
        (TUESDAY, time(23, 0), "90.00"),
        (SATURDAY, time(9, 0), "90.00"),
        (SUNDAY, time(9, 0), "120.00"),
        (EASTER_MONDAY, time(9, 0), "120.00"),
        (ALL_SAINTS_SUNDAY, None, "120.00"),
    ],
)
def test_multiplier_prices_one_hour(work_date, start, expected_amount):
    terms = flat_terms("60.00", after_hours=MULTIPLIERS)
    entry = make_entry(1, 60, day=work_date, start=start)

    line = build_lines([entry], terms, is_holiday=is_holiday).labour_lines[0]

    assert line.amount == Decimal(expected_amount)
    assert line.multiplier == MULTIPLIERS.factor(line.bands[0])


def test_bands_with_equal_factor_share_a_line():
    # Night and Saturday both cost 1.5, so their entries form one line.
    terms = flat_terms("60.00", after_hours=MULTIPLIERS)
    entries = [
        make_entry(1, 30, start=time(23, 0)),
        make_entry(2, 30, day=SATURDAY, start=time(9, 0)),
    ]

    lines = build_lines(entries, terms, is_holiday=is_holiday).labour_lines

    assert len(lines) == 1
    assert lines[0].bands == (Band.SATURDAY, Band.NIGHT)
    assert lines[0].amount == Decimal("90.00")


def test_holiday_factor_needs_a_calendar():
    terms = flat_terms(after_hours=MULTIPLIERS)

    with pytest.raises(BillingRuleError) as caught:
        build_lines([make_entry(1, 60)], terms)

    assert caught.value.code == BillingRuleError.NO_HOLIDAY_CALENDAR


def test_no_holiday_factor_needs_no_calendar():
    terms = flat_terms(after_hours=AfterHoursMultipliers(sunday=Decimal("2")))

    draft = build_lines([make_entry(1, 60, day=SUNDAY)], terms)

    assert draft.total_amount == Decimal("120.00")


def test_multipliers_reject_bad_bounds_and_factors():
    with pytest.raises(ValueError, match="night_until <= evening_from"):
        AfterHoursMultipliers(evening_from=time(23, 0), night_from=time(22, 0))
    with pytest.raises(ValueError, match="greater than zero"):
        AfterHoursMultipliers(night=Decimal(0))
    with pytest.raises(TypeError, match="must be a Decimal"):
        AfterHoursMultipliers(sunday=2.0)
