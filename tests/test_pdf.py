"""Statement PDFs: layout, languages, page footers, wrapping and fetched files.

The PDFs are rendered once per module from in-memory statements, and their
text is read back with poppler's pdftotext, pdfinfo and pdffonts.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import force_locale, get_domain
from flask_babel import gettext as _

from portal import create_app
from portal.models import Statement, StatementLine
from portal.services.pdf import (
    StaticFilesFetcher,
    css_string,
    render_statement_pdf,
    statement_filename,
)
from portal.services.statements import line_amount

RATE = Decimal("90.00")
# 450 digits with no break opportunity: "000001002...149".
LONG_WORD = "".join(f"{number:03d}" for number in range(150))
ACCENTED = "verifica è già stata fatta"
A4_WIDTH_PT = 595.28
RIGHT_MARGIN_PT = 15 / 25.4 * 72


@dataclass
class RenderedPdf:
    pdf: bytes
    path: Path
    text: str
    pages: list[str]


def _statement(language: str, lines: list[StatementLine]) -> Statement:
    statement = Statement(
        number="2026/0007",
        year=2026,
        sequence=7,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        language=language,
        currency="EUR",
        hourly_rate=RATE,
        total_minutes=sum(line.minutes for line in lines),
        total_amount=sum(line.amount for line in lines),
        customer_name="Ferramenta Bellè Snc",
        customer_address="Corso Novara 12, 10152 Torino",
        customer_vat_number="IT09876543210",
        issued_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    statement.lines = lines
    return statement


def _line(
    position: int, minutes: int, description: str, activity: str
) -> StatementLine:
    return StatementLine(
        position=position,
        ticket_key=f"ASS-{3000 + position // 15}",
        ticket_title="Modem in sede che si disconnette",
        work_date=date(2026, 11, 1 + position % 28),
        agent_name="Luca Bianchi",
        activity=activity,
        description=description,
        minutes=minutes,
        amount=line_amount(minutes, RATE),
    )


def _long_italian_statement() -> Statement:
    """Build 90 lines over 3+ pages: 89 × 9 min + 22 min at 90.00/h = 1.234,50 €."""
    lines = []
    for position in range(90):
        minutes = 22 if position == 0 else 9
        description = f"Intervento {position}: il modem si disconnette ogni ora"
        if position % 3 == 0:
            description = ACCENTED
        if position == 4:
            description = f"Log completo: {LONG_WORD}"
        lines.append(_line(position, minutes, description, "Assistenza remota"))
    return _statement("it", lines)


def _short_english_statement() -> Statement:
    lines = [_line(1, 823, "Firewall rules reviewed", "Remote support")]
    return _statement("en", lines)


def _read_back(pdf: bytes, path: Path) -> RenderedPdf:
    path.write_bytes(pdf)
    text = _run("pdftotext", "-layout", str(path), "-")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return RenderedPdf(pdf, path, text, pages)


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def italian(app, tmp_path_factory) -> RenderedPdf:
    with app.test_request_context():
        pdf = render_statement_pdf(_long_italian_statement())
    return _read_back(pdf, tmp_path_factory.mktemp("pdf") / "italian.pdf")


@pytest.fixture(scope="module")
def english(app, tmp_path_factory) -> RenderedPdf:
    with app.test_request_context():
        pdf = render_statement_pdf(_short_english_statement())
    return _read_back(pdf, tmp_path_factory.mktemp("pdf") / "english.pdf")


def _translated(app, language: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        return _(message, **values)


def test_pdf_is_a4_with_three_pages(italian):
    info = _run("pdfinfo", str(italian.path))

    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert len(italian.pages) >= 3


def test_pdf_shows_company_and_customer(italian, app):
    first_page = italian.pages[0]

    assert app.config["COMPANY_NAME"] in first_page
    assert app.config["COMPANY_ADDRESS"] in first_page
    assert app.config["COMPANY_VAT_NUMBER"] in first_page
    assert "Ferramenta Bellè Snc" in first_page
    assert "Corso Novara 12, 10152 Torino" in first_page
    assert "IT09876543210" in first_page
    assert "2026/0007" in first_page
    assert "02/12/2026" in first_page
    assert "novembre 2026" in first_page


def test_pdf_keeps_accents(italian):
    assert ACCENTED in italian.text
    assert "Ferramenta Bellè Snc" in italian.text


def test_pdf_italian_total(italian):
    assert "1.234,50 €" in italian.pages[-1]
    assert "13:43" in italian.pages[-1]
    assert "13,72" in italian.pages[-1]


def test_pdf_english_total(english):
    assert "€1,234.50" in english.text
    assert "November 2026" in english.text
    assert "Remote support" in english.text


def test_pdf_subtotals_per_ticket(italian, app):
    subtotal = _translated(app, "it", "Subtotal %(ticket)s", ticket="ASS-3000")

    # Lines 0-14 are ASS-3000: 22 + 14 × 9 = 148 minutes = 2:28 and 222,00 €.
    subtotal_line = next(line for line in italian.text.splitlines() if subtotal in line)
    assert "2:28" in subtotal_line
    assert "222,00 €" in subtotal_line


def test_pdf_page_footer_on_every_page(italian, app):
    total = len(italian.pages)
    notice = _translated(
        app, "it", "This document is a statement of work, not a tax invoice."
    )

    for number, page in enumerate(italian.pages, start=1):
        footer = _translated(
            app, "it", "Page %(page)s of %(pages)s", page=number, pages=total
        )
        assert footer in page, f"page {number} has no footer {footer!r}"
        assert notice in page


def test_pdf_footer_uses_translation(tmp_path):
    """Render with a test Italian catalogue, independent of the project's one."""
    catalog = Catalog(locale="it")
    catalog.add("Page %(page)s of %(pages)s", "Pagina %(page)s di %(pages)s")
    catalog.add(
        "This document is a statement of work, not a tax invoice.",
        'Rendiconto "di prova", non una fattura.',
    )
    folder = tmp_path / "it" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as mo_file:
        write_mo(mo_file, catalog)
    italian_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path),
        }
    )
    lines = [
        _line(position, 9, ACCENTED, "Assistenza remota") for position in range(70)
    ]

    with italian_app.test_request_context():
        # Flask-Babel 4 caches catalogues per locale across apps, so empty the
        # cache to load this one, and again so later tests load their own.
        domain = get_domain()
        domain.cache.clear()
        try:
            pdf = render_statement_pdf(_statement("it", lines))
        finally:
            domain.cache.clear()

    rendered = _read_back(pdf, tmp_path / "translated.pdf")
    total = len(rendered.pages)
    assert total >= 2
    for number, page in enumerate(rendered.pages, start=1):
        assert f"Pagina {number} di {total}" in page
        assert 'Rendiconto "di prova", non una fattura.' in page


