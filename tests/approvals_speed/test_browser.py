"""The approval queue in Chromium: a bulk approval, and two leads on one entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from approvals_speed.helpers import MONDAY, WEDNESDAY
from portal.extensions import db
from portal.models import EntryStatus, Role, TimeEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).not_to_have_url(re.compile("/login"))


def _status(entry_id: int) -> EntryStatus:
    db.session.expire_all()
    status = db.session.get(TimeEntry, entry_id).status
    # End the read transaction, so the live server's writes never wait on it.
    db.session.commit()
    return status


def test_bulk_approval_of_selection(
    page, make_user, help_desk, agent, other_agent, ticket, submit
):
    lead = make_user(Role.APPROVER, name="Laura Bianchi", email="laura@example.com")
    help_desk.approvers.append(lead)
    db.session.commit()
    first = submit(ticket, agent, work_date=MONDAY).id
    second = submit(ticket, other_agent, work_date=WEDNESDAY).id
    kept = submit(ticket, agent, work_date=WEDNESDAY, minutes=300).id
    db.session.commit()

    _sign_in(page, "laura@example.com")
    page.goto("/approvals/")
    page.locator(f"#entry-{first} input[name='selected']").check()
    page.locator(f"#entry-{second} input[name='selected']").check()
    page.get_by_role("button", name="Approve selected").click()

    outcome = page.locator("#queue .bulk-outcome")
    expect(outcome).to_contain_text("Approved 2 entries.")
    expect(page.locator(f"#entry-{first}")).to_have_count(0)
    expect(page.locator(f"#entry-{second}")).to_have_count(0)
    expect(page.locator(f"#entry-{kept}")).to_be_visible()
    expect(page.locator("#queue-count")).to_contain_text("1 entry is waiting")
    assert _status(first) == EntryStatus.APPROVED
    assert _status(second) == EntryStatus.APPROVED
    assert _status(kept) == EntryStatus.SUBMITTED


def test_second_lead_sees_already_approved(
    browser, live_server, make_user, help_desk, agent, ticket, submit
):
    laura_user = make_user(
        Role.APPROVER, name="Laura Bianchi", email="laura@example.com"
    )
    paolo_user = make_user(Role.APPROVER, name="Paolo Neri", email="paolo@example.com")
    help_desk.approvers.extend([laura_user, paolo_user])
    db.session.commit()
    entry_id = submit(ticket, agent).id
    db.session.commit()

    contexts = [browser.new_context(base_url=live_server.url) for _ in range(2)]
    try:
        laura, paolo = (context.new_page() for context in contexts)
        for page, email in ((laura, "laura@example.com"), (paolo, "paolo@example.com")):
            page.set_default_timeout(10_000)
            _sign_in(page, email)
            page.goto("/approvals/")
            expect(page.locator(f"#entry-{entry_id}")).to_be_visible()

        laura.locator(f"#entry-{entry_id}").get_by_role(
            "button", name="Approve"
        ).click()
        expect(laura.locator(f"#entry-{entry_id}.decided-approved")).to_be_visible()
        paolo.locator(f"#entry-{entry_id}").get_by_role(
            "button", name="Approve"
        ).click()

        message = paolo.locator("#flash-area .flash-error")
        expect(message).to_contain_text("Already approved by Laura Bianchi on")
        # The stale row gives way to the entry as it is now.
        expect(paolo.locator(f"#entry-{entry_id}.decided-approved")).to_be_visible()
        expect(paolo.locator(f"#entry-{entry_id} button")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()

    assert _status(entry_id) == EntryStatus.APPROVED
