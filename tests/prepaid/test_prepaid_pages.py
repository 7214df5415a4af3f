"""Accounts prepaid pages: balances, and adding, changing, deleting packages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, PrepaidPackage, Role
from tests.prepaid.conftest import ENGLISH, count


@pytest.fixture
def signed_in(login_as):
    return login_as(Role.ACCOUNTS)


def _errors(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-errors">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field_id}"
    return " ".join(match.group(1).split())


def _package_form(**values: str) -> dict[str, str]:
    data = {
        "name": "Pacchetto 50 ore 2026",
        "hours": "50",
        "purchase_date": "2026-01-15",
        "expiry_date": "2026-12-31",
        "price": "2,500.00",
    }
    data.update(values)
    return data


def test_prepaid_list_shows_balance_on_date(
    client, login_as, prepaid_customer, make_package, issue_draws
):
    login_as(Role.ACCOUNTS)
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 480)])

    response = client.get("/accounts/prepaid?on=2026-03-01", headers=ENGLISH)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    row = re.search(r'<tr data-contract="\d+">(.*?)</tr>', html, re.S).group(1)
    assert "Rossi Impianti Srl" in row
    assert "10:00" in row
    assert "8:00" in row
    assert "2:00" in row
    assert "Alert: 75% of the prepaid hours are used." in row


def test_prepaid_list_before_statement(
    client, login_as, prepaid_customer, make_package, issue_draws
):
    login_as(Role.ACCOUNTS)
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 480)])

    html = client.get("/accounts/prepaid?on=2026-01-31", headers=ENGLISH).get_data(
        as_text=True
    )

    assert "Alert:" not in html


def test_invalid_balance_date_is_explained(client, login_as, prepaid_customer):
    login_as(Role.ACCOUNTS)

    response = client.get("/accounts/prepaid?on=31/02/2026", headers=ENGLISH)

    assert response.status_code == 422
    assert "Enter a date as YYYY-MM-DD" in _errors(
        response.get_data(as_text=True), "on"
    )


def test_contract_page_shows_gauge_and_packages(
    client, login_as, prepaid_customer, make_package, issue_draws
):
    login_as(Role.ACCOUNTS)
    contract = prepaid_customer.contract
    package = make_package(contract, minutes=600, price=Decimal("1200.50"))
    issue_draws(prepaid_customer.customer, [(package, 560)])

    response = client.get(
        f"/accounts/prepaid/contracts/{contract.id}?on=2026-06-30", headers=ENGLISH
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert (
        f'<meter id="contract-{contract.id}-meter" min="0" max="600" value="560"'
        in html
    )
    assert "(93%)" in html
    assert "Alert: 90% of the prepaid hours are used." in html
    assert "€1,200.50" in html
    assert 'id="total-remaining">0:40<' in html
    assert "Locked: statements drew from it" in html


def test_time_and_materials_contract_not_found(client, login_as, make_customer):
    login_as(Role.ACCOUNTS)
    contract = make_customer().contracts[0]

    response = client.get(f"/accounts/prepaid/contracts/{contract.id}")

    assert response.status_code == 404


def test_add_package_in_english(client, login_as, prepaid_customer):
    user = login_as(Role.ACCOUNTS)
    contract = prepaid_customer.contract

    response = client.post(
        f"/accounts/prepaid/contracts/{contract.id}/packages/new",
        data=_package_form(hours="12:30"),
        headers=ENGLISH,
    )

    assert response.status_code == 303
    package = db.session.scalar(sa.select(PrepaidPackage))
    assert package.minutes_bought == 750
    assert package.price == Decimal("2500.00")
    assert package.purchase_date == date(2026, 1, 15)
    assert package.created_by_id == user.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "created")
    )
    assert event.object_type == "prepaid_packages"
    assert event.after["minutes_bought"] == 750


def test_add_package_in_italian_format(client, login_as, prepaid_customer):
    login_as(Role.ACCOUNTS, language="it")
    contract = prepaid_customer.contract

    response = client.post(
        f"/accounts/prepaid/contracts/{contract.id}/packages/new",
        data=_package_form(hours="12,5", price="1.200,50"),
    )

    assert response.status_code == 303
    package = db.session.scalar(sa.select(PrepaidPackage))
    assert package.minutes_bought == 750
    assert package.price == Decimal("1200.50")


def test_add_package_rejects_bad_values(client, login_as, prepaid_customer):
    login_as(Role.ACCOUNTS)
    contract = prepaid_customer.contract

    response = client.post(
        f"/accounts/prepaid/contracts/{contract.id}/packages/new",
        data=_package_form(
            hours="1:75", price="1.200,50", expiry_date="2025-12-31", name=""
        ),
        headers=ENGLISH,
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Minutes must be between 0 and 59" in _errors(html, "hours")
    assert "is not an amount. Write it as in 1,200.50." in _errors(html, "price")
    assert "on or after the purchase date" in _errors(html, "expiry_date")
    assert "Enter a name" in _errors(html, "name")
    assert 'value="1.200,50"' in html
    assert count(PrepaidPackage) == 0


def test_add_package_rejects_three_decimals(client, login_as, prepaid_customer):
    login_as(Role.ACCOUNTS)
    contract = prepaid_customer.contract

    response = client.post(
        f"/accounts/prepaid/contracts/{contract.id}/packages/new",
        data=_package_form(price="10.505"),
        headers=ENGLISH,
    )

    assert response.status_code == 422
    assert "at most two decimals" in _errors(response.get_data(as_text=True), "price")


def test_edit_package_before_any_draw(client, login_as, prepaid_customer, make_package):
    login_as(Role.ACCOUNTS)
    package = make_package(prepaid_customer.contract, minutes=600)

    form = client.get(f"/accounts/prepaid/packages/{package.id}/edit", headers=ENGLISH)
    response = client.post(
        f"/accounts/prepaid/packages/{package.id}/edit",
        data=_package_form(hours="20", price="900"),
        headers=ENGLISH,
    )

    assert 'value="10:00"' in form.get_data(as_text=True)
    assert 'value="500.00"' in form.get_data(as_text=True)
    assert response.status_code == 303
    db.session.refresh(package)
    assert package.minutes_bought == 1200
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "updated")
    )
    assert event.before["minutes_bought"] == 600
    assert event.after["minutes_bought"] == 1200


def test_drawn_package_cannot_change_or_go(
    client, login_as, prepaid_customer, make_package, issue_draws
):
    login_as(Role.ACCOUNTS)
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 60)])

    edit = client.post(
        f"/accounts/prepaid/packages/{package.id}/edit",
        data=_package_form(hours="20"),
        headers=ENGLISH,
    )
    delete = client.post(
        f"/accounts/prepaid/packages/{package.id}/delete", headers=ENGLISH
    )

    assert edit.status_code == 409
    assert "can no longer be changed" in edit.get_data(as_text=True)
    assert delete.status_code == 409
    db.session.refresh(package)
    assert package.minutes_bought == 600


def test_delete_package_before_any_draw(
    client, login_as, prepaid_customer, make_package
):
    login_as(Role.ACCOUNTS)
    package = make_package(prepaid_customer.contract, minutes=600)
    package_id = package.id

    confirm = client.get(
        f"/accounts/prepaid/packages/{package_id}/delete", headers=ENGLISH
    )
    response = client.post(f"/accounts/prepaid/packages/{package_id}/delete")

    assert "Delete the package" in confirm.get_data(as_text=True)
    assert response.status_code == 303
    assert count(PrepaidPackage) == 0
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "deleted")
    )
    assert event.object_id == package_id
    assert event.before["minutes_bought"] == 600


def test_package_form_needs_csrf(client, signed_in, prepaid_customer, csrf_enabled):
    # signed_in comes before csrf_enabled, so the sign-in needs no token.
    contract = prepaid_customer.contract

    response = client.post(
        f"/accounts/prepaid/contracts/{contract.id}/packages/new", data=_package_form()
    )

    assert response.status_code == 400
    assert count(PrepaidPackage) == 0
