"""The statement PDF read back with pdftotext: order, totals, languages, void mark."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import ItemKind, Statement, StatementLine
from portal.services.pdf import VOID_MARK, render_statement_pdf
from portal.services.statement_document import StatementFootingError

from .conftest import LONG_WORD, read_pdf, run, squeeze, translated, void

A4_WIDTH_PT = 595.28
RIGHT_MARGIN_PT = 15 / 25.4 * 72


@pytest.fixture
def italian(app, frozen_statement, tmp_path, request_context):
    statement = frozen_statement(language="it", detail_lines=140, long_word=True)
    return statement, read_pdf(render_statement_pdf(statement), tmp_path / "it.pdf")


@pytest.fixture
def english(app, frozen_statement, tmp_path, request_context):
    statement = frozen_statement(language="en", sequence=8, number="2026/0008")
    return statement, read_pdf(render_statement_pdf(statement), tmp_path / "en.pdf")


def _line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_summary_comes_before_details(italian, app):
    _statement, rendered = italian
    # Section headings are printed in capitals.
    summary = translated(app, "it", "Summary").upper()
    details = translated(app, "it", "Detail of the work").upper()
    total = translated(app, "it", "Total amount")
    text = rendered.text

    assert text.index(summary) < text.index(total) < text.index(details)
    assert summary in rendered.pages[0]


def test_labour_items_per_ticket_and_activity(italian):
    _statement, rendered = italian
    text = squeeze(rendered.text)

    assert "ASS-3001 · Stampante di rete" in text
    assert re.search(r"Assistenza remota 0:50 1:00 60,00 € 60,00 €", text)
    assert re.search(r"Intervento in sede 0:20 0:30 75,00 € 37,50 €", text)
    # The after-hours factor is printed with its band.
    factor_row = r"Assistenza remota · sabato ×1,5 1:35 2:00 60,00 € 180,00 €"
    assert re.search(factor_row, text)


def test_section_totals_foot(italian, app):
    _statement, rendered = italian
    text = squeeze(rendered.text)
    labour_total = translated(app, "it", "Total labour")

    # 60,00 + 37,50 + 180,00 printed above.
    assert re.search(rf"{labour_total} 2:45 3:30 277,50 €", text)


def test_totals_and_vat_line(italian, app):
    statement, rendered = italian
    text = squeeze(rendered.text)
    subtotal = translated(app, "it", "Subtotal")
    vat = translated(app, "it", "VAT %(rate)s%%", rate="22")
    total = translated(app, "it", "Total amount")

    # 277,50 labour + 15,75 mileage - 40,00 adjustment.
    assert statement.subtotal_amount == Decimal("253.25")
    assert re.search(rf"{subtotal} 253,25 €", text)
    assert re.search(rf"{re.escape(vat)} 55,72 €", text)
    assert re.search(rf"{total} 308,97 €", text)
    assert "Operazione soggetta a IVA ordinaria." in text


def test_no_vat_line_without_rate(app, frozen_statement, tmp_path, request_context):
    statement = frozen_statement(vat_rate=None)
    rendered = read_pdf(render_statement_pdf(statement), tmp_path / "novat.pdf")
    vat = translated(app, "it", "VAT %(rate)s%%", rate="22")

    assert vat not in rendered.text
    assert re.search(r"253,25 €", squeeze(rendered.text))


def test_statement_of_work_notice(italian, app):
    _statement, rendered = italian
    notice = translated(
        app, "it", "This document is a statement of work, not a tax invoice."
    )

    for number, page in enumerate(rendered.pages, start=1):
        assert notice in page, f"page {number} lacks the notice"


def test_package_movement_table(italian):
    _statement, rendered = italian
    row = squeeze(_line_with(rendered.text, "Monte ore 2026"))

    assert "01/01/2026 – 31/12/2026" in row
    assert re.search(r"20:00 15:00 2:45 12:15", row)


def test_adjustment_refers_to_original(italian, app):
    _statement, rendered = italian
    label = translated(
        app, "it", "Adjustment to statement %(number)s", number="2026/0003"
    )
    row = squeeze(_line_with(rendered.text, label))

    assert "Ore di ottobre fatturate due volte" in row
    assert "-40,00 €" in row


def test_resources_in_summary_and_details(italian):
    _statement, rendered = italian
    text = squeeze(rendered.text)

    summary_row = r"ASS-3001 · Chilometri · Sede del cliente 35 km 0,45 € 15,75 €"
    assert re.search(summary_row, text)
    assert re.search(r"35 km 03/11/2026 · ASS-3001 · Luca Bianchi · Chilometri", text)


def test_detail_line_shows_worked_and_billed(italian):
    _statement, rendered = italian
    row = squeeze(_line_with(rendered.text, "Verifica è già stata fatta"))

    assert re.search(r"0:20 0:30 01/11/2026 · Luca Bianchi · Assistenza remota", row)


def test_page_x_of_y_on_every_page(italian, app):
    _statement, rendered = italian
    total = len(rendered.pages)

    assert total >= 3
    for number, page in enumerate(rendered.pages, start=1):
        footer = translated(
            app, "it", "Page %(page)s of %(pages)s", page=number, pages=total
        )
        assert footer in page, f"page {number} lacks {footer!r}"


def test_detail_header_repeats_on_every_page(italian, app):
    _statement, rendered = italian
    worked = translated(app, "it", "Worked")
    title = translated(app, "it", "Date · agent · activity — description")
    detail_pages = [page for page in rendered.pages if "Intervento numero" in page]

    assert len(detail_pages) >= 2
    for page in detail_pages:
        assert worked in page
        assert title in page


def test_long_word_wraps_inside_page(italian):
    _statement, rendered = italian
    bbox = run("pdftotext", "-bbox", str(rendered.path), "-")
    right_edges = [float(edge) for edge in re.findall(r'xMax="([\d.]+)"', bbox)]
    joined = re.sub(r"\s+", "", rendered.text)

    assert max(right_edges) <= A4_WIDTH_PT - RIGHT_MARGIN_PT + 1
    assert LONG_WORD in joined


def test_italian_formats(italian, app):
    _statement, rendered = italian

    assert "novembre 2026" in rendered.pages[0]
    assert "02/12/2026" in rendered.pages[0]
    assert "Verifica è già stata fatta" in rendered.text
    assert translated(app, "it", "Statement of work") in rendered.pages[0]


def test_english_formats(english, app):
    _statement, rendered = english
    text = squeeze(rendered.text)

    assert "November 2026" in rendered.pages[0]
    assert "€308.97" in text
    assert "€1,234" not in text
    assert re.search(r"Assistenza remota 0:50 1:00 €60.00 €60.00", text)
    assert "Adjustment to statement 2026/0003" in text
    assert "Total labour" in text


def test_void_copy_marked_on_every_page(
    app, frozen_statement, tmp_path, request_context
):
    statement = void(frozen_statement(detail_lines=120), "Cliente sbagliato")
    rendered = read_pdf(render_statement_pdf(statement, void=True), tmp_path / "v.pdf")

    assert len(rendered.pages) >= 2
    for number, page in enumerate(rendered.pages, start=1):
        assert VOID_MARK in page, f"page {number} lacks the void mark"
    first = squeeze(rendered.pages[0])
    assert "Cliente sbagliato" in first
    assert "09/12/2026" in first


def test_issued_copy_has_no_void_mark(italian):
    _statement, rendered = italian

    assert VOID_MARK not in rendered.text


def test_footing_error_rejects_render(frozen_statement, request_context):
    statement = frozen_statement()
    statement.subtotal_amount = Decimal("999.99")
    db.session.commit()

    with pytest.raises(StatementFootingError, match="subtotal"):
        render_statement_pdf(statement)


def test_legacy_statement_void_copy(app, frozen_statement, tmp_path, request_context):
    """A statement from before items prints its lines' own amounts."""
    statement = frozen_statement(resources=False, adjustment=False, package=False)
    statement.items = []
    statement.lines = [
        StatementLine(
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
        for position, (minutes, amount) in enumerate([(30, "30.00"), (60, "60.00")], 1)
    ]
    statement.hourly_rate = Decimal("60.00")
    statement.total_minutes = 90
    statement.total_amount = Decimal("90.00")
    void(statement)
    statement = db.session.get(Statement, statement.id)

    rendered = read_pdf(render_statement_pdf(statement, void=True), tmp_path / "l.pdf")
    text = squeeze(rendered.text)
    subtotal = translated(app, "it", "Subtotal %(ticket)s", ticket="ASS-0999")

    assert VOID_MARK in rendered.pages[0]
    assert "Riga storica 1" in text
    assert re.search(rf"{subtotal} 1:30 90,00 €", text)
