"""Issuing statements: numbering, freezing, billing each entry once, PDF bytes."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    AuditEvent,
    BillingModel,
    EntryStatus,
    PdfStatus,
    Role,
    Statement,
    StatementSequence,
    TimeEntry,
)
from portal.services import pdf_jobs
from portal.services.statements import (
    build_preview,
    company_today,
    issue_statement,
)
from portal.services.statements import selection as selection_module

from .conftest import ISSUED_AT, NOVEMBER, pdf_text
from .pricing_support import contract_of, item_rows, render, set_terms


def _sequence_value(year: int) -> int | None:
    db.session.expire_all()
    row = db.session.get(StatementSequence, year)
    return row.last_number if row else None


def _statement_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Statement.id)))


def _issue(actor, customer, issued_at=ISSUED_AT, **kwargs) -> Statement:
    statement = issue_statement(
        actor, customer, NOVEMBER, issued_at=issued_at, **kwargs
    )
    db.session.commit()
    return statement


def _issue_with_pdf(actor, customer, **kwargs) -> Statement:
    """Issue, commit and render the PDF, as the issue view does."""
    return render(_issue(actor, customer, **kwargs))


def _second_customer(make_customer, make_ticket, make_entry, agent, **kwargs):
    customer = make_customer(**kwargs)
    make_entry(
        make_ticket(customer), agent, 30, EntryStatus.APPROVED, date(2026, 11, 9)
    )
    return customer


def test_issue_numbers_are_gapless(
    month_of_work, accountant, make_customer, make_ticket, make_entry, agent, in_request
):
    second = _second_customer(make_customer, make_ticket, make_entry, agent)

    first_statement = _issue(accountant, month_of_work.customer)
    second_statement = _issue(accountant, second)

    assert first_statement.number == "2026/0001"
    assert (first_statement.year, first_statement.sequence) == (2026, 1)
    assert second_statement.number == "2026/0002"
    assert _sequence_value(2026) == 2


def test_issue_numbers_restart_each_year(
    month_of_work, accountant, make_customer, make_ticket, make_entry, agent, in_request
):
    customers = [
        month_of_work.customer,
        _second_customer(make_customer, make_ticket, make_entry, agent),
        _second_customer(make_customer, make_ticket, make_entry, agent),
    ]

    numbers = [
        _issue(
            accountant, customers[0], datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
        ).number,
        # 23:30 UTC on 31 December is already 1 January 2027 in Rome.
        _issue(
            accountant, customers[1], datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
        ).number,
        _issue(accountant, customers[2], datetime(2027, 1, 4, 9, 0, tzinfo=UTC)).number,
    ]

    assert numbers == ["2026/0001", "2027/0001", "2027/0002"]
    assert _sequence_value(2026) == 1
    assert _sequence_value(2027) == 2


def test_issue_freezes_values(month_of_work, accountant, in_request):
    statement = _issue(accountant, month_of_work.customer)

    assert statement.period_start == date(2026, 11, 1)
    assert statement.period_end == date(2026, 11, 30)
    assert statement.language == "it"
    assert statement.currency == "EUR"
    assert statement.hourly_rate is None
    assert statement.total_minutes == 80
    assert statement.raw_minutes == 80
    assert statement.subtotal_amount == Decimal("80.00")
    assert statement.total_amount == Decimal("80.00")
    assert statement.customer_name == "Rossi Impianti Srl"
    assert statement.customer_address == month_of_work.customer.address
    assert statement.customer_vat_number == month_of_work.customer.vat_number
    assert statement.issued_by_id == accountant.id
    assert statement.pending_override_reason is None
    assert [line.position for line in statement.lines] == [1, 2, 3]
    assert [line.ticket_key for line in statement.lines] == [
        "ASS-2001",
        "ASS-2001",
        "ASS-2002",
    ]
    first = statement.lines[0]
    assert first.ticket_title == "Stampante non risponde"
    assert first.work_date == date(2026, 11, 3)
    assert first.agent_name == "Luca Bianchi"
    assert first.activity == "Assistenza remota"
    assert first.description == "Verifica è già fatta"
    assert (first.raw_minutes, first.minutes) == (20, 20)
    assert first.amount is None
    assert first.time_entry_id == month_of_work.billable[0].id


def test_issue_freezes_items(month_of_work, accountant, in_request):
    statement = _issue(accountant, month_of_work.customer)

    assert [item.position for item in statement.items] == [1, 2]
    first, second = statement.items
    assert first.kind.value == "labour"
    assert first.contract_name == "Contratto assistenza"
    assert (first.ticket_key, first.ticket_title) == (
        "ASS-2001",
        "Stampante non risponde",
    )
    assert first.activity == "Assistenza remota"
    assert (first.raw_minutes, first.billed_minutes) == (70, 70)
    assert first.unit_price == Decimal("60.00")
    assert first.multiplier == Decimal("1")
    assert first.amount == Decimal("70.00")
    assert (second.ticket_key, second.amount) == ("ASS-2002", Decimal("10.00"))
    assert statement.subtotal_amount == sum(item.amount for item in statement.items)


def test_issue_marks_entries_billed(month_of_work, accountant, in_request):
    versions = {entry.id: entry.version for entry in month_of_work.billable}

    statement = _issue(accountant, month_of_work.customer)

    db.session.expire_all()
    for entry in month_of_work.billable:
        refreshed = db.session.get(TimeEntry, entry.id)
        assert refreshed.statement_id == statement.id
        assert refreshed.version == versions[entry.id] + 1
        assert not refreshed.is_editable


def test_issued_statement_ignores_later_edits(month_of_work, accountant, in_request):
    statement = _issue_with_pdf(accountant, month_of_work.customer)
    pdf_before = db.session.get(Statement, statement.id).pdf
    items_before = item_rows(statement)
    entry = db.session.get(TimeEntry, month_of_work.billable[0].id)

    entry.description = "Testo cambiato dopo l'emissione"
    entry.minutes = 240
    set_terms(
        contract_of(month_of_work.customer),
        hourly_rate=Decimal("999.00"),
        rounding_increment=60,
        minimum_minutes=60,
    )
    month_of_work.customer.name = "Rossi Rinominata Srl"
    month_of_work.first_ticket.title = "Titolo cambiato"
    entry.activity_type.name_it = "Attività rinominata"
    db.session.commit()
    db.session.expire_all()

    frozen = db.session.get(Statement, statement.id)
    assert item_rows(frozen) == items_before
    assert frozen.items[0].ticket_title == "Stampante non risponde"
    assert frozen.items[0].activity == "Assistenza remota"
    assert frozen.lines[0].description == "Verifica è già fatta"
    assert frozen.lines[0].minutes == 20
    assert frozen.lines[0].ticket_title == "Stampante non risponde"
    assert frozen.lines[0].activity == "Assistenza remota"
    assert frozen.total_amount == Decimal("80.00")
    assert frozen.customer_name == "Rossi Impianti Srl"
    assert frozen.pdf == pdf_before
    assert hashlib.sha256(frozen.pdf).hexdigest() == frozen.pdf_sha256


def test_issued_page_ignores_later_edits(
    client, login_as, month_of_work, accountant, in_request
):
    statement = _issue_with_pdf(accountant, month_of_work.customer)
    entry = db.session.get(TimeEntry, month_of_work.billable[0].id)
    entry.description = "Testo cambiato dopo l'emissione"
    month_of_work.customer.contracts[0].hourly_rate = Decimal("999.00")
    db.session.commit()
    login_as(Role.ACCOUNTS)

    html = client.get(f"/accounts/statements/{statement.id}").get_data(as_text=True)

    assert "Verifica è già fatta" in html
    assert "Testo cambiato" not in html
    assert "€80.00" in html
    assert "€999.00" not in html


def test_issue_twice_bills_each_entry_once(month_of_work, accountant, in_request):
    _issue(accountant, month_of_work.customer)

    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant, month_of_work.customer, NOVEMBER, issued_at=ISSUED_AT
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert "nothing to bill" in raised.value.message
    assert _statement_count() == 1
    assert _sequence_value(2026) == 1


def test_second_tab_issue_names_statement(month_of_work, accountant, in_request):
    preview_fingerprint = "fingerprint-of-the-preview-in-the-second-tab"
    first = _issue(accountant, month_of_work.customer)

    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant,
            month_of_work.customer,
            NOVEMBER,
            expected_fingerprint=preview_fingerprint,
            issued_at=ISSUED_AT,
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert f"billed meanwhile on statement {first.number}" in raised.value.message
    assert _statement_count() == 1


def test_second_issue_bills_only_new_entries(
    month_of_work, accountant, make_entry, agent, in_request
):
    first = _issue(accountant, month_of_work.customer)
    late = make_entry(
        month_of_work.second_ticket, agent, 45, EntryStatus.APPROVED, date(2026, 11, 28)
    )

    second = _issue(accountant, month_of_work.customer)

    assert second.number == "2026/0002"
    assert [line.time_entry_id for line in second.lines] == [late.id]
    assert second.total_amount == Decimal("45.00")
    assert [item.billed_minutes for item in second.items] == [45]
    assert len(db.session.get(Statement, first.id).lines) == 3


def test_empty_issue_uses_no_number(month_of_work, accountant, in_request):
    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant, month_of_work.customer, date(2026, 9, 1), issued_at=ISSUED_AT
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert _statement_count() == 0
    assert _sequence_value(2026) is None

    statement = _issue(accountant, month_of_work.customer)
    assert statement.number == "2026/0001"


def test_issue_without_contract_raises(month_of_work, accountant, in_request):
    month_of_work.customer.contracts[0].valid_to = date(2026, 10, 31)
    for ticket in (month_of_work.first_ticket, month_of_work.second_ticket):
        ticket.contract = None
    db.session.commit()

    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant, month_of_work.customer, NOVEMBER, issued_at=ISSUED_AT
        )
    db.session.rollback()

    assert raised.value.status == 422
    assert _sequence_value(2026) is None


def test_issue_rejects_changed_fingerprint(
    month_of_work, accountant, make_entry, agent, in_request
):
    preview = build_preview(month_of_work.customer, NOVEMBER)
    make_entry(
        month_of_work.second_ticket, agent, 45, EntryStatus.APPROVED, date(2026, 11, 28)
    )

    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant,
            month_of_work.customer,
            NOVEMBER,
            expected_fingerprint=preview.fingerprint,
            issued_at=ISSUED_AT,
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert "changed after the preview" in raised.value.message
    assert _statement_count() == 0
    assert _sequence_value(2026) is None


def test_issue_rejects_rate_change_after_preview(month_of_work, accountant, in_request):
    preview = build_preview(month_of_work.customer, NOVEMBER)
    set_terms(contract_of(month_of_work.customer), hourly_rate=Decimal("75.00"))

    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant,
            month_of_work.customer,
            NOVEMBER,
            expected_fingerprint=preview.fingerprint,
            issued_at=ISSUED_AT,
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert "changed after the preview" in raised.value.message
    assert _statement_count() == 0


def test_issue_accepts_unchanged_fingerprint(month_of_work, accountant, in_request):
    preview = build_preview(month_of_work.customer, NOVEMBER)

    statement = _issue(
        accountant, month_of_work.customer, expected_fingerprint=preview.fingerprint
    )

    assert statement.total_amount == preview.pricing.total


def test_issue_rejects_entry_changed_midway(
    month_of_work, accountant, monkeypatch, in_request
):
    load = selection_module.load_eligible_entries
    victim_id = month_of_work.billable[1].id

    def load_then_reject_one(customer, month, *, lock=False):
        entries = load(customer, month, lock=lock)
        # Another user rejects an entry after it was read but before billing.
        db.session.execute(
            sa.update(TimeEntry)
            .where(TimeEntry.id == victim_id)
            .values(status=EntryStatus.REJECTED, version=TimeEntry.version + 1)
        )
        return entries

    monkeypatch.setattr(selection_module, "load_eligible_entries", load_then_reject_one)

    with pytest.raises(DomainError) as raised:
        issue_statement(
            accountant, month_of_work.customer, NOVEMBER, issued_at=ISSUED_AT
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert "billed or changed by someone else" in raised.value.message
    assert _statement_count() == 0
    assert _sequence_value(2026) is None
    billed = db.session.scalar(
        sa.select(sa.func.count(TimeEntry.id)).where(
            TimeEntry.statement_id.is_not(None)
        )
    )
    assert billed == 0


def test_issue_writes_audit_row(month_of_work, accountant, in_request, caplog):
    caplog.set_level("INFO", logger="portal")

    statement = _issue(accountant, month_of_work.customer)

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "statements")
    ).all()
    assert len(events) == 1
    event = events[0]
    assert event.action == "issued"
    assert event.object_id == statement.id
    assert event.actor_id == accountant.id
    assert event.before is None
    assert event.after["number"] == "2026/0001"
    assert event.after["total_minutes"] == 80
    assert event.after["subtotal_amount"] == "80.00"
    assert event.after["vat_amount"] is None
    assert event.after["total_amount"] == "80.00"
    assert event.after["item_count"] == 2
    assert event.after["entry_ids"] == sorted(e.id for e in month_of_work.billable)
    assert event.after["resource_ids"] == []
    assert event.reason is None
    issue_lines = [r for r in caplog.records if "issued for customer" in r.getMessage()]
    assert len(issue_lines) == 1


def test_issued_pdf_matches_digest(month_of_work, accountant, in_request, tmp_path):
    statement = _issue_with_pdf(accountant, month_of_work.customer)

    pdf = db.session.get(Statement, statement.id).pdf
    text = pdf_text(pdf, tmp_path)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == statement.pdf_sha256
    assert "2026/0001" in text
    assert "Rossi Impianti Srl" in text
    assert "Verifica è già fatta" in text
    assert "80,00 €" in text


def test_internal_note_never_in_pdf(
    month_of_work, accountant, make_entry, agent, in_request, tmp_path
):
    make_entry(
        month_of_work.second_ticket,
        agent,
        25,
        EntryStatus.APPROVED,
        date(2026, 11, 20),
        description="Controllo backup",
        internal_note="Cliente difficile, non dirlo",
    )

    statement = _issue_with_pdf(accountant, month_of_work.customer)

    text = pdf_text(db.session.get(Statement, statement.id).pdf, tmp_path)
    assert "Controllo backup" in text
    assert "Cliente difficile" not in text
    assert "non dirlo" not in text


# Pages and downloads.


def _this_year() -> int:
    return company_today().year


def test_issue_post_redirects_with_flash(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)
    preview = client.get(
        f"/accounts/statements/new?customer_id={month_of_work.customer.id}&month=2026-11"
    )
    assert preview.status_code == 200
    fingerprint = preview.get_data(as_text=True).split(
        'name="fingerprint" type="hidden" value="'
    )[1][:64]

    response = client.post(
        "/accounts/statements",
        data={
            "customer_id": month_of_work.customer.id,
            "month": "2026-11",
            "fingerprint": fingerprint,
        },
    )

    statement = db.session.scalars(sa.select(Statement)).one()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/accounts/statements/{statement.id}")
    assert statement.number == f"{_this_year()}/0001"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count(f"Statement {statement.number} issued.") == 1
    assert 'id="statement-lines"' in page


def test_issue_after_change_returns_fresh_preview(
    client, login_as, month_of_work, make_entry, agent
):
    login_as(Role.ACCOUNTS)
    preview_url = (
        f"/accounts/statements/new?customer_id={month_of_work.customer.id}"
        "&month=2026-11"
    )
    stale = client.get(preview_url).get_data(as_text=True)
    fingerprint = stale.split('name="fingerprint" type="hidden" value="')[1][:64]
    make_entry(
        month_of_work.second_ticket, agent, 45, EntryStatus.APPROVED, date(2026, 11, 28)
    )

    response = client.post(
        "/accounts/statements",
        data={
            "customer_id": month_of_work.customer.id,
            "month": "2026-11",
            "fingerprint": fingerprint,
        },
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(preview_url)
    assert _statement_count() == 0
    fresh = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "changed after the preview" in fresh
    assert fingerprint not in fresh


def test_issue_htmx_post_sets_redirect_header(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements",
        data={"customer_id": month_of_work.customer.id, "month": "2026-11"},
        headers={"HX-Request": "true"},
    )

    statement = db.session.scalars(sa.select(Statement)).one()
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/accounts/statements/{statement.id}"


def test_issue_post_nothing_to_bill_is_409(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements",
        data={"customer_id": month_of_work.customer.id, "month": "2026-08"},
    )

    assert response.status_code == 409
    assert "There is nothing to bill" in response.get_data(as_text=True)
    assert _statement_count() == 0
    assert _sequence_value(_this_year()) is None


def test_issue_post_bad_fields_is_422(client, login_as, month_of_work):
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements", data={"customer_id": "999999", "month": "2026-15"}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Customer not found" in html.split('id="customer_id-errors"')[1]
    assert "Enter a month as YYYY-MM" in html.split('id="month-errors"')[1]
    assert _statement_count() == 0


def _csrf_token(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_issue_post_needs_csrf_token(client, accountant, month_of_work, csrf_enabled):
    accountant.set_password("statement test password")
    db.session.commit()
    login_page = client.get("/login").get_data(as_text=True)
    signed_in = client.post(
        "/login",
        data={
            "email": accountant.email,
            "password": "statement test password",
            "csrf_token": _csrf_token(login_page),
        },
    )
    assert signed_in.status_code == 303
    data = {"customer_id": month_of_work.customer.id, "month": "2026-11"}

    rejected = client.post("/accounts/statements", data=data)
    page = client.get(
        f"/accounts/statements/new?customer_id={month_of_work.customer.id}&month=2026-11"
    ).get_data(as_text=True)
    accepted = client.post(
        "/accounts/statements", data={**data, "csrf_token": _csrf_token(page)}
    )

    assert rejected.status_code == 400
    assert accepted.status_code == 303


def test_pdf_download_is_stored_bytes(
    client, login_as, month_of_work, accountant, in_request
):
    statement = _issue_with_pdf(accountant, month_of_work.customer)
    stored = db.session.get(Statement, statement.id).pdf
    login_as(Role.ACCOUNTS)

    first = client.get(f"/accounts/statements/{statement.id}/pdf")
    second = client.get(f"/accounts/statements/{statement.id}/pdf")

    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.data == stored
    assert second.data == first.data
    assert hashlib.sha256(first.data).hexdigest() == statement.pdf_sha256
    disposition = first.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "filename=rendiconto-2026-0001.pdf" in disposition


def test_pdf_download_is_not_rendered_again(
    client, login_as, month_of_work, accountant, monkeypatch, in_request
):
    statement = _issue_with_pdf(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)

    def fail(statement):
        raise AssertionError("the download must not render the PDF")

    monkeypatch.setattr("portal.services.pdf.render_statement_pdf", fail)
    response = client.get(f"/accounts/statements/{statement.id}/pdf")

    assert response.status_code == 200


def test_pdf_download_english_filename(
    client,
    login_as,
    make_customer,
    make_ticket,
    make_entry,
    agent,
    accountant,
    in_request,
):
    customer = _second_customer(
        make_customer, make_ticket, make_entry, agent, language="en"
    )
    statement = _issue_with_pdf(accountant, customer)
    login_as(Role.ACCOUNTS)

    response = client.get(f"/accounts/statements/{statement.id}/pdf")

    assert "filename=statement-2026-0001.pdf" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "path", ["/accounts/statements/424242", "/accounts/statements/424242/pdf"]
)
def test_unknown_statement_is_404(client, login_as, path):
    login_as(Role.ACCOUNTS)

    assert client.get(path).status_code == 404


def test_statement_page_shows_header(
    client, login_as, month_of_work, accountant, in_request
):
    statement = _issue_with_pdf(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)

    html = client.get(f"/accounts/statements/{statement.id}").get_data(as_text=True)

    assert "Statement 2026/0001" in html
    assert "Rossi Impianti Srl" in html
    assert "November 2026" in html
    assert "Anna Conti" in html
    assert 'id="statement-lines"' in html
    assert "ASS-2001 · Stampante non risponde" in html
    assert "Subtotal ASS-2001" in html
    assert f'href="/accounts/statements/{statement.id}/pdf"' in html


def _issue_form_data(client, customer) -> dict:
    html = client.get(
        f"/accounts/statements/new?customer_id={customer.id}&month=2026-11"
    ).get_data(as_text=True)
    fingerprint = html.split('name="fingerprint" type="hidden" value="')[1][:64]
    return {"customer_id": customer.id, "month": "2026-11", "fingerprint": fingerprint}


def test_issue_view_renders_after_commit(client, login_as, month_of_work, monkeypatch):
    set_terms(
        contract_of(month_of_work.customer),
        billing_model=BillingModel.PREPAID,
        overage_rate=Decimal("70.00"),
    )
    contract_ids = []
    seen_committed = []

    def fake_render(statement_id, void_copy=False):
        # A separate connection reads only committed rows.
        with db.engine.connect() as connection:
            row = connection.execute(
                sa.select(Statement.id).where(Statement.id == statement_id)
            ).first()
        seen_committed.append((row is not None, void_copy))

    monkeypatch.setattr(pdf_jobs, "request_render", fake_render)
    monkeypatch.setattr(
        "portal.services.prepaid.send_package_alerts",
        lambda ids: contract_ids.extend(ids),
    )
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements", data=_issue_form_data(client, month_of_work.customer)
    )

    assert response.status_code == 303
    assert seen_committed == [(True, False)]
    assert contract_ids == [contract_of(month_of_work.customer).id]


def test_issue_view_survives_render_failure(
    client, login_as, month_of_work, monkeypatch
):
    def fail(statement_id, void_copy=False):
        raise OSError("disk full")

    monkeypatch.setattr(pdf_jobs, "request_render", fail)
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements", data=_issue_form_data(client, month_of_work.customer)
    )

    statement = db.session.scalars(sa.select(Statement)).one()
    assert response.status_code == 303
    assert statement.pdf_status == PdfStatus.PENDING
    assert db.session.get(TimeEntry, month_of_work.billable[0].id).statement_id == (
        statement.id
    )