def test_pdf_repeats_table_header(italian, app):
    labels = [
        _translated(app, "it", label) for label in ("Date", "Activity", "Description")
    ]
    header = re.compile(r"\s+".join(re.escape(label) for label in labels))

    # The last page may contain only the totals, after the table has ended.
    table_pages = [page for page in italian.pages if "/11/2026" in page]
    assert len(table_pages) >= 3
    for number, page in enumerate(table_pages[1:], start=2):
        assert header.search(page), f"page {number} lacks the table header"


def test_pdf_wraps_long_word_inside_page(italian):
    bbox = _run("pdftotext", "-bbox", str(italian.path), "-")
    right_edges = [float(edge) for edge in re.findall(r'xMax="([\d.]+)"', bbox)]
    joined = re.sub(r"\s+", "", italian.text)

    assert right_edges
    assert max(right_edges) <= A4_WIDTH_PT - RIGHT_MARGIN_PT + 1
    assert LONG_WORD in joined


def test_pdf_embeds_only_bundled_fonts(italian):
    fonts = _run("pdffonts", str(italian.path)).splitlines()[2:]

    # pdf.css names the static/fonts files "Consuntivo Sans", a family no system
    # font has, so any other name means a fallback font from the machine.
    assert fonts
    for row in fonts:
        name = row.split()[0]
        assert name.split("+")[-1].startswith("Consuntivo-Sans"), row
        assert " yes " in row, f"font not embedded: {row}"


def test_pdf_download_names():
    italian = Statement(number="2026/0007", language="it")
    english = Statement(number="2026/0007", language="en")

    assert statement_filename(italian) == "rendiconto-2026-0007.pdf"
    assert statement_filename(english) == "statement-2026-0007.pdf"


# The URL fetcher.


@pytest.fixture
def fetcher(app) -> StaticFilesFetcher:
    return StaticFilesFetcher(Path(app.static_folder))


def test_fetcher_serves_static_file(fetcher, app):
    url = (Path(app.static_folder) / "css" / "pdf.css").resolve().as_uri()

    response = fetcher.fetch(url)

    assert response.content_type == "text/css"
    assert b"@font-face" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/logo.png",
        "https://example.com/font.ttf",
        "ftp://example.com/file.css",
        "data:text/css,body{color:red}",
        "file:///etc/passwd",
        "file://otherhost/static/css/pdf.css",
    ],
)
def test_fetcher_rejects_outside_urls(fetcher, url):
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_fetcher_rejects_path_traversal(fetcher, app):
    static = Path(app.static_folder).resolve()
    escaping = static.as_uri() + "/../pyproject.toml"
    missing = static.as_uri() + "/css/missing.css"

    with pytest.raises(ValueError):
        fetcher.fetch(escaping)
    with pytest.raises(ValueError):
        fetcher.fetch(missing)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pagina ", '"Pagina "'),
        ('say "hi"', '"say \\22 hi\\22 "'),
        ("back\\slash", '"back\\5c slash"'),
        ("</style>", '"\\3c /style\\3e "'),
        ("line\nbreak", '"line\\a break"'),
    ],
)
def test_css_string_escapes(text, expected):
    assert css_string(text) == expected
