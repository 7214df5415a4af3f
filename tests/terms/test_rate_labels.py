"""The rates page names activities in the reader's language, not by their code."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import ContractRate, Role


def _delete_button_texts(html: str) -> list[str]:
    """Return the screen-reader texts of the rates' delete buttons."""
    return re.findall(
        r'class="link">[^<]*<span class="visually-hidden">([^<]*)</span>', html
    )


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Remote support"), ("it", "Assistenza remota")],
)
def test_delete_button_names_activity(
    client, login_as, contract, activity, rates_url, language, label
):
    login_as(Role.ACCOUNTS, language=language)
    db.session.add(
        ContractRate(
            contract=contract,
            activity_type=activity,
            agent_level="senior",
            hourly_rate=Decimal("70.00"),
            effective_from=date(2025, 12, 1),
        )
    )
    db.session.commit()

    html = client.get(rates_url).get_data(as_text=True)
    [text] = _delete_button_texts(html)

    assert label in text
    assert activity.code not in text
    assert "senior" in text
    assert "01/12/2025" in text
