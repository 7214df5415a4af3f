"""The minimum charge on the contract terms page takes whole minutes only."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Contract
from tests.admin.helpers import field_errors
from tests.terms.conftest import terms_form

MESSAGE = "Enter a minimum charge from 0 to 480 minutes (8 hours)."


@pytest.mark.parametrize("typed", ["1,5", "1.5", "2h", "0:30", "481", "100000", "-5"])
def test_minimum_rejects_non_minutes(client, accountant, contract, terms_url, typed):
    response = client.post(terms_url, data=terms_form(minimum_minutes=typed))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, "minimum_minutes")
    assert MESSAGE in error
    assert f'name="minimum_minutes" type="text" value="{typed}"' in html
    assert db.session.get(Contract, contract.id).minimum_minutes == 0


@pytest.mark.parametrize(
    ("typed", "minutes"), [("", 0), ("0", 0), ("480", 480), (" 15 ", 15)]
)
def test_minimum_accepts_whole_minutes(
    client, accountant, contract, terms_url, typed, minutes
):
    response = client.post(terms_url, data=terms_form(minimum_minutes=typed))

    assert response.status_code == 303
    assert db.session.get(Contract, contract.id).minimum_minutes == minutes
