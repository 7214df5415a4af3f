"""SLA evidence of a month and of one ticket, on the hand-made December 2026 tickets."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import ContractSlaTarget, TicketPriority
from portal.services.sla import SlaStatus
from portal.services.sla_evidence import (
    ExclusionReason,
    SlaCalendarError,
    contract_calendar,
    evaluate_ticket_sla,
    format_percentage,
    month_bounds,
    monthly_evidence,
)
from tests.portal_sla.conftest import NOW, rome

DECEMBER = date(2026, 12, 1)


@pytest.fixture
def evidence(sla_world):
    return monthly_evidence(sla_world.customer_a, DECEMBER, now=NOW)


def _compliance(evidence, priority: str):
    (contract_evidence,) = evidence.contracts
    return contract_evidence.compliance[priority]


def test_month_counts_tickets_opened_in_rome_month(evidence):
    keys = {
        ticket_sla.ticket.key for c in evidence.contracts for ticket_sla in c.tickets
    }
    excluded = {ticket_sla.ticket.key for ticket_sla in evidence.excluded}

    assert "ALFA-NORM-3" in keys  # 30 Nov 23:30 UTC is 1 Dec in Rome
    assert "ALFA-NOV-1" not in keys | excluded
    assert excluded == {"ALFA-LOW-1"}
    assert evidence.ticket_count == 8


def test_month_bounds_follow_company_zone(app):
    start, end = month_bounds(DECEMBER)

    assert start == rome(2026, 12, 1)
    assert end == rome(2027, 1, 1)


@pytest.mark.parametrize(
    ("priority", "response", "resolution"),
    [
        ("urgent", (2, 0, 0, "100.0"), (2, 0, 0, "100.0")),
        ("high", (1, 1, 0, "50.0"), (1, 1, 0, "50.0")),
        ("normal", (1, 1, 1, "50.0"), (1, 0, 2, "100.0")),
    ],
    ids=["urgent", "high", "normal"],
)
def test_compliance_per_priority(evidence, priority, response, resolution):
    figures = _compliance(evidence, priority)

    for clock, expected in (
        (figures.first_response, response),
        (figures.resolution, resolution),
    ):
        met, breached, running, percentage = expected
        assert clock.met == met
        assert clock.breached == breached
        assert clock.running == running
        assert clock.percentage == Decimal(percentage)


def test_priorities_without_target_not_in_compliance(evidence):
    (contract_evidence,) = evidence.contracts

    assert list(contract_evidence.compliance) == ["urgent", "high", "normal"]
    assert evidence.excluded[0].exclusion == ExclusionReason.NO_TARGET


def test_breached_tickets_listed(evidence):
    (contract_evidence,) = evidence.contracts
    breached = {item.ticket.key: item.result for item in contract_evidence.breached}

    assert set(breached) == {"ALFA-HIGH-1", "ALFA-NORM-1"}
    assert evidence.breached_count == 2
    high = breached["ALFA-HIGH-1"]
    assert high.first_response.elapsed_minutes == 270
    assert high.first_response.due_at == rome(2026, 12, 10, 15)
    assert high.resolution.elapsed_minutes == 1080
    assert high.resolution.due_at == rome(2026, 12, 14, 10)


def test_weekend_not_counted(sla_world):
    result = evaluate_ticket_sla(sla_world.tickets["URG-1"], NOW).result

    assert result.first_response.elapsed_minutes == 50
    assert result.first_response.status == SlaStatus.MET
    assert result.resolution.elapsed_minutes == 390


def test_holiday_not_counted(sla_world):
    result = evaluate_ticket_sla(sla_world.tickets["URG-2"], NOW).result

    # Tuesday 8 December is the Immacolata, so the 480 minutes end on Wednesday.
    assert result.resolution.due_at == rome(2026, 12, 9, 16)
    assert result.resolution.elapsed_minutes == 450
    assert result.resolution.status == SlaStatus.MET


def test_open_ticket_running_with_time_left(sla_world):
    result = evaluate_ticket_sla(sla_world.tickets["NORM-2"], NOW).result

    assert result.first_response.status == SlaStatus.RUNNING
    assert result.first_response.minutes_left == 360
    assert result.first_response.due_at == rome(2026, 12, 16, 10)


def test_open_ticket_past_due_is_breached(sla_world):
    result = evaluate_ticket_sla(sla_world.tickets["NORM-1"], NOW).result

    assert result.first_response.status == SlaStatus.RUNNING_BREACHED
    assert result.first_response.elapsed_minutes == 660
    assert result.resolution.status == SlaStatus.RUNNING
    assert result.resolution.minutes_left == 1740


def test_other_customer_not_in_figures(sla_world):
    evidence = monthly_evidence(sla_world.customer_b, DECEMBER, now=NOW)
    (contract_evidence,) = evidence.contracts

    assert [item.ticket.key for item in contract_evidence.tickets] == ["BETAKEY-901"]
    assert contract_evidence.compliance["urgent"].first_response.breached == 1
    assert contract_evidence.compliance["high"].first_response.decided == 0


def test_calendar_hours_contract(sla_world, make_sla_ticket):
    contract = sla_world.customer_a.contracts[0]
    contract.sla_business_hours = False
    db.session.commit()
    # Saturday 12 December, 10:00: calendar time counts the weekend.
    ticket = make_sla_ticket(
        sla_world.customer_a,
        "ALFA-SAT",
        TicketPriority.URGENT,
        rome(2026, 12, 12, 10),
        rome(2026, 12, 12, 10, 50),
        rome(2026, 12, 12, 19),
    )

    result = evaluate_ticket_sla(ticket, NOW).result

    assert result.business_hours is False
    assert result.first_response.elapsed_minutes == 50
    assert result.first_response.status == SlaStatus.MET
    assert result.resolution.elapsed_minutes == 540
    assert result.resolution.status == SlaStatus.BREACHED


def test_ticket_without_contract_excluded(sla_world, make_sla_ticket):
    contract = sla_world.customer_a.contracts[0]
    ticket = make_sla_ticket(
        sla_world.customer_a, "ALFA-OLD", TicketPriority.HIGH, rome(2019, 5, 6, 10)
    )
    ticket.contract = None
    db.session.commit()
    assert contract.valid_from > date(2019, 5, 6)

    ticket_sla = evaluate_ticket_sla(ticket, NOW)

    assert ticket_sla.result is None
    assert ticket_sla.exclusion == ExclusionReason.NO_CONTRACT


def test_inconsistent_times_excluded(sla_world, make_sla_ticket):
    ticket = make_sla_ticket(
        sla_world.customer_a,
        "ALFA-BAD",
        TicketPriority.HIGH,
        rome(2026, 12, 3, 10),
        resolved_at=rome(2026, 12, 2, 10),
    )

    ticket_sla = evaluate_ticket_sla(ticket, NOW)

    assert ticket_sla.exclusion == ExclusionReason.INVALID_TIMES


def test_contract_calendar_reads_columns(sla_world):
    contract = sla_world.customer_a.contracts[0]
    contract.sla_working_days = "1,2,3,4,5,6"
    contract.sla_working_hours = "08:00-12:00,13:00-24:00"
    contract.sla_timezone = "Europe/London"

    calendar = contract_calendar(contract)

    assert calendar.working_weekdays == frozenset(range(6))
    assert calendar.working_intervals == ((time(8), time(12)), (time(13), time(0)))
    assert calendar.timezone == "Europe/London"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sla_working_days", "1,2,9"),
        ("sla_working_hours", "18:00-09:00"),
        ("sla_timezone", "Mars/Olympus"),
    ],
)
def test_invalid_calendar_raises(sla_world, column, value):
    contract = sla_world.customer_a.contracts[0]
    setattr(contract, column, value)

    with pytest.raises(SlaCalendarError) as raised:
        contract_calendar(contract)

    assert raised.value.status == 500
    assert contract.name in raised.value.message


def test_priority_without_target_row(sla_world):
    contract = sla_world.customer_a.contracts[0]
    db.session.execute(
        ContractSlaTarget.__table__.delete().where(
            ContractSlaTarget.contract_id == contract.id
        )
    )
    db.session.commit()
    db.session.expire_all()

    ticket_sla = evaluate_ticket_sla(sla_world.tickets["HIGH-1"], NOW)

    assert ticket_sla.exclusion == ExclusionReason.NO_TARGET


@pytest.mark.parametrize(
    ("value", "language", "text"),
    [
        (Decimal("66.7"), "it", "66,7%"),
        (Decimal("66.7"), "en", "66.7%"),
        (Decimal("100.0"), "en", "100.0%"),
        (None, "en", "–"),
    ],
)
def test_format_percentage(app, value, language, text):
    assert format_percentage(value, language) == text
