"""Void statements in the portal: listed and shown marked void, void copy downloads."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import Role, Statement
from portal.services import pdf_jobs
from portal.services.pdf import VOID_MARK
from portal.services.statements import void_statement

from .conftest import pdf_text

REASON = "Emesso con le ore di un altro cliente"


def _void(billed, render: bool = True) -> Statement:
    """Void the November statement; render its void copy unless render is False."""
    void_statement(billed.accountant, billed.november, REASON)
    db.session.commit()
    if render:
        pdf_jobs.request_render(billed.november.id, void_copy=True)
    db.session.expire_all()
    return db.session.get(Statement, billed.november.id)


def _voided_day(statement: Statement) -> str:
    # The portal user's time zone is Europe/Rome and language English.
    return statement.voided_at.astimezone(ZoneInfo("Europe/Rome")).strftime("%d/%m/%Y")


@pytest.fixture
def voided(client, bill_customer, sign_in):
    billed = bill_customer()
    statement = _void(billed)
    sign_in(billed.customer_user)
    return billed, statement


def _row(html: str, number: str) -> str:
    start = html.rindex("<tr", 0, html.index(f">{number}</a>"))
    return html[start : html.index("</tr>", start)]


def test_list_shows_void_statement_marked(client, voided):
    billed, statement = voided

    html = client.get("/portal/statements").get_data(as_text=True)
    row = _row(html, statement.number)

    assert 'data-void="true"' in row
    assert "badge-void" in row
    assert f"Voided on {_voided_day(statement)}" in row
    assert f"Reason: {REASON}" in row
    assert "Download the void copy (PDF)" in row
    assert f'href="/portal/statements/{statement.id}/pdf"' in row
    # A void statement takes no review step.
    assert "Accept statement" not in row


def test_list_keeps_issued_statement_unmarked(client, voided):
    billed, _statement = voided

    html = client.get("/portal/statements").get_data(as_text=True)
    row = _row(html, billed.october.number)

    assert "data-void" not in row
    assert "Download PDF" in row
    assert "Accept statement" in row


def test_page_of_void_statement(client, voided):
    _billed, statement = voided

    response = client.get(f"/portal/statements/{statement.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'id="void-badge"' in html
    assert "This statement is void" in html
    assert _voided_day(statement) in html
    assert f'id="void-reason">{REASON}<' in html
    assert "Download the void copy (PDF)" in html
    # The frozen items and lines stay readable.
    assert 'id="statement-total">€110.72<' in html
    assert "Sostituito il toner" in html
    assert "Accept statement" not in html
    assert "Send dispute" not in html


def test_page_hides_who_voided(client, voided):
    billed, _statement = voided

    html = client.get(f"/portal/statements/{billed.november.id}").get_data(as_text=True)

    assert billed.accountant.name not in html
    assert billed.accountant.email not in html


def test_download_sends_void_copy(client, voided, tmp_path):
    _billed, statement = voided

    response = client.get(f"/portal/statements/{statement.id}/pdf")
    data = response.get_data()

    assert response.status_code == 200
    assert data == statement.void_pdf
    assert data != statement.pdf
    assert response.headers["ETag"] == f'"{statement.void_pdf_sha256}"'
    assert VOID_MARK in pdf_text(data, tmp_path)


def test_download_before_void_copy_409(client, bill_customer, sign_in):
    billed = bill_customer()
    statement = _void(billed, render=False)
    sign_in(billed.customer_user)

    page = client.get(f"/portal/statements/{statement.id}").get_data(as_text=True)
    response = client.get(f"/portal/statements/{statement.id}/pdf")

    assert 'id="pdf-being-prepared"' in page
    assert response.status_code == 409
    assert statement.pdf not in response.get_data()


def test_tampered_void_copy_not_sent(client, voided):
    _billed, statement = voided
    statement.void_pdf = b"%PDF-1.7 TAMPERED-VOID-COPY"
    db.session.commit()

    response = client.get(f"/portal/statements/{statement.id}/pdf")
    body = response.get_data()

    assert response.status_code == 500
    assert b"failed its integrity check" in body
    assert b"TAMPERED-VOID-COPY" not in body


def test_void_statement_takes_no_step(client, voided):
    _billed, statement = voided

    accept = client.post(f"/portal/statements/{statement.id}/accept")
    dispute = client.post(
        f"/portal/statements/{statement.id}/dispute", data={"comment": "No"}
    )

    assert accept.status_code == 409
    assert dispute.status_code == 409


def test_other_customer_void_statement_404(
    client, bill_customer, make_customer, make_user, sign_in
):
    billed = bill_customer()
    statement = _void(billed)
    sign_in(make_user(Role.CUSTOMER, customer=make_customer()))

    page = client.get(f"/portal/statements/{statement.id}")
    download = client.get(f"/portal/statements/{statement.id}/pdf")
    listed = client.get("/portal/statements").get_data(as_text=True)

    assert page.status_code == 404
    assert download.status_code == 404
    assert statement.void_pdf not in download.get_data()
    assert statement.number not in listed
