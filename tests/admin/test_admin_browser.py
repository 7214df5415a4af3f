"""The user list in a real browser: htmx search and deactivation without reloads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Set on window before the htmx requests; it survives only without a reload.
NO_RELOAD_CHECK = "window.adminNoReload"


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).not_to_have_url(re.compile("/login"))


def test_search_and_deactivate_without_reload(page: Page, make_user):
    make_user(Role.ADMIN, name="Ada Admin", email="ada@example.com")
    agent = make_user(Role.AGENT, name="Marco Rossi", email="marco@example.com")
    make_user(Role.AGENT, name="Anna Verdi", email="anna@example.com")
    agent_id = agent.id
    # End the read transaction, so the live server's writes never wait on it.
    db.session.commit()

    _sign_in(page, "ada@example.com")
    page.locator("nav.mainnav a[href='/admin/']").click()
    page.locator("nav.admin-nav a[href='/admin/users']").click()
    page.evaluate(f"{NO_RELOAD_CHECK} = true")

    page.fill("#q", "ross")
    expect(page.locator("#user-list tbody tr")).to_have_count(1)
    expect(page.locator("#q")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/admin/users\?.*q=ross"))

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#user-{agent_id} button.danger").click()

    row = page.locator(f"#user-{agent_id}")
    expect(row.locator(".badge-inactive")).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("Reactivate"))).to_be_visible()
    expect(page.locator("#flash-area")).to_contain_text("Marco Rossi")
    assert page.evaluate(NO_RELOAD_CHECK) is True, "the page was reloaded"
