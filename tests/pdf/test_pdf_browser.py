"""The statement page in Chromium: it polls the PDF's status until it can download."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from portal.services import pdf_jobs
from tests.conftest import PASSWORD


def test_statement_page_polls_until_ready(
    app, page, make_user, frozen_statement, request_context, tmp_path
):
    accountant = make_user(Role.ACCOUNTS, language="en")
    statement = frozen_statement(language="en")
    statement_id = statement.id
    # End the read transaction, so the live server's writes never wait on it.
    db.session.commit()
    before = app.config.get("PDF_RENDER_MODE")
    app.config["PDF_RENDER_MODE"] = "thread"
    try:
        page.goto("/login")
        page.fill("#email", accountant.email)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        expect(page).not_to_have_url(re.compile("/login"))
        page.goto(f"/accounts/statements/{statement_id}")
        expect(page.locator("#pdf-status")).to_have_attribute("data-status", "pending")

        pdf_jobs.request_render(statement_id)

        download = page.locator("#download-pdf")
        expect(download).to_be_visible(timeout=30_000)
        assert pdf_jobs.wait_for_thread_jobs(timeout=30)
        page.screenshot(path=str(tmp_path / "statement.png"), full_page=True)
        expect(page.locator("#statement-total")).to_have_text("€308.97")
    finally:
        app.config["PDF_RENDER_MODE"] = before
