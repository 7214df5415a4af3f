"""Statement list and PDF download: own statements, stored bytes only.

Void statements are listed marked void, and download their void copy.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

from portal.extensions import db
from portal.models.billing import StatementStatus


def test_list_shows_own_issued_statements(customer_client, world):
    response = customer_client.get("/portal/statements")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'id="statement-list"' in html
    assert world.statement_a.number in html
    assert "October 2026" in html
    assert "€196.54" in html
    assert '<td class="num">2:15</td>' in html
    assert ">02/11/2026</time>" in html
    assert f'href="/portal/statements/{world.statement_a.id}/pdf"' in html
    assert "Download PDF" in html


def test_list_hides_other_customer(customer_client, world):
    html = customer_client.get("/portal/statements").get_data(as_text=True)

    assert world.statement_b.number not in html
    assert f"/portal/statements/{world.statement_b.id}/pdf" not in html


def test_list_marks_void_statements(customer_client, world):
    void = world.void_statement_a
    void.voided_at = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    void.void_reason = "Periodo sbagliato"
    db.session.commit()

    html = customer_client.get("/portal/statements").get_data(as_text=True)
    row_start = html.rindex("<tr", 0, html.index(f">{void.number}</a>"))
    row = html[row_start : html.index("</tr>", row_start)]

    assert 'data-void="true"' in row
    assert "Void" in row
    # 23:30 UTC on 20 November is 21 November in Rome.
    assert "Voided on 21/11/2026" in row
    assert "Reason: Periodo sbagliato" in row


def test_list_hides_hourly_rate(customer_client, world):
    html = customer_client.get("/portal/statements").get_data(as_text=True)

    assert str(world.hourly_rate_a) not in html
    assert str(world.hourly_rate_a).replace(".", ",") not in html


def test_list_in_italian(client, world, make_user, sign_in):
    sign_in(make_user("customer", customer=world.customer_a, language="it"))

    html = client.get("/portal/statements").get_data(as_text=True)

    assert "ottobre 2026" in html
    assert "196,54\xa0€" in html


def test_list_issue_date_in_user_zone(customer_client, world):
    # 23:30 UTC on 30 November is 1 December in Rome.
    world.statement_a.issued_at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    db.session.commit()

    html = customer_client.get("/portal/statements").get_data(as_text=True)

    assert ">01/12/2026</time>" in html


def test_list_names_partial_period_by_days(customer_client, world, make_statement):
    make_statement(
        world.customer_a,
        "2026-0004",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 15),
    )

    html = customer_client.get("/portal/statements").get_data(as_text=True)

    assert "01/11/2026 to 15/11/2026" in html


def test_list_newest_period_first(customer_client, world, make_statement):
    make_statement(
        world.customer_a,
        "2026-0005",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        total_amount=Decimal("10.00"),
    )

    html = customer_client.get("/portal/statements").get_data(as_text=True)

    assert html.index("2026-0005") < html.index("2026-0001")


def test_list_empty(client, make_customer, make_user, sign_in):
    sign_in(make_user("customer", customer=make_customer()))

    html = client.get("/portal/statements").get_data(as_text=True)

    assert 'id="statement-list"' in html
    assert "No statements have been issued to you yet." in html


def test_pdf_returns_stored_bytes(customer_client, world):
    response = customer_client.get(f"/portal/statements/{world.statement_a.id}/pdf")

    assert response.status_code == 200
    assert response.get_data() == b"%PDF-1.7 test A"
    assert response.mimetype == "application/pdf"


def test_pdf_is_download_named_by_number(customer_client, world):
    response = customer_client.get(f"/portal/statements/{world.statement_a.id}/pdf")
    disposition = response.headers["Content-Disposition"]

    assert disposition.startswith("attachment")
    # The same name as the accounts office's download, in the customer's language.
    assert "filename=rendiconto-2026-0001.pdf" in disposition


def test_pdf_unsafe_number_gets_safe_filename(customer_client, world, make_statement):
    statement = make_statement(
        world.customer_a,
        "A/2026 0009",
        period_start=date(2026, 8, 1),
        period_end=date(2026, 8, 31),
    )

    response = customer_client.get(f"/portal/statements/{statement.id}/pdf")
    disposition = response.headers["Content-Disposition"]

    assert "A-2026-0009" in disposition
    assert "/" not in disposition


def test_pdf_binary_bytes_unchanged(customer_client, world, make_statement):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\r\n"
    statement = make_statement(world.customer_a, "2026-0006", pdf=pdf)

    response = customer_client.get(f"/portal/statements/{statement.id}/pdf")

    assert response.get_data() == pdf
    assert int(response.headers["Content-Length"]) == len(pdf)


def test_pdf_etag_is_digest(customer_client, world):
    url = f"/portal/statements/{world.statement_a.id}/pdf"
    digest = hashlib.sha256(b"%PDF-1.7 test A").hexdigest()

    first = customer_client.get(url)
    again = customer_client.get(url, headers={"If-None-Match": f'"{digest}"'})

    assert first.headers["ETag"] == f'"{digest}"'
    assert "private" in first.headers["Cache-Control"]
    assert again.status_code == 304


def test_pdf_with_wrong_digest_not_sent(customer_client, world, make_statement):
    statement = make_statement(
        world.customer_a,
        "2026-0007",
        pdf=b"%PDF-1.7 tampered",
        pdf_sha256="0" * 64,
    )

    response = customer_client.get(f"/portal/statements/{statement.id}/pdf")
    html = response.get_data(as_text=True)

    assert response.status_code == 500
    assert "failed its integrity check" in html
    assert "tampered" not in html


def test_pdf_of_void_statement_sends_void_copy(customer_client, world):
    void = world.void_statement_a
    void.void_pdf = b"%PDF-1.7 ANNULLATO / VOID copy"
    void.void_pdf_sha256 = hashlib.sha256(void.void_pdf).hexdigest()
    db.session.commit()

    response = customer_client.get(f"/portal/statements/{void.id}/pdf")

    assert response.status_code == 200
    assert response.get_data() == b"%PDF-1.7 ANNULLATO / VOID copy"
    assert response.headers["ETag"] == f'"{void.void_pdf_sha256}"'


def test_pdf_of_void_statement_without_copy_409(customer_client, world):
    response = customer_client.get(
        f"/portal/statements/{world.void_statement_a.id}/pdf"
    )

    # The PDF as issued is never sent once the statement is void.
    assert response.status_code == 409
    assert b"VOID-PDF-MARKER" not in response.get_data()


def test_void_copy_with_wrong_digest_not_sent(customer_client, world):
    void = world.void_statement_a
    void.void_pdf = b"%PDF-1.7 tampered void copy"
    void.void_pdf_sha256 = "0" * 64
    db.session.commit()

    response = customer_client.get(f"/portal/statements/{void.id}/pdf")

    assert response.status_code == 500
    assert b"tampered" not in response.get_data()


def test_void_statement_of_other_customer_404(customer_client, world, make_statement):
    void_b = make_statement(
        world.customer_b,
        "2026-0778",
        pdf=b"%PDF-1.7 BETA-VOID-MARKER",
        status=StatementStatus.VOID,
    )

    page = customer_client.get(f"/portal/statements/{void_b.id}")
    pdf = customer_client.get(f"/portal/statements/{void_b.id}/pdf")
    listed = customer_client.get("/portal/statements").get_data(as_text=True)

    assert page.status_code == 404
    assert pdf.status_code == 404
    assert b"BETA-VOID-MARKER" not in pdf.get_data()
    assert "2026-0778" not in listed
