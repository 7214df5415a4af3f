"""Amount inputs show their value without grouping, on every form that has one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Role


@pytest.mark.parametrize(("language", "plain"), [("it", "1900,00"), ("en", "1900.00")])
def test_package_price_input_ungrouped(
    client, login_as, prepaid_customer, make_package, language, plain
):
    login_as(Role.ACCOUNTS, language=language)
    package = make_package(prepaid_customer.contract, price=Decimal("1900.00"))

    html = client.get(f"/accounts/prepaid/packages/{package.id}/edit").get_data(
        as_text=True
    )

    assert f'value="{plain}"' in html


def test_terms_and_package_inputs_agree(
    client, login_as, prepaid_customer, make_package
):
    login_as(Role.ACCOUNTS, language="it")
    contract = prepaid_customer.contract
    contract.monthly_fee = Decimal("1900.00")
    db.session.commit()
    package = make_package(contract, price=Decimal("1900.00"))

    terms = client.get(f"/accounts/contracts/{contract.id}/terms").get_data(
        as_text=True
    )
    edit = client.get(f"/accounts/prepaid/packages/{package.id}/edit").get_data(
        as_text=True
    )

    assert 'value="1900,00"' in terms
    assert 'value="1900,00"' in edit
    assert "1.900,00" not in terms
    assert "1.900,00" not in edit
