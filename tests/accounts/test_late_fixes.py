"""Prepaid billing order and detail lines of automatic call-outs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import BillingModel, EntryStatus, ItemKind
from portal.services.billing_rules import ResourceKind
from portal.services.statements import (
    EarlierMonthUnbilledError,
    build_preview,
    void_statement,
)

from .conftest import NOVEMBER, pdf_text
from .pricing_support import (
    add_package,
    add_resource,
    contract_of,
    issue,
    on_site_activity,
    render,
    set_terms,
)

APPROVED = EntryStatus.APPROVED
SEPTEMBER = date(2026, 9, 1)
TUESDAY = date(2026, 11, 10)


@pytest.fixture
def prepaid_ticket(make_customer, make_ticket):
    customer = make_customer(name="Conti Studio Associato")
    set_terms(
        contract_of(customer),
        billing_model=BillingModel.PREPAID,
        overage_rate=Decimal("80.00"),
    )
    return make_ticket(customer, key="ASS-6001", title="Backup notturno")


@pytest.fixture
def two_prepaid_months(prepaid_ticket, make_entry, agent):
    """An August package for September's work and a November package after it."""
    contract = contract_of(prepaid_ticket.customer)
    add_package(contract, 120, date(2026, 8, 1), name="Agosto")
    add_package(contract, 120, date(2026, 11, 1), name="Novembre")
    make_entry(prepaid_ticket, agent, 90, APPROVED, date(2026, 9, 15))
    make_entry(prepaid_ticket, agent, 60, APPROVED, date(2026, 11, 5))
    return prepaid_ticket


def test_prepaid_later_month_first_rejected(two_prepaid_months, in_request):
    customer = two_prepaid_months.customer

    with pytest.raises(EarlierMonthUnbilledError) as raised:
        build_preview(customer, NOVEMBER)

    assert raised.value.status == 422
    assert raised.value.earliest_month == SEPTEMBER
    assert "issue September 2026 first" in raised.value.message


def test_prepaid_issue_later_month_rejected(two_prepaid_months, accountant, in_request):
    with pytest.raises(EarlierMonthUnbilledError):
        issue(accountant, two_prepaid_months.customer, NOVEMBER)


def test_prepaid_months_in_order_issue(two_prepaid_months, accountant, in_request):
    customer = two_prepaid_months.customer

    september = issue(accountant, customer, SEPTEMBER)
    november = issue(accountant, customer, NOVEMBER)

    assert [item.kind for item in september.items] == [ItemKind.LABOUR]
    assert [item.kind for item in november.items] == [ItemKind.LABOUR]
    assert november.total_amount == Decimal("0.00")
    consumed = {
        line.package_name: line.consumed_minutes for line in november.package_lines
    }
    assert consumed == {"Agosto": 30, "Novembre": 30}


def test_prepaid_void_earlier_month_blocks_again(
    two_prepaid_months, accountant, in_request
):
    customer = two_prepaid_months.customer
    september = issue(accountant, customer, SEPTEMBER)
    void_statement(accountant, september, "Ore del contratto sbagliato")
    db.session.commit()

    with pytest.raises(EarlierMonthUnbilledError):
        build_preview(customer, NOVEMBER)


def test_time_and_materials_any_order(
    make_customer, make_ticket, make_entry, agent, in_request
):
    customer = make_customer(name="Ordine Libero Srl", hourly_rate=Decimal("60.00"))
    ticket = make_ticket(customer, key="ASS-6101")
    make_entry(ticket, agent, 60, APPROVED, date(2026, 9, 15))
    make_entry(ticket, agent, 60, APPROVED, date(2026, 11, 5))

    preview = build_preview(customer, NOVEMBER)

    assert preview.pricing.total == Decimal("60.00")


def test_prepaid_dashboard_estimate_not_blocked(two_prepaid_months, in_request):
    from portal.services.customer_dashboard import running_total

    estimate = running_total(two_prepaid_months.customer, NOVEMBER)

    assert estimate is not None
    assert estimate.minutes == 60


# Automatic call-outs.


@pytest.fixture
def call_out_ticket(make_customer, make_ticket):
    customer = make_customer(name="Bianchi Ufficio Srl", hourly_rate=Decimal("60.00"))
    set_terms(contract_of(customer), call_out_fee=Decimal("35.00"))
    return make_ticket(customer, key="ASS-3001", title="Rete lenta")


def test_automatic_call_out_detail_line(
    call_out_ticket, make_entry, agent, accountant, in_request
):
    on_site = on_site_activity()
    make_entry(call_out_ticket, agent, 60, APPROVED, TUESDAY, activity_type=on_site)
    make_entry(call_out_ticket, agent, 30, APPROVED, TUESDAY, activity_type=on_site)

    statement = issue(accountant, call_out_ticket.customer)

    call_outs = [line for line in statement.lines if line.kind == ItemKind.CALL_OUT]
    assert len(call_outs) == 1
    (line,) = call_outs
    assert line.work_date == TUESDAY
    assert line.ticket_key == "ASS-3001"
    assert line.quantity == Decimal(1)
    assert line.agent_name == "Luca Bianchi"
    assert line.activity == "Uscita"
    assert line.resource_entry_id is None
    assert line.time_entry_id is None


def test_logged_call_out_single_detail_line(
    call_out_ticket, make_entry, agent, accountant, in_request
):
    on_site = on_site_activity()
    make_entry(call_out_ticket, agent, 60, APPROVED, TUESDAY, activity_type=on_site)
    resource = add_resource(call_out_ticket, agent, ResourceKind.CALL_OUT, "1", TUESDAY)

    statement = issue(accountant, call_out_ticket.customer)

    call_outs = [line for line in statement.lines if line.kind == ItemKind.CALL_OUT]
    assert [line.resource_entry_id for line in call_outs] == [resource.id]


def test_automatic_call_out_in_pdf(
    call_out_ticket, make_entry, agent, accountant, in_request, tmp_path
):
    on_site = on_site_activity()
    make_entry(call_out_ticket, agent, 60, APPROVED, TUESDAY, activity_type=on_site)
    statement = render(issue(accountant, call_out_ticket.customer))

    text = pdf_text(statement.pdf, tmp_path)

    resources = text.split("DETTAGLIO DELLE RISORSE")[1]
    assert "10/11/2026 · ASS-3001 · Luca Bianchi · Uscita" in resources
