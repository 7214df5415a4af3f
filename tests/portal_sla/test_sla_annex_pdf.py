"""The SLA annex PDF: its figures, language, pages and scope, read with pdftotext."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import get_domain

from portal.extensions import db
from portal.models import Role
from tests.portal_sla.conftest import assert_clean

ITALIAN_LABELS = {
    "SLA annex": "Allegato SLA",
    "First response": "Prima risposta",
    "Resolution": "Risoluzione",
    "Tickets that breached a target": "Ticket che hanno superato un obiettivo",
    "Page %(page)s of %(pages)s": "Pagina %(page)s di %(pages)s",
}


def pdf_text(pdf: bytes, folder: Path, layout: bool = False) -> str:
    """Return the text of a PDF as poppler's pdftotext reads it."""
    path = folder / "annex.pdf"
    path.write_bytes(pdf)
    options = ["-layout"] if layout else []
    result = subprocess.run(
        ["pdftotext", *options, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout


def page_count(pdf: bytes, folder: Path) -> tuple[int, str]:
    path = folder / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    pages = next(line for line in info.splitlines() if line.startswith("Pages:"))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    return int(pages.split()[1]), size


@pytest.fixture
def italian_catalogue(app, tmp_path, monkeypatch):
    """Translate some annex labels with a test catalogue, not the project's."""
    catalog = Catalog(locale="it")
    for message, translation in ITALIAN_LABELS.items():
        catalog.add(message, translation)
    folder = tmp_path / "catalogue" / "it" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as mo_file:
        write_mo(mo_file, catalog)

    babel_config = app.extensions["babel"]
    monkeypatch.setattr(
        babel_config, "translation_directories", [str(tmp_path / "catalogue")]
    )
    # Flask-Babel caches catalogues per locale, so empty the cache both ways.
    get_domain().cache.clear()
    yield
    get_domain().cache.clear()


def test_portal_annex_downloads(customer_client, sla_world, tmp_path):
    response = customer_client.get("/portal/sla/annex.pdf?month=2026-12")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "sla-annex-2026-12.pdf" in disposition
    assert "private" in response.headers["Cache-Control"]
    pages, size = page_count(response.data, tmp_path)
    assert pages >= 1
    assert "A4" in size


def test_portal_annex_figures(customer_client, sla_world, tmp_path):
    response = customer_client.get("/portal/sla/annex.pdf?month=2026-12")
    text = pdf_text(response.data, tmp_path)
    layout = pdf_text(response.data, tmp_path, layout=True)

    assert "SLA annex" in text
    assert "December 2026" in text
    assert "Alfa Ricambi Srl" in text
    assert "tickets opened in December 2026" in " ".join(text.split())
    urgent = next(
        line for line in layout.splitlines() if line.strip().startswith("Urgent")
    )
    high = next(line for line in layout.splitlines() if line.strip().startswith("High"))
    assert urgent.count("100.0%") == 2
    assert high.count("50.0%") == 2
    assert "ALFA-HIGH-1" in text
    assert "ALFA-NORM-1" in text
    assert "No SLA target for this priority" in text
    assert "Page 1 of" in text
    assert_clean(text, sla_world, "annex PDF")


def test_annex_leaves_out_other_month(customer_client, sla_world, tmp_path):
    response = customer_client.get("/portal/sla/annex.pdf?month=2026-11")
    text = pdf_text(response.data, tmp_path)

    assert "November 2026" in text
    # NOV-1 is urgent and still has no response, so its clock has failed.
    assert "ALFA-NOV-1" in text
    assert "ALFA-HIGH-1" not in text


def test_annex_italian_customer(client, sla_world, sign_in, make_user, frozen_now,
                                tmp_path, italian_catalogue):  # fmt: skip
    sla_world.customer_a.language = "it"
    db.session.commit()
    sign_in(make_user(Role.CUSTOMER, customer=sla_world.customer_a, language="en"))

    response = client.get("/portal/sla/annex.pdf?month=2026-12")
    text = " ".join(pdf_text(response.data, tmp_path).split())

    assert "allegato-sla-2026-12.pdf" in response.headers["Content-Disposition"]
    assert "Allegato SLA" in text
    assert "dicembre 2026" in text
    assert "Prima risposta" in text
    assert "Risoluzione" in text
    # pdf.css prints section headings in capitals.
    assert "TICKET CHE HANNO SUPERATO UN OBIETTIVO" in text
    assert "50,0%" in text
    assert "100,0%" in text
    assert "Pagina 1 di" in text
    assert "December" not in text


def test_annex_invalid_month_is_422(customer_client, sla_world):
    response = customer_client.get("/portal/sla/annex.pdf?month=2026-99")

    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Enter a month as YYYY-MM" in response.get_data(as_text=True)


def test_annex_of_customer_b_only_has_b(client, sla_world, sign_in, make_user,
                                        frozen_now, tmp_path):  # fmt: skip
    sign_in(make_user(Role.CUSTOMER, customer=sla_world.customer_b))

    text = pdf_text(client.get("/portal/sla/annex.pdf?month=2026-12").data, tmp_path)

    assert "BETAKEY-901" in text
    assert "ALFA-" not in text
    assert "Alfa Ricambi" not in text


def test_accounts_annex(accounts_client, sla_world, tmp_path):
    customer_id = sla_world.customer_a.id

    response = accounts_client.get(
        f"/accounts/sla/annex.pdf?customer_id={customer_id}&month=2026-12"
    )
    text = pdf_text(response.data, tmp_path)

    assert response.status_code == 200
    assert "Alfa Ricambi Srl" in text
    assert "ALFA-HIGH-1" in text
    assert "BETAKEY-901" not in text


def test_accounts_annex_without_customer_is_422(accounts_client, sla_world):
    response = accounts_client.get("/accounts/sla/annex.pdf?month=2026-12")

    assert response.status_code == 422
    assert "Choose a customer." in response.get_data(as_text=True)
