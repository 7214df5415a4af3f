"""The terms page in a browser: the rounding example follows the typed rule."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_rounding_example_follows_typed_rule(csrf_enabled, page, make_user, contract):
    accountant = make_user(Role.ACCOUNTS, name="Anna Conti")
    page.goto("/login")
    page.fill("#email", accountant.email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).not_to_have_url(re.compile("/login"))

    page.goto(f"/accounts/contracts/{contract.id}/terms")
    examples = page.locator("#rounding-examples")
    expect(examples).to_contain_text("20 min worked → 20 min billed")

    page.select_option("#rounding_increment", "15")
    expect(examples).to_contain_text("20 min worked → 30 min billed")
    page.select_option("#rounding_direction", "down")
    expect(examples).to_contain_text("20 min worked → 15 min billed")
    page.fill("#minimum_minutes", "30")
    page.press("#minimum_minutes", "Tab")
    expect(examples).to_contain_text("20 min worked → 30 min billed")

    page.fill("#hourly_rate", "55,5")
    page.click("#terms-form button[type=submit]")
    expect(page.locator("#flash-area")).to_contain_text("Billing terms of")
    expect(page.locator("#hourly_rate")).to_have_value("55.50")
    expect(examples).to_contain_text("50 min worked → 45 min billed")
