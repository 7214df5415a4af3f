"""The accounts statement page names the document language instead of its code."""

from __future__ import annotations

import re

import pytest

from portal.models import Role


def _document_language(html: str) -> str:
    """Return the text shown under the "Document language" heading."""
    match = re.search(r"Document language</dt>\s*<dd>([^<]*)</dd>", html)
    assert match, "the page has no document language"
    return match.group(1).strip()


@pytest.mark.parametrize(("language", "name"), [("it", "Italiano"), ("en", "English")])
def test_statement_page_names_language(
    client, login_as, make_customer, accountant, make_statement_row, language, name
):
    customer = make_customer(language=language)
    statement = make_statement_row(customer, accountant, 1)
    login_as(Role.ACCOUNTS, language="en")

    response = client.get(f"/accounts/statements/{statement.id}")

    assert response.status_code == 200
    assert _document_language(response.get_data(as_text=True)) == name
