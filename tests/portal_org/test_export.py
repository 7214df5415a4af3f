"""CSV and XLSX export of the customer's approved work: format, safety, isolation."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import EntryStatus, Role

HYPERLINK = '=HYPERLINK("http://evil.example","Click")'
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def work(org, make_ticket, make_user, make_entry):
    """Customer A's entries of every kind in November, and customer B's."""
    agent = make_user(Role.AGENT, name="Mario Rossi", email="mario@support.example")
    ticket = make_ticket(org.customer, key="ALFA-1", title="Caffè & stampante")
    other = make_ticket(org.other_customer, key="BETA-9", title="BETA-TITLE-MARKER")

    def entry(ticket, minutes, description, **kwargs):
        kwargs.setdefault("status", EntryStatus.APPROVED)
        kwargs.setdefault("work_date", date(2026, 11, 3))
        return make_entry(ticket, agent, minutes, description=description, **kwargs)

    entry(ticket, 90, "Sostituito il toner, già verificato", internal_note="NOTE-A1")
    entry(ticket, 5, HYPERLINK, work_date=date(2026, 11, 30))
    entry(ticket, 20, "-2 gradi in sala server", work_date=date(2026, 11, 4))
    entry(ticket, 15, "DRAFT-MARKER", status=EntryStatus.DRAFT)
    entry(ticket, 15, "SUBMITTED-MARKER", status=EntryStatus.SUBMITTED)
    entry(ticket, 15, "REJECTED-MARKER", status=EntryStatus.REJECTED)
    entry(ticket, 15, "NON-BILLABLE-MARKER", is_billable=False)
    entry(ticket, 15, "OCTOBER-MARKER", work_date=date(2026, 10, 31))
    entry(ticket, 15, "DECEMBER-MARKER", work_date=date(2026, 12, 1))
    entry(other, 60, "BETA-DESCRIPTION-MARKER", internal_note="NOTE-B1")
    return ticket


HIDDEN_MARKERS = [
    "NOTE-A1",
    "NOTE-B1",
    "DRAFT-MARKER",
    "SUBMITTED-MARKER",
    "REJECTED-MARKER",
    "NON-BILLABLE-MARKER",
    "OCTOBER-MARKER",
    "DECEMBER-MARKER",
    "BETA",
    "mario@support.example",
    "60.00",
    "60,00",
]


def export(client, export_format: str, **overrides):
    query = {**PERIOD, "format": export_format, **overrides}
    return client.get("/portal/export", query_string=query)


def csv_rows(body: bytes, delimiter: str) -> list[list[str]]:
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_export_page_prefills_last_month(admin_client):
    response = admin_client.get("/portal/export")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'type="date"' in html
    assert 'name="start"' in html
    assert 'value="xlsx" selected' in html or 'selected value="xlsx"' in html


def test_member_can_export(client, org, sign_in, work):
    sign_in(org.member)

    assert export(client, "csv").status_code == 200


def test_csv_in_english(admin_client, work):
    response = export(admin_client, "csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(body, ",")
    assert rows[0] == [
        "Date",
        "Ticket",
        "Ticket title",
        "Category",
        "Activity",
        "Technician",
        "Description",
        "Minutes",
        "Hours (h:mm)",
        "Decimal hours",
    ]
    assert rows[1] == [
        "03/11/2026",
        "ALFA-1",
        "Caffè & stampante",
        "Network",
        "Remote support",
        "Mario Rossi",
        "Sostituito il toner, già verificato",
        "90",
        "1:30",
        "1.50",
    ]
    assert len(rows) == 4


def test_csv_in_italian(client, org, make_user, sign_in, work):
    italian = make_user(Role.CUSTOMER, customer=org.customer, language="it")
    sign_in(italian)

    response = export(client, "csv")

    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    assert "già".encode() in body
    rows = csv_rows(body, ";")
    assert rows[1][0] == "03/11/2026"
    assert rows[1][4] == "Assistenza remota"
    assert rows[1][7:] == ["90", "1:30", "1,50"]
    assert rows[2][7:] == ["20", "0:20", "0,33"]


def test_csv_neutralises_formulas(admin_client, work):
    rows = csv_rows(export(admin_client, "csv").get_data(), ",")

    descriptions = [row[6] for row in rows[1:]]
    assert descriptions[1] == "'-2 gradi in sala server"
    assert descriptions[2] == "'" + HYPERLINK
    # Numbers stay numbers, even the ones that could start with "-".
    assert rows[3][7:] == ["5", "0:05", "0.08"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_each_prefix(admin_client, org, work, make_entry, prefix):
    agent = work.entries[0].agent
    make_entry(
        work,
        agent,
        7,
        status=EntryStatus.APPROVED,
        work_date=date(2026, 11, 20),
        description=f"{prefix}1+1",
    )

    rows = csv_rows(export(admin_client, "csv").get_data(), ",")

    (row,) = [row for row in rows if row[7] == "7"]
    assert row[6] == f"'{prefix}1+1"


def test_csv_hides_names_per_contract(admin_client, org, work):
    org.customer.contracts[0].portal_shows_agent_names = False
    db.session.commit()

    body = export(admin_client, "csv").get_data()

    assert b"Mario Rossi" not in body
    assert csv_rows(body, ",")[1][5] == "The support team"


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_isolated(admin_client, work, export_format):
    body = export(admin_client, export_format).get_data()
    if export_format == "xlsx":
        sheet = load_workbook(io.BytesIO(body)).active
        body = "\n".join(
            str(cell.value) for row in sheet.iter_rows() for cell in row
        ).encode()

    for marker in HIDDEN_MARKERS:
        assert marker.encode() not in body, marker


def test_customer_b_sees_own_only(client, org, sign_in, work):
    sign_in(org.other_admin)

    rows = csv_rows(export(client, "csv").get_data(), ",")

    assert len(rows) == 2
    assert rows[1][1] == "BETA-9"
    assert rows[1][6] == "BETA-DESCRIPTION-MARKER"


def test_xlsx_typed_cells(admin_client, work):
    response = export(admin_client, "xlsx")

    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Date"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["G"].width == 60

    date_cell, *_, minutes, hmm, hours = sheet[2]
    assert date_cell.value.date() == date(2026, 11, 3)
    assert date_cell.is_date
    assert date_cell.number_format == "DD/MM/YYYY"
    assert minutes.value == 90
    assert minutes.data_type == "n"
    assert hmm.value == timedelta(minutes=90)
    assert hmm.number_format == "[h]:mm"
    assert hours.value == 1.5
    assert hours.number_format == "0.00"
    assert sheet.max_row == 4


def test_xlsx_formula_stays_text(admin_client, work):
    sheet = load_workbook(io.BytesIO(export(admin_client, "xlsx").get_data())).active

    cell = sheet["G4"]
    assert cell.value == HYPERLINK
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    assert sheet["G2"].quotePrefix is False
    assert sheet["C2"].value == "Caffè & stampante"


def test_xlsx_drops_control_characters(admin_client, work, make_entry):
    make_entry(
        work,
        work.entries[0].agent,
        3,
        status=EntryStatus.APPROVED,
        work_date=date(2026, 11, 29),
        description="bell\x07 and\x0b tab",
    )

    response = export(admin_client, "xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert "bell and tab" in [cell.value for cell in sheet["G"]]


@pytest.mark.parametrize(
    ("export_format", "extension"), [("csv", "csv"), ("xlsx", "xlsx")]
)
def test_filename_names_customer_and_period(
    admin_client, work, export_format, extension
):
    response = export(admin_client, export_format)

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    expected = f"activity-alfa-ricambi-srl-2026-11-01-2026-11-30.{extension}"
    assert expected in disposition
    assert "no-store" in response.headers["Cache-Control"]


def test_empty_period_has_header_only(admin_client, work):
    response = export(admin_client, "csv", start="2025-01-01", end="2025-01-31")

    assert response.status_code == 200
    assert len(csv_rows(response.get_data(), ",")) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start": "2026-13-01"}, "start", "Enter a date as YYYY-MM-DD"),
        ({"start": "01/11/2026"}, "start", "Enter a date as YYYY-MM-DD"),
        ({"start": ""}, "start", "Enter the first day of the period."),
        ({"end": "2026-02-30"}, "end", "Enter a date as YYYY-MM-DD"),
        ({"end": ""}, "end", "Enter the last day of the period."),
        ({"end": "2026-10-31"}, "end", "on or after the first day"),
        ({"end": "2027-11-01"}, "end", "at most one year long"),
        ({"start": "1999-12-31"}, "start", "between 2000 and 2999"),
        ({"format": "pdf"}, "format", "Choose XLSX or CSV."),
    ],
)
def test_bad_query_422(admin_client, work, overrides, field, message):
    response = export(admin_client, "csv", **overrides)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    errors = html.split(f'id="{field}-errors"', 1)[1].split("</div>", 1)[0]
    assert message in errors
    typed = {**PERIOD, **overrides}
    assert f'value="{typed["start"]}"' in html


def test_full_year_allowed(admin_client, work):
    response = export(admin_client, "csv", start="2026-01-01", end="2026-12-31")

    assert response.status_code == 200


def test_leap_day_year_limit(admin_client, work):
    allowed = export(admin_client, "csv", start="2028-02-29", end="2029-02-28")
    too_long = export(admin_client, "csv", start="2028-02-29", end="2029-03-01")

    assert allowed.status_code == 200
    assert too_long.status_code == 422


def test_staff_cannot_export(client, login_as):
    login_as(Role.ACCOUNTS)

    assert export(client, "csv").status_code == 403


def _round_up_to(org, increment: int, scope: str = "per_entry") -> None:
    contract = org.customer.contracts[0]
    contract.rounding_increment = increment
    contract.rounding_scope = scope
    db.session.commit()


def test_csv_minutes_are_billed(admin_client, org, work):
    _round_up_to(org, 15)

    rows = csv_rows(export(admin_client, "csv").get_data(), ",")

    assert [row[7:] for row in rows[1:]] == [
        ["90", "1:30", "1.50"],
        ["30", "0:30", "0.50"],
        ["15", "0:15", "0.25"],
    ]
    assert "Worked minutes" not in rows[0]


def test_csv_rounds_ticket_day_once(admin_client, org, work, make_entry):
    # 90 + 25 minutes on 3 November round up to 120 once, and the day's rows
    # share those 120 minutes.
    _round_up_to(org, 30, "per_ticket_day")
    make_entry(
        work,
        work.entries[0].agent,
        25,
        EntryStatus.APPROVED,
        date(2026, 11, 3),
        description="Secondo intervento",
    )

    rows = csv_rows(export(admin_client, "csv").get_data(), ",")

    day = [int(row[7]) for row in rows[1:] if row[0] == "03/11/2026"]
    assert sum(day) == 120
    assert len(day) == 2


def test_csv_worked_column_when_contract_shows_it(admin_client, org, work):
    org.customer.contracts[0].portal_time_display = "billed_and_worked"
    _round_up_to(org, 15)

    rows = csv_rows(export(admin_client, "csv").get_data(), ",")

    assert rows[0][-1] == "Worked minutes"
    assert [(row[7], row[-1]) for row in rows[1:]] == [
        ("90", "90"),
        ("30", "20"),
        ("15", "5"),
    ]
