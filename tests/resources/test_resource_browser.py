"""Logging kilometres on the ticket page with the keyboard only, in a real browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import ResourceEntry, Role
from portal.services.billing_rules.lines import ResourceKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make_user, make_customer, make_ticket, activity):
    customer = make_customer(name="Rossi Srl")
    make_ticket(customer, key="ASS-100", title="Stampante in rete non stampa")
    make_user(Role.AGENT, name="Anna Agente", email="anna@example.com")
    db.session.commit()


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).not_to_have_url(re.compile("/login"))


def _focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    """Press Tab until element_id has the focus, failing after limit presses."""
    for _ in range(limit):
        if _focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"#{element_id} not reached with {limit} Tab presses")


def _committed_resources() -> list[ResourceEntry]:
    # Ending the transaction afterwards keeps SQLite from blocking the server.
    db.session.commit()
    found = list(db.session.scalars(sa.select(ResourceEntry)))
    db.session.commit()
    return found


def test_keyboard_only_km_entry(csrf_enabled, page: Page, world):
    _sign_in(page, "anna@example.com")
    page.goto("/agent/tickets/ASS-100")
    price_box = page.locator("#resource-unit_price-box")

    _tab_to(page, "resource-kind")
    expect(price_box).to_be_hidden()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#resource-kind")).to_have_value("material")
    expect(price_box).to_be_visible()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#resource-kind")).to_have_value("mileage")
    expect(price_box).to_be_hidden()

    page.keyboard.press("Tab")
    expect(page.locator("#resource-quantity")).to_be_focused()
    page.keyboard.type("12,5")
    _tab_to(page, "resource-description")
    page.keyboard.type("Brescia - Salò")
    _tab_to(page, "log-resource")
    page.keyboard.press("Enter")

    expect(page.locator("#resources")).to_contain_text(
        "Logged 12.5 km (Kilometres) on ASS-100."
    )
    expect(page.locator("#resource-rows")).to_contain_text("Brescia - Salò")
    expect(page.locator("#resource-kind")).to_be_focused()
    [resource] = _committed_resources()
    assert resource.kind == ResourceKind.MILEAGE
    assert resource.quantity == Decimal("12.50")
    assert resource.description == "Brescia - Salò"
