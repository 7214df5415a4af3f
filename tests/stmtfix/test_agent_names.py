"""Statements freeze the agent label the contract lets the customer see."""

from __future__ import annotations

from portal.models import ItemKind

from .conftest import AGENT_NAME, pdf_text

SUPPORT_TEAM = {"it": "Il team di assistenza", "en": "The support team"}


def _labels(statement, kind: ItemKind | None = None) -> set[str]:
    return {
        line.agent_name for line in statement.lines if kind is None or line.kind == kind
    }


def test_hiding_contract_freezes_support_team(bill_customer):
    billed = bill_customer(shows_agent_names=False)

    assert _labels(billed.november) == {SUPPORT_TEAM["it"]}
    assert _labels(billed.october) == {SUPPORT_TEAM["it"]}


def test_hidden_name_on_resource_lines(bill_customer):
    billed = bill_customer(shows_agent_names=False)

    assert _labels(billed.november, ItemKind.MILEAGE) == {SUPPORT_TEAM["it"]}


def test_support_team_in_statement_language(bill_customer):
    billed = bill_customer(language="en", shows_agent_names=False)

    assert _labels(billed.november) == {SUPPORT_TEAM["en"]}


def test_showing_contract_freezes_agent_name(bill_customer):
    billed = bill_customer(shows_agent_names=True)

    assert _labels(billed.november) == {AGENT_NAME}


def test_each_line_follows_its_contract(bill_customer):
    # Only the prepaid contract, which bills ticket MAR-102, hides names.
    billed = bill_customer(shows_agent_names=True, prepaid_shows_agent_names=False)
    by_ticket = {}
    for line in billed.november.lines:
        by_ticket.setdefault(line.ticket_key, set()).add(line.agent_name)

    assert by_ticket["MAR-101"] == {AGENT_NAME}
    assert by_ticket["MAR-102"] == {SUPPORT_TEAM["it"]}


def test_pdf_of_hiding_contract(bill_customer, tmp_path):
    billed = bill_customer(shows_agent_names=False)

    text = pdf_text(billed.november.pdf, tmp_path)

    assert SUPPORT_TEAM["it"] in text
    assert AGENT_NAME not in text
    assert "Bianchi" not in text


def test_pdf_of_hiding_contract_in_english(bill_customer, tmp_path):
    billed = bill_customer(language="en", shows_agent_names=False)

    text = pdf_text(billed.november.pdf, tmp_path)

    assert SUPPORT_TEAM["en"] in text
    assert AGENT_NAME not in text


def test_pdf_of_showing_contract(bill_customer, tmp_path):
    billed = bill_customer(shows_agent_names=True)

    text = pdf_text(billed.november.pdf, tmp_path)

    assert AGENT_NAME in text
    assert SUPPORT_TEAM["it"] not in text


def test_portal_page_of_hiding_contract(client, bill_customer, sign_in):
    billed = bill_customer(shows_agent_names=False)
    sign_in(billed.customer_user)

    response = client.get(f"/portal/statements/{billed.november.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert SUPPORT_TEAM["it"] in html
    assert AGENT_NAME not in html
