"""The customer's statement page shows what the PDF shows, and nothing internal."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from portal.extensions import db
from portal.models import ItemKind, Role, Statement, StatementLine

from .conftest import (
    ACCOUNTS_EMAIL,
    ADJUSTMENT_REASON,
    AGENT_EMAIL,
    AGENT_NAME,
    INTERNAL_NOTE,
    VAT_NOTE,
)


def _page(client, statement: Statement) -> str:
    response = client.get(f"/portal/statements/{statement.id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _table(html: str, table_id: str) -> str:
    """Return the HTML of the table with id table_id."""
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def _money(text: str) -> Decimal:
    """Parse an English amount such as "€1,090.75" or "-€15.00"."""
    cleaned = re.sub(r"[^0-9.\-]", "", text.replace("\u2212", "-"))
    return Decimal(cleaned)


def _cell(html: str, cell_id: str) -> str:
    match = re.search(rf'id="{cell_id}">([^<]*)<', html)
    assert match, f"no element with id {cell_id}"
    return match.group(1)


def test_priced_statement_page_renders(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    response = client.get(f"/portal/statements/{billed.november.id}")

    assert response.status_code == 200


def test_page_shows_summary_items(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    items = _table(_page(client, billed.november), "statement-items")

    # Labour of MAR-101: 20 + 50 minutes worked, rounded up to 30 + 60.
    assert "MAR-101 · Stampante bloccata" in items
    assert "Assistenza remota" in items
    assert "1:10 worked, 1:30 billed" in items
    assert "€60.00" in items
    assert "€90.00" in items
    # Mileage: 35 km at €0.45.
    assert "€0.45" in items
    assert "€15.75" in items
    # Prepaid labour is included in the package.
    assert "MAR-102 · Rete lenta" in items
    assert "Included" in items
    # The adjustment names the statement it corrects and its reason.
    assert f"Corrects statement {billed.october.number}" in items
    assert ADJUSTMENT_REASON in items
    assert "-€15.00" in items


def test_page_shows_package_movement(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    packages = _table(_page(client, billed.november), "statement-packages")

    assert "Pacchetto 10 ore" in packages
    assert "10:00" in packages
    assert "0:45" in packages
    assert "9:15" in packages
    assert "data-package" not in packages


def test_page_totals_and_vat(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    html = _page(client, billed.november)

    assert _cell(html, "statement-subtotal") == "€90.75"
    assert "VAT 22%" in html
    assert _cell(html, "statement-vat") == "€19.97"
    assert _cell(html, "statement-total") == "€110.72"
    assert VAT_NOTE in html
    assert "This document is a statement of work, not a tax invoice." in html


def test_printed_total_is_sum_of_items(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    html = _page(client, billed.november)
    items = _table(html, "statement-items")
    amounts = re.findall(r'<td class="num amount">(.*?)</td>', items, re.S)
    printed = [
        Decimal("0.00") if "Included" in amount else _money(amount)
        for amount in amounts
    ]
    subtotal = _money(_cell(html, "statement-subtotal"))
    vat = _money(_cell(html, "statement-vat"))
    total = _money(_cell(html, "statement-total"))

    assert len(printed) == len(billed.november.items)
    assert sum(printed, Decimal("0.00")) == subtotal
    assert subtotal + vat == total
    assert total == billed.november.total_amount


def test_page_shows_detail_lines(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    lines = _table(_page(client, billed.november), "statement-lines")

    assert "MAR-101 · Stampante bloccata" in lines
    assert "03/11/2026" in lines
    assert "Sostituito il toner" in lines
    assert "0:20 worked, 0:30 billed" in lines
    assert "Riavviato lo switch" in lines
    assert AGENT_NAME in lines
    # The mileage line and its quantity.
    assert "Sede del cliente" in lines
    assert ">35 km<" in lines


def test_page_hides_internal_data(client, bill_customer, sign_in):
    billed = bill_customer()
    sign_in(billed.customer_user)

    html = _page(client, billed.november)

    assert INTERNAL_NOTE not in html
    assert AGENT_EMAIL not in html
    assert ACCOUNTS_EMAIL not in html
    assert "/accounts/" not in html
    assert "data-entry" not in html
    assert "data-resource" not in html
    assert "data-package" not in html
    assert billed.time_and_materials.name not in html


def test_page_in_italian(client, bill_customer, make_user, sign_in):
    billed = bill_customer()
    sign_in(make_user(Role.CUSTOMER, customer=billed.customer, language="it"))

    html = _page(client, billed.november)

    assert _cell(html, "statement-total") == "110,72\xa0€"
    assert "Rettifica del rendiconto 2026/0001" in html
    assert "lavorato 1:10, fatturato 1:30" in html


def test_other_customer_statement_404(
    client, bill_customer, make_customer, make_user, sign_in
):
    billed = bill_customer()
    sign_in(make_user(Role.CUSTOMER, customer=make_customer()))

    response = client.get(f"/portal/statements/{billed.november.id}")

    assert response.status_code == 404
    assert "Officine Martini" not in response.get_data(as_text=True)


def _legacy_statement(customer, issuer) -> Statement:
    """Insert a statement as issued before items existed: amounts per line."""
    statement = Statement(
        customer_id=customer.id,
        period_start=date(2026, 6, 1),
        period_end=date(2026, 6, 30),
        year=2026,
        sequence=90,
        number="2026/0090",
        language=customer.language,
        currency="EUR",
        hourly_rate=Decimal("60.00"),
        total_minutes=75,
        total_amount=Decimal("75.00"),
        customer_name=customer.name,
        pdf=b"%PDF-1.7 legacy",
        pdf_sha256="0" * 64,
        issued_by_id=issuer.id,
        issued_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
    )
    statement.lines = [
        StatementLine(
            position=position,
            kind=ItemKind.LABOUR,
            ticket_key="MAR-050",
            ticket_title="Server lento",
            work_date=date(2026, 6, day),
            agent_name=AGENT_NAME,
            activity="Assistenza remota",
            description=description,
            minutes=minutes,
            raw_minutes=minutes,
            amount=amount,
        )
        for position, day, description, minutes, amount in [
            (1, 3, "Analisi del disco", 45, Decimal("45.00")),
            (2, 4, "Pulizia dei log", 30, Decimal("30.00")),
        ]
    ]
    db.session.add(statement)
    db.session.commit()
    return statement


def test_legacy_statement_keeps_old_layout(client, bill_customer, sign_in):
    billed = bill_customer()
    legacy = _legacy_statement(billed.customer, billed.accountant)
    sign_in(billed.customer_user)

    html = _page(client, legacy)
    lines = _table(html, "statement-lines")

    assert "MAR-050 · Server lento" in lines
    assert "Analisi del disco" in lines
    assert "€45.00" in lines
    assert "€30.00" in lines
    assert "Subtotal MAR-050" in lines
    assert _cell(html, "statement-total") == "€75.00"
    assert 'id="statement-items"' not in html
    assert "€60.00" not in html
