"""Accounts exports: entries of a period, statements of a year, one statement."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import (
    EntryStatus,
    ItemKind,
    Role,
    Statement,
    StatementItem,
    StatementLine,
)
from tests.prepaid.conftest import ENGLISH, void

ITALIAN = {"Accept-Language": "it"}


def _csv_rows(response, delimiter: str) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _by_header(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def _workbook(response):
    return load_workbook(io.BytesIO(response.get_data()))


@pytest.fixture
def entries_world(make_customer, make_ticket, make_entry, make_user, issue_draws):
    """Entries of November 2026 in every status, one on an issued statement."""
    customer = make_customer(name="Rossi Impianti Srl")
    contract = customer.contracts[0]
    contract.rounding_increment = 15
    db.session.commit()
    ticket = make_ticket(customer, key="ASS-500", title="Server lento")
    agent = make_user(Role.AGENT, name="Luca Bianchi")
    billed = make_entry(
        ticket, agent, 20, EntryStatus.APPROVED, date(2026, 11, 3), "Riavvio servizi"
    )
    statement = issue_draws(customer, [], period_start=date(2026, 11, 1))
    billed.statement_id = statement.id
    db.session.add(
        StatementLine(
            statement_id=statement.id,
            position=1,
            time_entry_id=billed.id,
            ticket_key=ticket.key,
            ticket_title=ticket.title,
            work_date=billed.work_date,
            agent_name=agent.name,
            activity="Assistenza remota",
            description=billed.description,
            minutes=30,
            raw_minutes=20,
        )
    )
    approved = make_entry(
        ticket,
        agent,
        50,
        EntryStatus.APPROVED,
        date(2026, 11, 4),
        "=SUM(A1:A9)",
        internal_note="-cliente difficile",
    )
    draft = make_entry(ticket, agent, 10, EntryStatus.DRAFT, date(2026, 11, 5))
    rejected = make_entry(ticket, agent, 25, EntryStatus.REJECTED, date(2026, 11, 6))
    make_entry(ticket, agent, 99, EntryStatus.APPROVED, date(2026, 12, 1))
    db.session.commit()
    return {
        "statement": statement,
        "billed": billed,
        "approved": approved,
        "draft": draft,
        "rejected": rejected,
    }


def test_entries_csv_in_italian(client, login_as, entries_world):
    login_as(Role.ACCOUNTS, language="it")

    response = client.get(
        "/accounts/exports/entries?entries-start=2026-11-01&entries-end=2026-11-30"
        "&entries-format=csv"
    )

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        "entries-all-2026-11-01-2026-11-30.csv"
        in response.headers["Content-Disposition"]
    )
    rows = _csv_rows(response, ";")
    assert len(rows[0]) == 15
    records = {int(row[0]): row for row in rows[1:]}
    assert set(records) == {
        entries_world[name].id for name in ("billed", "approved", "draft", "rejected")
    }
    billed = records[entries_world["billed"].id]
    assert billed[4] == "03/11/2026"
    assert billed[8:12] == ["20", "0:20", "30", "0:30"]
    assert billed[13] == entries_world["statement"].number
    approved = records[entries_world["approved"].id]
    assert approved[7] == "'=SUM(A1:A9)"
    assert approved[8:12] == ["50", "0:50", "60", "1:00"]
    assert approved[14] == "'-cliente difficile"
    draft = records[entries_world["draft"].id]
    assert draft[10:12] == ["15", "0:15"]
    rejected = records[entries_world["rejected"].id]
    assert rejected[10:12] == ["", ""]


def test_entries_csv_in_english(client, login_as, entries_world):
    login_as(Role.ACCOUNTS)

    response = client.get(
        "/accounts/exports/entries?entries-start=2026-11-01&entries-end=2026-11-30"
        "&entries-format=csv",
        headers=ENGLISH,
    )

    records = _by_header(_csv_rows(response, ","))
    assert list(records[0])[:4] == ["Entry", "Customer", "Ticket", "Ticket title"]
    approved = next(
        row for row in records if row["Entry"] == str(entries_world["approved"].id)
    )
    assert approved["Billed minutes"] == "60"
    assert approved["Worked (h:mm)"] == "0:50"
    assert approved["Status"] == "Approved"
    assert approved["Internal note"] == "'-cliente difficile"


def test_entries_xlsx_cells_are_typed(client, login_as, entries_world):
    login_as(Role.ACCOUNTS)

    response = client.get(
        "/accounts/exports/entries?entries-start=2026-11-01&entries-end=2026-11-30"
        "&entries-format=xlsx",
        headers=ENGLISH,
    )

    sheet = _workbook(response).active
    header = [cell.value for cell in sheet[1]]
    row = next(
        row
        for row in sheet.iter_rows(min_row=2)
        if row[0].value == entries_world["approved"].id
    )
    cells = dict(zip(header, row, strict=True))
    assert isinstance(cells["Entry"].value, int)
    assert isinstance(cells["Date"].value, datetime)
    assert cells["Date"].value.date() == date(2026, 11, 4)
    assert cells["Worked minutes"].value == 50
    assert cells["Billed minutes"].value == 60
    assert cells["Billed (h:mm)"].number_format == "[h]:mm"
    assert cells["Billed (h:mm)"].value == timedelta(minutes=60)
    assert cells["Description"].value == "=SUM(A1:A9)"
    assert cells["Description"].data_type == "s"
    assert cells["Description"].quotePrefix


def test_entries_export_rejects_bad_period(client, login_as):
    login_as(Role.ACCOUNTS)

    response = client.get(
        "/accounts/exports/entries?entries-start=2026-11-30&entries-end=2026-11-01"
        "&entries-format=csv",
        headers=ENGLISH,
    )

    assert response.status_code == 422
    assert "on or after the first day" in response.get_data(as_text=True)


@pytest.fixture
def priced_statement(make_customer, accountant) -> Statement:
    """An issued statement with included labour, overage, mileage and a credit."""
    customer = make_customer(name="Verdi Srl")
    statement = Statement(
        customer_id=customer.id,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        year=2026,
        sequence=7,
        number="2026/0007",
        language="it",
        currency="EUR",
        total_minutes=150,
        raw_minutes=130,
        subtotal_amount=Decimal("1257.48"),
        vat_rate=Decimal("22.00"),
        vat_amount=Decimal("276.65"),
        total_amount=Decimal("1534.13"),
        customer_name=customer.name,
        issued_by_id=accountant.id,
        issued_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    items = [
        (ItemKind.LABOUR, 110, 120, None, Decimal("60.00"), True, Decimal("0.00")),
        (ItemKind.OVERAGE, 20, 30, None, Decimal("70.00"), False, Decimal("35.00")),
        (
            ItemKind.MILEAGE,
            0,
            0,
            Decimal("41.50"),
            Decimal("0.45"),
            False,
            Decimal("18.68"),
        ),
        (
            ItemKind.MATERIAL,
            0,
            0,
            Decimal("2.00"),
            Decimal("612.40"),
            False,
            Decimal("1224.80"),
        ),
        (ItemKind.ADJUSTMENT, 0, 0, None, None, False, Decimal("-21.00")),
    ]
    for position, (kind, raw, billed, quantity, price, included, amount) in enumerate(
        items, start=1
    ):
        statement.items.append(
            StatementItem(
                position=position,
                kind=kind,
                contract_name="Contratto assistenza",
                ticket_key="ASS-700" if kind != ItemKind.ADJUSTMENT else None,
                description="=1+1" if kind == ItemKind.MATERIAL else "",
                raw_minutes=raw,
                billed_minutes=billed,
                quantity=quantity,
                unit_price=price,
                is_included=included,
                amount=amount,
                refers_to_number="2026/0003" if kind == ItemKind.ADJUSTMENT else None,
            )
        )
    statement.lines.append(
        StatementLine(
            position=1,
            ticket_key="ASS-700",
            ticket_title="Rete",
            work_date=date(2026, 11, 12),
            agent_name="Luca Bianchi",
            activity="Assistenza remota",
            description="Cablaggio",
            minutes=150,
            raw_minutes=130,
        )
    )
    db.session.add(statement)
    db.session.commit()
    return statement


def test_statement_xlsx_foots(client, login_as, priced_statement):
    login_as(Role.ACCOUNTS)

    response = client.get(
        f"/accounts/exports/statements/{priced_statement.id}?format=xlsx",
        headers=ENGLISH,
    )

    workbook = _workbook(response)
    assert workbook.sheetnames == ["Items", "Lines", "Totals"]
    items = workbook["Items"]
    header = [cell.value for cell in items[1]]
    amount_column = header.index("Amount")
    amount_cells = [row[amount_column] for row in items.iter_rows(min_row=2)]
    assert all(isinstance(cell.value, int | float) for cell in amount_cells)
    assert all(cell.number_format == "#,##0.00" for cell in amount_cells)
    amounts = [Decimal(str(cell.value)) for cell in amount_cells]
    totals = {
        row[0].value: Decimal(str(row[1].value))
        for row in workbook["Totals"].iter_rows(min_row=2)
    }
    assert sum(amounts) == totals["Subtotal"]
    assert totals["Subtotal"] + totals["VAT 22%"] == totals["Total"]
    assert totals["Total"] == priced_statement.total_amount
    lines = workbook["Lines"]
    assert [cell.value for cell in lines[2]][8:12] == [
        130,
        timedelta(minutes=130),
        150,
        timedelta(minutes=150),
    ]


def test_statement_csv_items_in_italian(client, login_as, priced_statement):
    login_as(Role.ACCOUNTS, language="it")

    items_response = client.get(
        "/accounts/exports/statement?statement-number=2026/0007"
        "&statement-format=csv&statement-part=items"
    )
    totals_response = client.get(
        f"/accounts/exports/statements/{priced_statement.id}?format=csv&part=totals"
    )

    assert (
        "statement-2026-0007-items.csv" in items_response.headers["Content-Disposition"]
    )
    items = _csv_rows(items_response, ";")
    amounts = [Decimal(row[-2].replace(",", ".")) for row in items[1:]]
    totals = _csv_rows(totals_response, ";")
    assert totals[1][1] == "1257,48"
    assert sum(amounts) == Decimal("1257.48")
    assert [row[-2] for row in items[1:]] == [
        "0,00",
        "35,00",
        "18,68",
        "1224,80",
        "-21,00",
    ]
    material = items[4]
    assert material[6] == "'=1+1"
    assert material[11] == "2,00"
    assert items[5][-1] == "2026/0003"
    assert totals[2][1] == "276,65"


def test_statement_csv_lines_in_english(client, login_as, priced_statement):
    login_as(Role.ACCOUNTS)

    response = client.get(
        f"/accounts/exports/statements/{priced_statement.id}?format=csv&part=lines",
        headers=ENGLISH,
    )

    [line] = _by_header(_csv_rows(response, ","))
    assert line["Worked minutes"] == "130"
    assert line["Billed (h:mm)"] == "2:30"
    assert line["Date"] == "12/11/2026"
    assert line["Amount"] == ""


def test_unknown_statement_number_explained(client, login_as):
    login_as(Role.ACCOUNTS)

    response = client.get(
        "/accounts/exports/statement?statement-number=2026/9999&statement-format=csv"
        "&statement-part=items",
        headers=ENGLISH,
    )

    assert response.status_code == 422
    assert "No statement has this number" in response.get_data(as_text=True)


def test_statements_of_year(
    client, login_as, priced_statement, make_customer, issue_draws
):
    login_as(Role.ACCOUNTS)
    other = issue_draws(make_customer(name="Bianchi Srl"), [])
    void(other)

    csv_response = client.get(
        "/accounts/exports/statements?year-year=2026&year-format=csv", headers=ENGLISH
    )
    xlsx_response = client.get(
        "/accounts/exports/statements?year-year=2026&year-format=xlsx", headers=ENGLISH
    )

    records = {row["Number"]: row for row in _by_header(_csv_rows(csv_response, ","))}
    assert records["2026/0007"]["Subtotal"] == "1257.48"
    assert records["2026/0007"]["VAT"] == "276.65"
    assert records["2026/0007"]["Total"] == "1534.13"
    assert records["2026/0007"]["Billed (h:mm)"] == "2:30"
    assert records[other.number]["Status"] == "Void"
    assert records[other.number]["VAT"] == ""
    sheet = _workbook(xlsx_response).active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "2026/0007")
    cells = dict(zip(header, row, strict=True))
    assert isinstance(cells["Period from"].value, datetime)
    assert Decimal(str(cells["Total"].value)) == Decimal("1534.13")
    assert cells["Worked minutes"].value == 130


def test_customer_cannot_export(client, login_as, priced_statement):
    login_as(Role.CUSTOMER)

    response = client.get(f"/accounts/exports/statements/{priced_statement.id}")

    assert response.status_code == 403


def test_statement_xlsx_by_number_without_part(client, login_as, priced_statement):
    login_as(Role.ACCOUNTS)

    response = client.get(
        "/accounts/exports/statement?statement-number=2026/0007&statement-format=xlsx",
        headers=ENGLISH,
    )

    assert response.status_code == 200
    assert "statement-2026-0007.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Items", "Lines", "Totals"]


def test_statement_csv_by_number_needs_part(client, login_as, priced_statement):
    login_as(Role.ACCOUNTS)

    response = client.get(
        "/accounts/exports/statement?statement-number=2026/0007&statement-format=csv",
        headers=ENGLISH,
    )

    assert response.status_code == 422
    assert "Choose items, detail lines or totals." in response.get_data(as_text=True)
