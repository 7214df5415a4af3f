"""Only accounts and admins reach a contract's terms and rates pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import ContractRate, Role
from tests.terms.conftest import terms_form


@pytest.fixture
def rate(contract, activity) -> ContractRate:
    rate = ContractRate(
        contract=contract,
        activity_type=activity,
        hourly_rate=Decimal("58.00"),
        effective_from=date(2026, 3, 1),
    )
    db.session.add(rate)
    db.session.commit()
    return rate


def _requests(contract, rate) -> list[tuple[str, str, dict | None]]:
    base = f"/accounts/contracts/{contract.id}"
    return [
        ("GET", f"{base}/terms", None),
        ("POST", f"{base}/terms", terms_form()),
        ("GET", f"{base}/terms/rounding-example?rounding_increment=15", None),
        ("GET", f"{base}/rates", None),
        ("POST", f"{base}/rates", {"hourly_rate": "60"}),
        ("POST", f"{base}/rates/{rate.id}/delete", None),
    ]


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER, Role.CUSTOMER])
def test_other_roles_get_403(client, login_as, contract, rate, role):
    login_as(role)

    for method, url, data in _requests(contract, rate):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url)
    assert db.session.get(ContractRate, rate.id) is not None


def test_anonymous_sent_to_login(client, contract, rate):
    for method, url, data in _requests(contract, rate):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.ACCOUNTS, Role.ADMIN])
def test_accounts_and_admin_allowed(client, login_as, contract, rate, role):
    login_as(role)
    rate_id = rate.id

    for method, url, data in _requests(contract, rate):
        response = client.open(url, method=method, data=data)
        assert response.status_code in (200, 303, 422), (method, url)
    assert db.session.get(ContractRate, rate_id) is None


def test_forms_need_csrf_token(app, client, login_as, contract, rate, monkeypatch):
    login_as(Role.ACCOUNTS)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    for method, url, data in _requests(contract, rate):
        if method != "POST":
            continue
        response = client.open(url, method=method, data=data)
        assert response.status_code == 400, url
    assert db.session.get(ContractRate, rate.id) is not None
