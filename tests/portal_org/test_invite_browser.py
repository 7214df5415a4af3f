"""A customer admin invites a colleague in the browser; the colleague joins.

The admin signs in, opens Colleagues from the portal nav and sends the
invitation. The test reads the link from the local SMTP server, and the
colleague opens it in a fresh browser context, chooses a password and lands
on the portal signed in.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import User
from tests.conftest import PASSWORD
from tests.portal_org.conftest import link_path

pytestmark = pytest.mark.browser

NEW_PASSWORD = "una password lunga e sicura"


def test_invite_colleague_in_browser(page, browser, live_server, org, smtp_sink):
    page.goto("/login")
    page.fill("#email", org.admin.email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.get_by_role("link", name="Colleagues").click()
    expect(page).to_have_url(re.compile(r"/portal/colleagues/$"))

    page.fill("#name", "Carla Nuova")
    page.fill("#email", "carla.nuova@alfa.example")
    page.select_option("#language", "en")
    page.get_by_role("button", name="Send invitation", exact=True).click()
    expect(page.locator("#flash-area")).to_contain_text(
        "Invitation sent to carla.nuova@alfa.example."
    )
    expect(page.locator("#colleague-list")).to_contain_text("Invited")

    assert len(smtp_sink.messages) == 1
    path = link_path(smtp_sink.messages[0])

    context = browser.new_context(base_url=live_server.url)
    try:
        colleague = context.new_page()
        colleague.goto(path)
        expect(colleague.locator("h1")).to_have_text("Welcome, Carla Nuova")
        colleague.fill("#password", NEW_PASSWORD)
        colleague.fill("#confirm", NEW_PASSWORD)
        colleague.get_by_role("button", name="Activate my account").click()

        expect(colleague).to_have_url(re.compile(r"/portal/"))
        expect(colleague.locator("#flash-area")).to_contain_text(
            "Welcome! Your account is active."
        )
        expect(colleague.locator(".portal-customer")).to_have_text(org.customer.name)
        expect(colleague.locator(".usermenu")).to_contain_text("Carla Nuova")
    finally:
        context.close()

    carla = db.session.scalar(
        db.select(User).where(User.email == "carla.nuova@alfa.example")
    )
    assert carla.is_active_user is True
    assert carla.customer_id == org.customer.id
