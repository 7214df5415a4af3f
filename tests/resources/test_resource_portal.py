"""Resources in the customer portal: the ticket log and the activity export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import EntryStatus, Role
from portal.services.billing_rules.lines import ResourceKind
from tests.resources.conftest import HTMX

PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}
HIDDEN_MARKERS = [
    "NOTE-A1",
    "NOTE-B1",
    "DRAFT-MARKER",
    "SUBMITTED-MARKER",
    "REJECTED-MARKER",
    "NON-BILLABLE-MARKER",
    "BETA-ROUTE-MARKER",
    "BETA-9",
    "marco@example.com",
    "987.65",
    "987,65",
]


@pytest.fixture
def resources(make_resource, ticket, other_ticket, agent, lead):
    """Customer A's resources of every status, and customer B's approved one."""

    def approved(target, **kwargs):
        return make_resource(
            target, agent, status=EntryStatus.APPROVED, decided_by=lead, **kwargs
        )

    approved(
        ticket, quantity="42.50", description="Brescia - Salò", internal_note="NOTE-A1"
    )
    approved(
        ticket,
        kind=ResourceKind.MATERIAL,
        quantity="2",
        unit_price="987.65",
        description="Cavo di rete Cat. 6",
    )
    approved(ticket, kind=ResourceKind.CALL_OUT, quantity="1", description="")
    make_resource(ticket, agent, description="DRAFT-MARKER")
    make_resource(
        ticket, agent, status=EntryStatus.SUBMITTED, description="SUBMITTED-MARKER"
    )
    make_resource(
        ticket, agent, status=EntryStatus.REJECTED, description="REJECTED-MARKER"
    )
    non_billable = approved(ticket, description="NON-BILLABLE-MARKER")
    non_billable.is_billable = False
    approved(other_ticket, description="BETA-ROUTE-MARKER", internal_note="NOTE-B1")
    db.session.commit()


@pytest.fixture
def customer_user(make_user, customer, sign_in):
    return sign_in(make_user(Role.CUSTOMER, customer=customer))


def test_ticket_log_lists_resources(client, customer_user, resources):
    html = client.get("/portal/tickets/ASS-100").get_data(as_text=True)

    section = html.split('id="resource-log"', 1)[1]
    assert "42.5 km" in section
    assert "Brescia - Salò" in section
    assert "2 units" in section
    assert "Cavo di rete Cat. 6" in section
    assert "1 visit" in section
    assert section.count('<tr class="resource ') == 3


def test_ticket_log_hides_the_rest(client, customer_user, resources):
    html = client.get("/portal/tickets/ASS-100").get_data(as_text=True)

    for marker in HIDDEN_MARKERS:
        assert marker not in html, marker


def test_other_customer_ticket_404(client, customer_user, resources):
    response = client.get("/portal/tickets/BETA-9")

    assert response.status_code == 404
    assert "BETA-ROUTE-MARKER" not in response.get_data(as_text=True)


def test_ticket_list_fragment_isolated(client, customer_user, resources):
    html = client.get("/portal/", headers=HTMX).get_data(as_text=True)

    for marker in HIDDEN_MARKERS:
        assert marker not in html, marker


def test_no_resources_no_section(client, customer_user, ticket):
    html = client.get("/portal/tickets/ASS-100").get_data(as_text=True)

    assert 'id="resource-log"' not in html


def export(client, export_format: str) -> bytes:
    response = client.get(
        "/portal/export", query_string={**PERIOD, "format": export_format}
    )
    assert response.status_code == 200
    return response.get_data()


def csv_rows(body: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def test_csv_has_resource_rows(client, customer_user, resources):
    rows = csv_rows(export(client, "csv"))

    header = rows[0]
    assert header[-2:] == ["Quantity", "Unit"]
    by_activity = {row[header.index("Activity")]: row for row in rows[1:]}
    km = by_activity["Kilometres"]
    assert km[header.index("Date")] == "10/11/2026"
    assert km[header.index("Ticket")] == "ASS-100"
    assert km[header.index("Description")] == "Brescia - Salò"
    assert km[header.index("Technician")] == "Marco Rossi"
    assert km[header.index("Minutes")] == ""
    assert km[-2:] == ["42.50", "km"]
    assert by_activity["Material"][-2:] == ["2.00", "units"]
    assert by_activity["Call-out"][-2:] == ["1.00", "visits"]
    assert len(rows) == 4


def test_csv_italian_decimal_comma(client, make_user, customer, sign_in, resources):
    sign_in(make_user(Role.CUSTOMER, customer=customer, language="it"))

    rows = csv_rows(export(client, "csv"), ";")

    assert ["42,50", "km"] in [row[-2:] for row in rows]


def test_xlsx_quantity_is_number(client, customer_user, resources):
    sheet = load_workbook(io.BytesIO(export(client, "xlsx"))).active

    header = [cell.value for cell in sheet[1]]
    quantity_column = header.index("Quantity")
    values = [row[quantity_column].value for row in sheet.iter_rows(min_row=2)]
    assert header[-2:] == ["Quantity", "Unit"]
    assert sorted(float(value) for value in values) == [1.0, 2.0, 42.5]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_isolated(client, customer_user, resources, export_format):
    body = export(client, export_format)
    if export_format == "xlsx":
        sheet = load_workbook(io.BytesIO(body)).active
        body = "\n".join(
            str(cell.value) for row in sheet.iter_rows() for cell in row
        ).encode()

    for marker in HIDDEN_MARKERS:
        assert marker.encode() not in body, marker


def test_export_of_other_customer(
    client, make_user, other_customer, sign_in, resources
):
    sign_in(make_user(Role.CUSTOMER, customer=other_customer))

    rows = csv_rows(export(client, "csv"))

    assert len(rows) == 2
    assert "BETA-ROUTE-MARKER" in rows[1]
    assert not any("Brescia" in cell for row in rows for cell in row)


def test_export_outside_period(
    client, customer_user, make_resource, ticket, agent, lead
):
    make_resource(
        ticket,
        agent,
        status=EntryStatus.APPROVED,
        decided_by=lead,
        work_date=date(2026, 10, 31),
        description="OCTOBER-MARKER",
    )

    body = export(client, "csv")

    assert b"OCTOBER-MARKER" not in body
    assert b"Quantity" not in body
