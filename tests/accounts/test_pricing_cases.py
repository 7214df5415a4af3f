"""Table tests of the hard pricing cases, through preview and issue on the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Contract,
    EntryStatus,
    ItemKind,
    PdfStatus,
    Statement,
    TimeEntry,
)
from portal.services.billing_rules import (
    ResourceKind,
    RoundingDirection,
    RoundingScope,
)
from portal.services.statements import (
    NoContractError,
    PricingError,
    build_preview,
)

from .conftest import NOVEMBER
from .pricing_support import (
    add_rate,
    add_resource,
    contract_of,
    issue,
    item_rows,
    on_site_activity,
    set_terms,
    start_at,
)

APPROVED = EntryStatus.APPROVED
TUESDAY = date(2026, 11, 10)
SATURDAY = date(2026, 11, 7)
EASTER_MONDAY = date(2026, 4, 6)
UP = RoundingDirection.UP
NEAREST = RoundingDirection.NEAREST
DOWN = RoundingDirection.DOWN
PER_ENTRY = RoundingScope.PER_ENTRY
PER_DAY = RoundingScope.PER_TICKET_DAY


@pytest.fixture
def ticket(make_customer, make_ticket):
    customer = make_customer(name="Bianchi Ufficio Srl", hourly_rate=Decimal("60.00"))
    return make_ticket(customer, key="ASS-3001", title="Rete lenta")


def _labour(preview) -> list:
    return [item for item in preview.pricing.items if item.kind == ItemKind.LABOUR]


def _log(make_entry, ticket, agent, minutes_list, day=TUESDAY):
    return [
        make_entry(ticket, agent, minutes, APPROVED, day) for minutes in minutes_list
    ]


# Rounding and the minimum charge.


@pytest.mark.parametrize(
    ("minutes", "increment", "direction", "scope", "minimum", "billed", "amount"),
    [
        # Twelve 5-minute entries add up to one whole hour.
        ([5] * 12, 1, UP, PER_ENTRY, 0, 60, "60.00"),
        ([5] * 12, 15, UP, PER_ENTRY, 0, 180, "180.00"),
        ([5] * 12, 15, UP, PER_DAY, 0, 60, "60.00"),
        # One hour logged once or split in three.
        ([60], 15, UP, PER_ENTRY, 0, 60, "60.00"),
        ([20, 20, 20], 15, UP, PER_ENTRY, 0, 90, "90.00"),
        ([20, 20, 20], 15, UP, PER_DAY, 0, 60, "60.00"),
        # Exact multiples of the increment are never rounded further.
        ([30], 15, UP, PER_ENTRY, 0, 30, "30.00"),
        ([60], 30, UP, PER_ENTRY, 0, 60, "60.00"),
        ([45], 15, NEAREST, PER_ENTRY, 0, 45, "45.00"),
        ([45], 15, DOWN, PER_ENTRY, 0, 45, "45.00"),
        ([120], 60, DOWN, PER_DAY, 0, 120, "120.00"),
        # Near a multiple: nearest and down keep or drop the remainder.
        ([37], 15, NEAREST, PER_ENTRY, 0, 30, "30.00"),
        ([38], 15, NEAREST, PER_ENTRY, 0, 45, "45.00"),
        ([44], 15, DOWN, PER_ENTRY, 0, 30, "30.00"),
        # The minimum charge per entry, and per ticket and day.
        ([10], 1, UP, PER_ENTRY, 30, 30, "30.00"),
        ([10, 10], 1, UP, PER_ENTRY, 30, 60, "60.00"),
        ([10, 10], 1, UP, PER_DAY, 30, 30, "30.00"),
        ([40], 1, UP, PER_ENTRY, 30, 40, "40.00"),
    ],
)
def test_rounding_table(
    ticket,
    make_entry,
    agent,
    in_request,
    minutes,
    increment,
    direction,
    scope,
    minimum,
    billed,
    amount,
):
    set_terms(
        contract_of(ticket.customer),
        rounding_increment=increment,
        rounding_direction=direction,
        rounding_scope=scope,
        minimum_minutes=minimum,
    )
    _log(make_entry, ticket, agent, minutes)

    preview = build_preview(ticket.customer, NOVEMBER)

    (item,) = _labour(preview)
    assert item.raw_minutes == sum(minutes)
    assert item.billed_minutes == billed
    assert item.amount == Decimal(amount)
    assert sum(line.minutes for line in preview.pricing.lines) == billed
    assert preview.pricing.total == Decimal(amount)


@pytest.mark.parametrize(
    ("minutes", "rate", "amount"),
    [
        # Decimal hours of 20 and 50 minutes repeat, and the amount never uses them.
        ([20], "55.00", "18.33"),
        ([50], "55.00", "45.83"),
        # One item prices the summed 70 minutes once: not 18.33 + 45.83.
        ([20, 50], "55.00", "64.17"),
        ([20, 20, 20], "50.00", "50.00"),
        ([50, 50, 50], "33.33", "83.33"),
    ],
)
def test_repeating_hours_table(
    ticket, make_entry, agent, in_request, minutes, rate, amount
):
    set_terms(contract_of(ticket.customer), hourly_rate=Decimal(rate))
    _log(make_entry, ticket, agent, minutes)

    preview = build_preview(ticket.customer, NOVEMBER)

    (item,) = _labour(preview)
    assert item.amount == Decimal(amount)
    assert preview.pricing.subtotal == Decimal(amount)


def test_per_day_rounding_separates_days_and_tickets(
    ticket, make_ticket, make_entry, agent, in_request
):
    set_terms(
        contract_of(ticket.customer),
        rounding_increment=30,
        rounding_scope=PER_DAY,
    )
    other = make_ticket(ticket.customer, key="ASS-3002")
    make_entry(ticket, agent, 10, APPROVED, TUESDAY)
    make_entry(ticket, agent, 10, APPROVED, TUESDAY)
    make_entry(ticket, agent, 10, APPROVED, date(2026, 11, 11))
    make_entry(other, agent, 10, APPROVED, TUESDAY)

    preview = build_preview(ticket.customer, NOVEMBER)

    billed = {item.ticket_key: item.billed_minutes for item in _labour(preview)}
    assert billed == {"ASS-3001": 60, "ASS-3002": 30}


def test_worked_and_billed_kept_per_line(
    ticket, make_entry, agent, accountant, in_request
):
    set_terms(contract_of(ticket.customer), rounding_increment=30)
    entry = make_entry(ticket, agent, 20, APPROVED, TUESDAY)

    statement = issue(accountant, ticket.customer)

    (line,) = statement.lines
    assert line.time_entry_id == entry.id
    assert (line.raw_minutes, line.minutes) == (20, 30)
    assert line.amount is None
    assert (statement.raw_minutes, statement.total_minutes) == (20, 30)


# Rates by activity, level and effective date.


def test_rate_change_by_effective_date(ticket, make_entry, agent, activity, in_request):
    add_rate(contract_of(ticket.customer), activity, "90.00", date(2026, 11, 16))
    make_entry(ticket, agent, 60, APPROVED, TUESDAY)
    make_entry(ticket, agent, 60, APPROVED, date(2026, 11, 20))

    preview = build_preview(ticket.customer, NOVEMBER)

    rates = sorted((item.unit_price, item.amount) for item in _labour(preview))
    assert rates == [
        (Decimal("60.00"), Decimal("60.00")),
        (Decimal("90.00"), Decimal("90.00")),
    ]
    assert preview.pricing.total == Decimal("150.00")


def test_rate_by_agent_level(ticket, make_entry, agent, activity, in_request):
    agent.level = "senior"
    db.session.commit()
    contract = contract_of(ticket.customer)
    add_rate(contract, activity, "80.00", date(2026, 1, 1))
    add_rate(contract, activity, "100.00", date(2026, 1, 1), agent_level="senior")
    make_entry(ticket, agent, 30, APPROVED, TUESDAY)

    (item,) = _labour(build_preview(ticket.customer, NOVEMBER))

    assert item.unit_price == Decimal("100.00")
    assert item.amount == Decimal("50.00")


def test_rate_change_does_not_reprice_issued(
    ticket, make_entry, agent, activity, accountant, in_request
):
    make_entry(ticket, agent, 90, APPROVED, TUESDAY)
    statement = issue(accountant, ticket.customer)
    frozen = item_rows(statement)

    contract = contract_of(ticket.customer)
    add_rate(contract, activity, "120.00", date(2026, 11, 1))
    set_terms(contract, hourly_rate=Decimal("75.00"), rounding_increment=60)
    db.session.expire_all()

    reloaded = db.session.get(Statement, statement.id)
    assert item_rows(reloaded) == frozen
    assert reloaded.total_amount == Decimal("90.00")
    assert reloaded.lines[0].minutes == 90


# After-hours multipliers.


@pytest.mark.parametrize(
    ("day", "start", "multipliers", "multiplier", "bands", "amount"),
    [
        (
            SATURDAY,
            None,
            {"saturday_multiplier": Decimal("1.50")},
            "1.50",
            "saturday",
            "90.00",
        ),
        (
            date(2026, 11, 8),
            None,
            {"sunday_multiplier": Decimal("2.00")},
            "2.00",
            "sunday",
            "120.00",
        ),
        (
            EASTER_MONDAY,
            None,
            {"holiday_multiplier": Decimal("2.00")},
            "2.00",
            "holiday",
            "120.00",
        ),
        (
            TUESDAY,
            (19, 0),
            {"evening_multiplier": Decimal("1.25")},
            "1.25",
            "evening",
            "75.00",
        ),
        (
            TUESDAY,
            (23, 30),
            {"night_multiplier": Decimal("1.75")},
            "1.75",
            "night",
            "105.00",
        ),
        (TUESDAY, (17, 59), {"evening_multiplier": Decimal("1.25")}, "1", "", "60.00"),
        # A band whose factor is 1 is not named on the item.
        (SATURDAY, None, {}, "1", "", "60.00"),
    ],
)
def test_after_hours_table(
    ticket,
    make_entry,
    agent,
    in_request,
    day,
    start,
    multipliers,
    multiplier,
    bands,
    amount,
):
    set_terms(contract_of(ticket.customer), **multipliers)
    entry = make_entry(ticket, agent, 60, APPROVED, day)
    if start:
        start_at(entry, *start)

    (item,) = _labour(build_preview(ticket.customer, day.replace(day=1)))

    assert item.multiplier == Decimal(multiplier)
    assert item.bands == bands
    assert item.amount == Decimal(amount)


def test_easter_monday_item_names_band(
    make_customer, make_ticket, make_entry, agent, accountant, in_request
):
    customer = make_customer(language="en")
    set_terms(contract_of(customer), holiday_multiplier=Decimal("2.00"))
    make_entry(make_ticket(customer), agent, 30, APPROVED, EASTER_MONDAY)

    statement = issue(accountant, customer, date(2026, 4, 1))

    (item,) = statement.items
    assert item.bands == "holiday"
    assert item.description == "public holiday"
    assert item.multiplier == Decimal("2.00")
    assert item.amount == Decimal("60.00")


# Resources.


def test_resources_priced_by_contract(
    ticket, make_entry, agent, accountant, in_request
):
    set_terms(contract_of(ticket.customer), rate_per_km=Decimal("0.40"))
    make_entry(ticket, agent, 60, APPROVED, TUESDAY)
    add_resource(
        ticket, agent, ResourceKind.MILEAGE, "42.50", description="Milano - Monza"
    )
    add_resource(
        ticket,
        agent,
        ResourceKind.MATERIAL,
        "2",
        unit_price="12.50",
        description="Cavo di rete 5 m",
    )
    add_resource(ticket, agent, ResourceKind.MILEAGE, "10", status=EntryStatus.REJECTED)

    statement = issue(accountant, ticket.customer)

    kinds = {item.kind: item for item in statement.items}
    assert kinds[ItemKind.MILEAGE].quantity == Decimal("42.50")
    assert kinds[ItemKind.MILEAGE].amount == Decimal("17.00")
    assert kinds[ItemKind.MATERIAL].description == "Cavo di rete 5 m"
    assert kinds[ItemKind.MATERIAL].amount == Decimal("25.00")
    assert statement.subtotal_amount == Decimal("102.00")
    resource_lines = [line for line in statement.lines if line.resource_entry_id]
    assert sorted(line.kind.value for line in resource_lines) == ["material", "mileage"]
    assert {line.description for line in resource_lines} == {
        "Milano - Monza",
        "Cavo di rete 5 m",
    }
    assert all(res.statement_id == statement.id for res in statement.resource_entries)


def test_automatic_call_out_for_on_site_work(ticket, make_entry, agent, in_request):
    set_terms(contract_of(ticket.customer), call_out_fee=Decimal("35.00"))
    on_site = on_site_activity()
    make_entry(ticket, agent, 60, APPROVED, TUESDAY, activity_type=on_site)
    make_entry(ticket, agent, 30, APPROVED, TUESDAY, activity_type=on_site)

    preview = build_preview(ticket.customer, NOVEMBER)

    call_outs = [i for i in preview.pricing.items if i.kind == ItemKind.CALL_OUT]
    assert [(i.quantity, i.amount) for i in call_outs] == [
        (Decimal(1), Decimal("35.00"))
    ]


def test_logged_call_out_replaces_automatic(ticket, make_entry, agent, in_request):
    set_terms(contract_of(ticket.customer), call_out_fee=Decimal("35.00"))
    on_site = on_site_activity()
    make_entry(ticket, agent, 60, APPROVED, TUESDAY, activity_type=on_site)
    add_resource(ticket, agent, ResourceKind.CALL_OUT, "2", TUESDAY)

    preview = build_preview(ticket.customer, NOVEMBER)

    call_outs = [i for i in preview.pricing.items if i.kind == ItemKind.CALL_OUT]
    assert [(i.quantity, i.amount) for i in call_outs] == [
        (Decimal(2), Decimal("70.00"))
    ]


def test_logged_call_out_without_fee_blocks(ticket, agent, in_request):
    add_resource(ticket, agent, ResourceKind.CALL_OUT, "1", TUESDAY)

    with pytest.raises(PricingError) as raised:
        build_preview(ticket.customer, NOVEMBER)

    assert raised.value.status == 422
    assert "has no call-out fee" in raised.value.message
    assert "Contratto assistenza" in raised.value.message


def test_mileage_without_rate_blocks(ticket, agent, in_request):
    add_resource(ticket, agent, ResourceKind.MILEAGE, "12", TUESDAY)

    with pytest.raises(PricingError) as raised:
        build_preview(ticket.customer, NOVEMBER)

    assert "no rate per kilometre" in raised.value.message


# VAT.


def test_vat_from_settings(app, ticket, make_entry, agent, accountant, in_request):
    app.config.update(STATEMENT_VAT_RATE="22", STATEMENT_VAT_NOTE="IVA 22%")
    try:
        make_entry(ticket, agent, 80, APPROVED, TUESDAY)
        statement = issue(accountant, ticket.customer)
    finally:
        app.config.update(STATEMENT_VAT_RATE=None, STATEMENT_VAT_NOTE=None)

    assert statement.subtotal_amount == Decimal("80.00")
    assert statement.vat_rate == Decimal("22")
    assert statement.vat_amount == Decimal("17.60")
    assert statement.total_amount == Decimal("97.60")
    assert statement.vat_note == "IVA 22%"


def test_no_vat_by_default(ticket, make_entry, agent, accountant, in_request):
    make_entry(ticket, agent, 80, APPROVED, TUESDAY)

    statement = issue(accountant, ticket.customer)

    assert statement.vat_rate is None
    assert statement.vat_amount is None
    assert statement.total_amount == statement.subtotal_amount == Decimal("80.00")


@pytest.mark.parametrize("rate", ["abc", "-1", "101", "22.505"])
def test_invalid_vat_setting_raises(app, ticket, make_entry, agent, in_request, rate):
    make_entry(ticket, agent, 80, APPROVED, TUESDAY)
    app.config["STATEMENT_VAT_RATE"] = rate
    try:
        with pytest.raises(ValueError, match="STATEMENT_VAT_RATE"):
            build_preview(ticket.customer, NOVEMBER)
    finally:
        app.config["STATEMENT_VAT_RATE"] = None


# Contracts.


def test_entry_billed_by_contract_of_work_date(
    make_customer, make_ticket, make_entry, agent, in_request
):
    customer = make_customer(hourly_rate=Decimal("60.00"))
    first = contract_of(customer)
    first.valid_to = date(2026, 11, 15)
    db.session.add(
        Contract(
            customer=customer,
            name="Contratto 2027",
            hourly_rate=Decimal("90.00"),
            currency="EUR",
            valid_from=date(2026, 11, 16),
        )
    )
    db.session.commit()
    ticket = make_ticket(customer)
    ticket.contract = None
    db.session.commit()
    make_entry(ticket, agent, 60, APPROVED, TUESDAY)
    make_entry(ticket, agent, 60, APPROVED, date(2026, 11, 20))

    preview = build_preview(customer, NOVEMBER)

    assert [bill.contract_name for bill in preview.pricing.contracts] == [
        "Contratto assistenza",
        "Contratto 2027",
    ]
    assert [bill.subtotal for bill in preview.pricing.contracts] == [
        Decimal("60.00"),
        Decimal("90.00"),
    ]
    assert preview.pricing.total == Decimal("150.00")


def test_work_without_contract_blocks(ticket, make_entry, agent, in_request):
    ticket.contract = None
    contract_of(ticket.customer).valid_to = date(2026, 10, 31)
    db.session.commit()
    make_entry(ticket, agent, 30, APPROVED, TUESDAY)

    with pytest.raises(NoContractError) as raised:
        build_preview(ticket.customer, NOVEMBER)

    assert raised.value.status == 422
    assert "ASS-3001" in raised.value.message
    assert "10/11/2026" in raised.value.message


def test_non_billable_activity_left_out(
    ticket, make_entry, agent, activity, in_request
):
    make_entry(ticket, agent, 60, APPROVED, TUESDAY)
    activity.is_billable = False
    db.session.commit()

    preview = build_preview(ticket.customer, NOVEMBER)

    assert preview.is_empty


def test_issue_leaves_pdf_pending(
    ticket, make_entry, agent, accountant, monkeypatch, in_request
):
    def fail(statement):
        raise AssertionError("issuing must not render the PDF")

    monkeypatch.setattr("portal.services.pdf.render_statement_pdf", fail)
    make_entry(ticket, agent, 30, APPROVED, TUESDAY)

    statement = issue(accountant, ticket.customer)

    assert statement.pdf_status == PdfStatus.PENDING
    assert statement.pdf_sha256 is None
    assert db.session.get(Statement, statement.id).pdf is None
    entry = db.session.scalar(db.select(TimeEntry))
    assert entry.statement_id == statement.id
