"""Statement preview: which entries it bills, grouping, totals and input errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import EntryStatus, Role
from portal.services.statements import (
    NoContractError,
    build_preview,
    previous_month,
)

from .conftest import NOVEMBER

PREVIEW_URL = "/accounts/statements/new"


def _preview_url(customer_id, month="2026-11") -> str:
    return f"{PREVIEW_URL}?customer_id={customer_id}&month={month}"


def test_preview_groups_lines_by_ticket(month_of_work, in_request):
    preview = build_preview(month_of_work.customer, NOVEMBER)

    groups = preview.detail.groups
    assert [group.ticket_key for group in groups] == ["ASS-2001", "ASS-2002"]
    assert [line.minutes for line in groups[0].lines] == [20, 50]
    assert [line.work_date.day for line in groups[0].lines] == [3, 30]
    assert groups[0].minutes == 70
    assert groups[1].minutes == 10
    assert preview.detail.amount is None
    items = preview.pricing.items
    assert [(item.ticket_key, item.billed_minutes) for item in items] == [
        ("ASS-2001", 70),
        ("ASS-2002", 10),
    ]
    assert [item.amount for item in items] == [Decimal("70.00"), Decimal("10.00")]
    assert [item.unit_price for item in items] == [Decimal("60.00")] * 2
    assert preview.billed_minutes == 80
    assert preview.pricing.subtotal == Decimal("80.00")
    assert preview.total_amount == Decimal("80.00")


def test_preview_line_fields(month_of_work, in_request):
    preview = build_preview(month_of_work.customer, NOVEMBER)

    line = preview.detail.groups[0].lines[0]
    assert line.ticket_title == "Stampante non risponde"
    assert line.agent_name == "Luca Bianchi"
    assert line.activity == "Assistenza remota"
    assert line.description == "Verifica è già fatta"
    assert (line.raw_minutes, line.minutes) == (20, 20)
    assert line.time_entry_id == month_of_work.billable[0].id


def test_preview_excludes_ineligible_entries(
    month_of_work,
    make_customer,
    make_ticket,
    make_entry,
    agent,
    accountant,
    make_statement_row,
    in_request,
):
    ticket = month_of_work.first_ticket
    approved = EntryStatus.APPROVED
    make_entry(ticket, agent, 11, EntryStatus.DRAFT, date(2026, 11, 5))
    make_entry(ticket, agent, 12, EntryStatus.SUBMITTED, date(2026, 11, 5))
    make_entry(ticket, agent, 13, EntryStatus.REJECTED, date(2026, 11, 5))
    make_entry(ticket, agent, 14, approved, date(2026, 11, 5), is_billable=False)
    make_entry(ticket, agent, 15, approved, date(2026, 10, 31))
    make_entry(ticket, agent, 16, approved, date(2026, 12, 1))
    other_customer = make_customer(name="Altro Cliente Spa")
    make_entry(make_ticket(other_customer), agent, 17, approved, date(2026, 11, 5))
    billed = make_entry(ticket, agent, 18, approved, date(2026, 11, 5))
    billed.statement_id = make_statement_row(month_of_work.customer, accountant, 1).id
    db.session.commit()

    preview = build_preview(month_of_work.customer, NOVEMBER)

    included = {line.time_entry_id for line in preview.pricing.lines}
    assert included == {entry.id for entry in month_of_work.billable}
    assert preview.billed_minutes == 80


def test_preview_lists_pending_entries(month_of_work, make_entry, agent, in_request):
    ticket = month_of_work.first_ticket
    make_entry(ticket, agent, 5, EntryStatus.DRAFT, date(2026, 11, 5))
    submitted = [
        make_entry(ticket, agent, 5, EntryStatus.SUBMITTED, date(2026, 11, 6)),
        make_entry(ticket, agent, 5, EntryStatus.SUBMITTED, date(2026, 11, 7)),
    ]
    # These do not count because they are rejected, not billable or in December.
    make_entry(ticket, agent, 5, EntryStatus.REJECTED, date(2026, 11, 7))
    make_entry(
        ticket, agent, 5, EntryStatus.DRAFT, date(2026, 11, 7), is_billable=False
    )
    make_entry(ticket, agent, 5, EntryStatus.SUBMITTED, date(2026, 12, 1))

    preview = build_preview(month_of_work.customer, NOVEMBER)

    assert [entry.id for entry in preview.pending.entries] == [e.id for e in submitted]
    assert preview.pending.blocks_issue
    assert preview.pending.draft_count == 1
    assert preview.pending_count == 3


def test_preview_without_contract_raises(month_of_work, in_request):
    month_of_work.customer.contracts[0].valid_to = date(2026, 10, 31)
    month_of_work.first_ticket.contract = None
    db.session.commit()

    with pytest.raises(NoContractError) as raised:
        build_preview(month_of_work.customer, NOVEMBER)

    assert raised.value.status == 422
    assert "Rossi Impianti Srl" in raised.value.message
    assert "ASS-2001" in raised.value.message
    assert "03/11/2026" in raised.value.message


def test_previous_month_crosses_year():
    assert previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert previous_month(date(2026, 3, 31)) == date(2026, 2, 1)


# Pages.


def test_preview_page_shows_lines(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)

    response = client.get(_preview_url(month_of_work.customer.id))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="statement-preview"' in html
    assert 'id="preview-lines"' in html
    assert "ASS-2001 · Stampante non risponde" in html
    assert "Verifica è già fatta" in html
    assert "Luca Bianchi" in html
    assert 'id="preview-items-' in html
    assert "1:10" in html
    assert "€70.00" in html
    assert "€60.00" in html
    assert "1:20" in html
    assert "1.33" in html
    assert 'id="preview-subtotal">€80.00<' in html
    assert 'id="preview-total">€80.00<' in html
    assert 'id="preview-vat"' not in html
    assert 'id="issue-statement"' in html
    assert "Issue statement" in html
    assert 'name="override_reason"' not in html


def test_preview_page_hides_internal_note(
    client, login_as, month_of_work, make_entry, agent
):
    make_entry(
        month_of_work.second_ticket,
        agent,
        25,
        EntryStatus.APPROVED,
        date(2026, 11, 20),
        description="Controllo backup",
        internal_note="Cliente difficile, non dirlo",
    )
    login_as(Role.ACCOUNTS)

    html = client.get(_preview_url(month_of_work.customer.id)).get_data(as_text=True)

    assert "Controllo backup" in html
    assert "Cliente difficile" not in html


def test_preview_page_warns_about_pending(
    client, login_as, month_of_work, make_entry, agent
):
    make_entry(
        month_of_work.first_ticket, agent, 5, EntryStatus.SUBMITTED, date(2026, 11, 6)
    )
    login_as(Role.ACCOUNTS)

    html = client.get(_preview_url(month_of_work.customer.id)).get_data(as_text=True)

    assert 'id="pending-warning"' in html
    assert "1 billable entry of this month is waiting for approval" in html
    pending = html.split('id="pending-list"')[1].split("</table>")[0]
    assert "ASS-2001" in pending
    assert "0:05" in pending
    assert 'name="override_reason"' in html


def test_preview_activity_in_customer_language(
    client, login_as, make_customer, make_ticket, make_entry, agent
):
    customer = make_customer(name="London Ltd", language="en")
    ticket = make_ticket(customer)
    make_entry(ticket, agent, 30, EntryStatus.APPROVED, date(2026, 11, 2))
    # The accountant reads Italian, the customer English.
    login_as(Role.ACCOUNTS, language="it")

    html = client.get(_preview_url(customer.id)).get_data(as_text=True)

    assert "Remote support" in html
    assert "Assistenza remota" not in html


def test_empty_preview_has_no_issue_button(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)

    response = client.get(_preview_url(month_of_work.customer.id, "2026-09"))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="nothing-to-bill"' in html
    assert 'id="issue-statement"' not in html


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-1", "novembre", "1999-12", "2026-11-01"]
)
def test_preview_bad_month_is_422(client, login_as, month_of_work, month):
    login_as(Role.ACCOUNTS)

    response = client.get(_preview_url(month_of_work.customer.id, month))

    html = response.get_data(as_text=True)
    errors = html.split('id="month-errors"')[1].split("</div>")[0]
    assert response.status_code == 422
    assert "Enter a month as YYYY-MM" in errors
    assert f'value="{month}"' in html
    assert 'id="statement-preview"' not in html


def test_preview_missing_month_is_422(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)

    response = client.get(
        f"{PREVIEW_URL}?customer_id={month_of_work.customer.id}&month="
    )

    errors = response.get_data(as_text=True).split('id="month-errors"')[1]
    assert response.status_code == 422
    assert "Enter the month to bill" in errors.split("</div>")[0]


@pytest.mark.parametrize(
    ("customer_id", "message"),
    [
        ("999999", "Customer not found"),
        ("abc", "Customer not found"),
        ("", "Choose a customer."),
    ],
)
def test_preview_bad_customer_is_422(client, login_as, customer_id, message):
    login_as(Role.ACCOUNTS)

    response = client.get(_preview_url(customer_id))

    html = response.get_data(as_text=True)
    errors = html.split('id="customer_id-errors"')[1].split("</div>")[0]
    assert response.status_code == 422
    assert message in errors


def test_preview_without_contract_is_422(client, login_as, month_of_work):
    month_of_work.customer.contracts[0].valid_to = date(2026, 10, 31)
    month_of_work.second_ticket.contract = None
    db.session.commit()
    login_as(Role.ACCOUNTS)

    response = client.get(_preview_url(month_of_work.customer.id))

    html = response.get_data(as_text=True)
    errors = html.split('id="customer_id-errors"')[1].split("</div>")[0]
    assert response.status_code == 422
    assert "no contract covers that day" in errors
    assert "ASS-2002" in errors
    assert 'id="issue-statement"' not in html


def test_preview_form_defaults_to_last_month(client, login_as):
    user = login_as(Role.ACCOUNTS, timezone="Pacific/Auckland")
    today = datetime.now(ZoneInfo(user.timezone)).date()
    expected = previous_month(today).strftime("%Y-%m")

    for url in ("/accounts/", PREVIEW_URL):
        html = client.get(url).get_data(as_text=True)

        assert f'type="month" value="{expected}"' in html


def test_preview_htmx_returns_fragment(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)
    headers = {"HX-Request": "true"}

    good = client.get(_preview_url(month_of_work.customer.id), headers=headers)
    bad = client.get(_preview_url(month_of_work.customer.id, "x"), headers=headers)

    assert good.status_code == 200
    assert "<html" not in good.get_data(as_text=True)
    assert 'id="statement-preview"' in good.get_data(as_text=True)
    assert bad.status_code == 422
    assert "<html" not in bad.get_data(as_text=True)
    assert "Enter a month as YYYY-MM" in bad.get_data(as_text=True)


def test_preview_lists_earlier_statement(
    client, login_as, month_of_work, accountant, make_statement_row
):
    earlier = make_statement_row(month_of_work.customer, accountant, 4)
    login_as(Role.ACCOUNTS)

    html = client.get(_preview_url(month_of_work.customer.id)).get_data(as_text=True)

    assert "Statement 2026/0004 was already issued" in html
    assert f"/accounts/statements/{earlier.id}" in html
