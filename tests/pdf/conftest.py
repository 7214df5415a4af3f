"""Fixtures for statement PDFs: frozen statements written straight to the database.

The rows are built here, the way issuing stores them, so these tests depend
on the models only and not on how statements are priced.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import (
    ItemKind,
    PdfStatus,
    PrepaidPackage,
    Role,
    Statement,
    StatementItem,
    StatementLine,
    StatementPackageLine,
    StatementStatus,
    User,
)

CENT = Decimal("0.01")
ISSUED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
VOIDED_AT = datetime(2026, 12, 9, 15, 30, tzinfo=UTC)
# 450 digits with no break opportunity: "000001002...149".
LONG_WORD = "".join(f"{number:03d}" for number in range(150))


@dataclass
class FrozenSpec:
    """What a frozen statement contains; the defaults foot to the cent."""

    language: str = "it"
    number: str = "2026/0007"
    sequence: int = 7
    detail_lines: int = 6
    vat_rate: Decimal | None = Decimal("22")
    vat_note: str | None = "Operazione soggetta a IVA ordinaria."
    adjustment: bool = True
    package: bool = True
    resources: bool = True
    long_word: bool = False
    status: PdfStatus = PdfStatus.PENDING
    extra_descriptions: list[str] = field(default_factory=list)


@dataclass
class Rendered:
    pdf: bytes
    path: Path
    text: str
    pages: list[str]


@pytest.fixture
def accountant(make_user) -> User:
    return make_user(Role.ACCOUNTS, name="Anna Conti")


@pytest.fixture
def frozen_statement(make_customer, accountant) -> Callable[..., Statement]:
    """Insert an issued statement with items, lines and a package movement."""

    def factory(**overrides) -> Statement:
        spec = FrozenSpec(**overrides)
        customer = make_customer(
            name=f"Ferramenta Bellè {spec.sequence} Snc", language=spec.language
        )
        contract = customer.contracts[0]
        package = PrepaidPackage(
            contract=contract,
            name="Monte ore 2026",
            minutes_bought=1200,
            purchase_date=date(2026, 1, 1),
            expiry_date=date(2026, 12, 31),
            price=Decimal("900.00"),
        )
        db.session.add(package)
        db.session.flush()
        statement = _statement(spec, customer, accountant, package)
        db.session.add(statement)
        db.session.commit()
        return statement

    return factory


def _statement(spec: FrozenSpec, customer, accountant, package) -> Statement:
    items = [
        _labour("ASS-3001", "Stampante di rete", "Assistenza remota", 50, 60, "60.00"),
        _labour("ASS-3001", "Stampante di rete", "Intervento in sede", 20, 30, "75.00"),
        _labour("ASS-3002", "VPN lenta", "Assistenza remota", 95, 120, "60.00", "1.50"),
    ]
    if spec.resources:
        items.append(
            StatementItem(
                kind=ItemKind.MILEAGE,
                ticket_key="ASS-3001",
                ticket_title="Stampante di rete",
                activity="Chilometri",
                description="Sede del cliente",
                quantity=Decimal("35"),
                unit_price=Decimal("0.45"),
                amount=Decimal("15.75"),
            )
        )
    if spec.adjustment:
        items.append(
            StatementItem(
                kind=ItemKind.ADJUSTMENT,
                activity="Rettifica",
                description="Ore di ottobre fatturate due volte",
                amount=Decimal("-40.00"),
                refers_to_number="2026/0003",
            )
        )
    for position, item in enumerate(items, start=1):
        item.position = position

    subtotal = sum((item.amount for item in items), Decimal("0.00"))
    vat = None
    if spec.vat_rate is not None:
        vat = (subtotal * spec.vat_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    labour = [item for item in items if item.kind == ItemKind.LABOUR]
    statement = Statement(
        customer_id=customer.id,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        year=2026,
        sequence=spec.sequence,
        number=spec.number,
        language=spec.language,
        currency="EUR",
        total_minutes=sum(item.billed_minutes for item in labour),
        raw_minutes=sum(item.raw_minutes for item in labour),
        subtotal_amount=subtotal,
        vat_rate=spec.vat_rate,
        vat_amount=vat,
        vat_note=spec.vat_note if spec.vat_rate is not None else None,
        total_amount=subtotal + (vat or Decimal("0.00")),
        customer_name=customer.name,
        customer_address=customer.address,
        customer_vat_number=customer.vat_number,
        pdf_status=spec.status,
        issued_by_id=accountant.id,
        issued_at=ISSUED_AT,
    )
    statement.items = items
    statement.lines = _lines(spec)
    if spec.package:
        statement.package_lines = [
            StatementPackageLine(
                position=1,
                package_id=package.id,
                package_name=package.name,
                purchase_date=package.purchase_date,
                expiry_date=package.expiry_date,
                minutes_bought=1200,
                opening_minutes=900,
                consumed_minutes=165,
                closing_minutes=735,
            )
        ]
    return statement


def _labour(
    key: str,
    title: str,
    activity: str,
    raw: int,
    billed: int,
    rate: str,
    multiplier: str = "1",
) -> StatementItem:
    amount = Decimal(billed) * Decimal(rate) * Decimal(multiplier) / 60
    return StatementItem(
        kind=ItemKind.LABOUR,
        contract_name="Contratto assistenza",
        ticket_key=key,
        ticket_title=title,
        activity=activity,
        description="sabato" if multiplier != "1" else "",
        bands="saturday" if multiplier != "1" else "",
        raw_minutes=raw,
        billed_minutes=billed,
        unit_price=Decimal(rate),
        multiplier=Decimal(multiplier),
        amount=amount.quantize(CENT, rounding=ROUND_HALF_UP),
    )


def _lines(spec: FrozenSpec) -> list[StatementLine]:
    descriptions = [
        "Verifica è già stata fatta",
        "Sostituito il toner e stampata una pagina di prova",
        "Analizzati i log della VPN",
    ] + spec.extra_descriptions
    if spec.long_word:
        descriptions.append(f"Log completo: {LONG_WORD}")
    lines = []
    count = max(spec.detail_lines, len(descriptions))
    for index in range(count):
        key = "ASS-3001" if index % 2 == 0 else "ASS-3002"
        lines.append(
            StatementLine(
                position=index + 1,
                kind=ItemKind.LABOUR,
                ticket_key=key,
                ticket_title="Stampante di rete" if key == "ASS-3001" else "VPN lenta",
                work_date=date(2026, 11, 1 + index % 28),
                agent_name="Luca Bianchi",
                activity="Assistenza remota",
                description=descriptions[index % len(descriptions)]
                if index < len(descriptions)
                else f"Intervento numero {index}",
                minutes=30,
                raw_minutes=20,
            )
        )
    if spec.resources:
        lines.append(
            StatementLine(
                position=count + 1,
                kind=ItemKind.MILEAGE,
                ticket_key="ASS-3001",
                ticket_title="Stampante di rete",
                work_date=date(2026, 11, 3),
                agent_name="Luca Bianchi",
                activity="Chilometri",
                description="Sede del cliente",
                minutes=0,
                raw_minutes=0,
                quantity=Decimal("35"),
            )
        )
    return lines


def void(statement: Statement, reason: str = "Cliente sbagliato") -> Statement:
    """Mark the statement void the way voiding stores it."""
    statement.status = StatementStatus.VOID
    statement.void_reason = reason
    statement.voided_at = VOIDED_AT
    db.session.commit()
    return statement


def read_pdf(pdf: bytes, path: Path) -> Rendered:
    """Write the PDF and read its text back with pdftotext -layout, page by page."""
    path.write_bytes(pdf)
    text = run("pdftotext", "-layout", str(path), "-")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return Rendered(pdf, path, text, pages)


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def translated(app: Flask, language: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        return _(message, **values)


def squeeze(text: str) -> str:
    """Collapse runs of spaces, which pdftotext -layout uses to place columns."""
    return re.sub(r"[ \u00a0\u2007\u202f]+", " ", text)


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield
