"""Statement pages and downloads while the PDF renders, after it and once void."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import PdfStatus, Role, Statement
from portal.services import pdf_jobs

from .conftest import void

ENGLISH = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", "Accept-Language": "en"}


def _status_url(statement: Statement) -> str:
    return f"/accounts/statements/{statement.id}/pdf-status"


def _set_status(statement: Statement, status: PdfStatus, error: str | None = None):
    statement.pdf_status = status
    statement.pdf_error = error
    db.session.commit()


@pytest.fixture
def accounts_client(client, login_as):
    login_as(Role.ACCOUNTS, language="en")
    return client


def test_download_409_while_pending(accounts_client, frozen_statement):
    statement = frozen_statement(language="en")

    response = accounts_client.get(
        f"/accounts/statements/{statement.id}/pdf", headers=ENGLISH
    )

    assert response.status_code == 409
    assert "is being prepared" in response.get_data(as_text=True)


def test_download_after_render_keeps_etag(
    accounts_client, frozen_statement, request_context
):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)
    url = f"/accounts/statements/{statement.id}/pdf"

    first = accounts_client.get(url)
    second = accounts_client.get(url)
    cached = accounts_client.get(url, headers={"If-None-Match": first.headers["ETag"]})

    stored = db.session.get(Statement, statement.id)
    assert first.status_code == 200
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["ETag"].strip('"') == stored.pdf_sha256
    assert cached.status_code == 304


def test_void_statement_downloads_void_copy(
    accounts_client, frozen_statement, request_context
):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)
    void(db.session.get(Statement, statement.id))
    url = f"/accounts/statements/{statement.id}/pdf"

    pending = accounts_client.get(url)
    pdf_jobs.request_render(statement.id, void_copy=True)
    ready = accounts_client.get(url)

    stored = db.session.get(Statement, statement.id)
    assert pending.status_code == 409
    assert ready.status_code == 200
    assert ready.headers["ETag"].strip('"') == stored.void_pdf_sha256
    assert ready.data != stored.pdf


def test_portal_download_409_while_pending(client, login_as, frozen_statement):
    statement = frozen_statement(language="en")
    customer = db.session.get(Statement, statement.id).customer
    login_as(Role.CUSTOMER, customer=customer, language="en")

    listing = client.get("/portal/statements", headers=ENGLISH)
    response = client.get(f"/portal/statements/{statement.id}/pdf", headers=ENGLISH)

    assert response.status_code == 409
    assert "is being prepared" in response.get_data(as_text=True)
    assert "Being prepared" in listing.get_data(as_text=True)


def test_portal_download_after_render(
    client, login_as, frozen_statement, request_context
):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)
    customer = db.session.get(Statement, statement.id).customer
    login_as(Role.CUSTOMER, customer=customer)

    first = client.get(f"/portal/statements/{statement.id}/pdf")
    second = client.get(f"/portal/statements/{statement.id}/pdf")

    assert first.status_code == 200
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]


def test_status_fragment_polls_while_pending(accounts_client, frozen_statement):
    statement = frozen_statement()

    html = accounts_client.get(_status_url(statement), headers=HTMX).get_data(
        as_text=True
    )

    assert 'data-status="pending"' in html
    assert f'hx-get="{_status_url(statement)}"' in html
    assert re.search(r'hx-trigger="load delay:1(\.\d+)?s"', html)
    assert 'hx-swap="outerHTML"' in html
    assert "download-pdf" not in html


def test_status_fragment_polls_while_rendering(accounts_client, frozen_statement):
    statement = frozen_statement()
    _set_status(statement, PdfStatus.RENDERING)

    html = accounts_client.get(_status_url(statement), headers=HTMX).get_data(
        as_text=True
    )

    assert "hx-trigger" in html
    assert "being prepared" in html


def test_status_fragment_stops_when_ready(
    accounts_client, frozen_statement, request_context
):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)

    html = accounts_client.get(_status_url(statement), headers=HTMX).get_data(
        as_text=True
    )

    assert "hx-trigger" not in html
    assert f'href="/accounts/statements/{statement.id}/pdf"' in html
    assert 'id="download-pdf"' in html


def test_status_fragment_shows_failure(accounts_client, frozen_statement):
    statement = frozen_statement()
    _set_status(statement, PdfStatus.FAILED, "OSError: disk full")

    html = accounts_client.get(_status_url(statement), headers=HTMX).get_data(
        as_text=True
    )

    assert "hx-trigger" not in html
    assert "OSError: disk full" in html
    assert f'hx-post="/accounts/statements/{statement.id}/pdf-retry"' in html


def test_retry_button_renders_again(accounts_client, frozen_statement):
    statement = frozen_statement()
    _set_status(statement, PdfStatus.FAILED, "OSError: disk full")

    response = accounts_client.post(
        f"/accounts/statements/{statement.id}/pdf-retry", headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-status="ready"' in html
    assert db.session.get(Statement, statement.id).pdf_status == PdfStatus.READY


def test_status_needs_accounts_role(client, login_as, frozen_statement):
    statement = frozen_statement()
    login_as(Role.AGENT)

    assert client.get(_status_url(statement)).status_code == 403


def test_statement_page_shows_frozen_summary(
    accounts_client, frozen_statement, request_context
):
    statement = frozen_statement(language="en")
    pdf_jobs.request_render(statement.id)

    html = accounts_client.get(
        f"/accounts/statements/{statement.id}", headers=ENGLISH
    ).get_data(as_text=True)

    assert 'id="statement-items"' in html
    assert "ASS-3002 · VPN lenta" in html
    assert "×1.5" in html
    assert "Adjustment to statement 2026/0003" in html
    assert "Monte ore 2026" in html
    assert "VAT 22%" in html
    assert re.search(r'id="statement-subtotal">€253.25<', html)
    assert re.search(r'id="statement-total">€308.97<', html)
    # Worked and billed time side by side, for items and for lines.
    assert re.search(r"<td class=\"num\">1:35</td>\s*<td class=\"num\">2:00</td>", html)
    assert re.search(r"<td class=\"num\">0:20</td>\s*<td class=\"num\">0:30</td>", html)
    assert 'id="statement-lines"' in html
    assert 'data-status="ready"' in html


def test_statement_page_polls_while_pending(accounts_client, frozen_statement):
    statement = frozen_statement()

    html = accounts_client.get(f"/accounts/statements/{statement.id}").get_data(
        as_text=True
    )

    assert f'hx-get="{_status_url(statement)}"' in html
    assert 'id="download-pdf"' not in html


def test_statement_page_void_state(accounts_client, frozen_statement, accountant):
    statement = frozen_statement()
    statement.voided_by_id = accountant.id
    void(statement, "Cliente sbagliato")

    html = accounts_client.get(
        f"/accounts/statements/{statement.id}", headers=ENGLISH
    ).get_data(as_text=True)

    assert 'id="void-panel"' in html
    assert "Cliente sbagliato" in html
    assert "Anna Conti" in html
    assert "09/12/2026" in html
    assert 'id="void-statement"' not in html
    assert 'id="new-adjustment"' not in html


def test_statement_page_links_corrections(app, accounts_client, frozen_statement):
    statement = frozen_statement()

    html = accounts_client.get(f"/accounts/statements/{statement.id}").get_data(
        as_text=True
    )

    for endpoint, element in (
        ("accounts.void_statement", 'id="void-statement"'),
        ("accounts.new_adjustment", 'id="new-adjustment"'),
    ):
        shown = element in html
        assert shown == (endpoint in app.view_functions), endpoint
