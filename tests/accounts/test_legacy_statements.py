"""Statements issued before priced items: one hourly rate, amounts on lines."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from portal.extensions import db
from portal.models import ItemKind, Role, StatementLine

from .conftest import ENGLISH

LEGACY_PDF = b"%PDF-1.7 legacy statement bytes"


def _legacy_statement(make_statement_row, customer, accountant):
    """Insert a statement the way issuing stored it before items existed."""
    statement = make_statement_row(customer, accountant, 3)
    statement.pdf = LEGACY_PDF
    statement.pdf_sha256 = hashlib.sha256(LEGACY_PDF).hexdigest()
    for position, (minutes, amount) in enumerate([(30, "30.00"), (60, "60.00")], 1):
        db.session.add(
            StatementLine(
                statement_id=statement.id,
                position=position,
                kind=ItemKind.LABOUR,
                ticket_key="ASS-0999",
                ticket_title="Vecchio ticket",
                work_date=date(2026, 11, position),
                agent_name="Luca Bianchi",
                activity="Assistenza remota",
                description=f"Riga storica {position}",
                minutes=minutes,
                raw_minutes=minutes,
                amount=Decimal(amount),
            )
        )
    db.session.commit()
    return statement


def test_legacy_statement_listed(
    client, login_as, month_of_work, accountant, make_statement_row
):
    statement = _legacy_statement(
        make_statement_row, month_of_work.customer, accountant
    )
    login_as(Role.ACCOUNTS)

    html = client.get("/accounts/", headers=ENGLISH).get_data(as_text=True)

    assert f'data-statement="{statement.number}"' in html
    assert "€90.00" in html


def test_legacy_statement_shown(
    client, login_as, month_of_work, accountant, make_statement_row
):
    statement = _legacy_statement(
        make_statement_row, month_of_work.customer, accountant
    )
    login_as(Role.ACCOUNTS)

    response = client.get(f"/accounts/statements/{statement.id}", headers=ENGLISH)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Riga storica 1" in html
    assert "€30.00" in html
    assert "€60.00" in html
    assert "€90.00" in html


def test_legacy_statement_downloads_stored_bytes(
    client, login_as, month_of_work, accountant, make_statement_row
):
    statement = _legacy_statement(
        make_statement_row, month_of_work.customer, accountant
    )
    login_as(Role.ACCOUNTS)

    response = client.get(f"/accounts/statements/{statement.id}/pdf")

    assert response.status_code == 200
    assert response.data == LEGACY_PDF
