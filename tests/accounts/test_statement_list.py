"""The issued statements list: order, filters and paging."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.models import Role
from portal.services.statements import STATEMENTS_PER_PAGE


def _row_numbers(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('data-statement="')[1:]]


def test_list_newest_first(
    client, login_as, make_customer, accountant, make_statement_row
):
    rossi = make_customer(name="Rossi Srl")
    bianchi = make_customer(name="Bianchi Spa")
    make_statement_row(
        rossi, accountant, 1, issued_at=datetime(2026, 2, 2, 9, tzinfo=UTC)
    )
    make_statement_row(
        bianchi, accountant, 2, issued_at=datetime(2026, 3, 2, 9, tzinfo=UTC)
    )
    make_statement_row(
        rossi, accountant, 3, issued_at=datetime(2026, 4, 2, 9, tzinfo=UTC)
    )
    login_as(Role.ACCOUNTS)

    response = client.get("/accounts/")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _row_numbers(html) == ["2026/0003", "2026/0002", "2026/0001"]
    assert "Bianchi Spa" in html
    assert "Anna Conti" in html
    assert "1:30" in html
    assert "€90.00" in html
    assert "November 2026" in html


def test_list_filters_by_customer_and_year(
    client, login_as, make_customer, accountant, make_statement_row
):
    rossi = make_customer(name="Rossi Srl")
    bianchi = make_customer(name="Bianchi Spa")
    make_statement_row(rossi, accountant, 1)
    make_statement_row(bianchi, accountant, 2)
    make_statement_row(
        rossi,
        accountant,
        1,
        year=2027,
        period_start=date(2026, 12, 1),
        issued_at=datetime(2027, 1, 5, 9, tzinfo=UTC),
    )
    login_as(Role.ACCOUNTS)

    by_customer = client.get(f"/accounts/?customer_id={rossi.id}&year=")
    by_year = client.get("/accounts/?customer_id=&year=2026")
    by_both = client.get(f"/accounts/?customer_id={rossi.id}&year=2027")

    assert _row_numbers(by_customer.get_data(as_text=True)) == [
        "2027/0001",
        "2026/0001",
    ]
    assert _row_numbers(by_year.get_data(as_text=True)) == ["2026/0002", "2026/0001"]
    assert _row_numbers(by_both.get_data(as_text=True)) == ["2027/0001"]
    assert '<option selected value="2027">2027</option>' in by_both.get_data(
        as_text=True
    )


def test_list_bad_filters_are_422(client, login_as):
    login_as(Role.ACCOUNTS)

    bad_year = client.get("/accounts/?year=abc")
    bad_customer = client.get("/accounts/?customer_id=999999")

    assert bad_year.status_code == 422
    assert "Choose a year from the list." in bad_year.get_data(as_text=True)
    assert bad_customer.status_code == 422
    assert "Customer not found" in bad_customer.get_data(as_text=True)


def test_list_empty_message(client, login_as):
    login_as(Role.ACCOUNTS)

    html = client.get("/accounts/").get_data(as_text=True)

    assert 'id="no-statements"' in html
    assert 'id="new-statement-form"' in html


def test_list_pages(client, login_as, make_customer, accountant, make_statement_row):
    customer = make_customer()
    for sequence in range(1, STATEMENTS_PER_PAGE + 3):
        make_statement_row(
            customer,
            accountant,
            sequence,
            issued_at=datetime(2026, 6, 1, 8, sequence % 60, tzinfo=UTC),
        )
    login_as(Role.ACCOUNTS)

    first = client.get("/accounts/").get_data(as_text=True)
    second = client.get("/accounts/?page=2").get_data(as_text=True)

    assert len(_row_numbers(first)) == STATEMENTS_PER_PAGE
    assert len(_row_numbers(second)) == 2
    assert "page=2" in first
    assert "Page 2 of 2" in second
