"""The dashboard, statement acknowledgement and the SLA annex in a real browser."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import StatementAcknowledgement, User
from tests.portal_sla.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, user: User) -> None:
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def sign_out(page: Page) -> None:
    page.click(".usermenu button[type=submit]")
    page.wait_for_url(re.compile(r"/login"))


def _steps(statement_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(StatementAcknowledgement)
        .where(StatementAcknowledgement.statement_id == statement_id)
        .order_by(StatementAcknowledgement.id)
    )
    return [(row.kind.value, row.comment) for row in rows]


def test_dashboard_shows_figures(page: Page, sla_world, frozen_now):
    db.session.commit()
    sign_in(page, sla_world.customer_user)

    expect(page).to_have_url(re.compile(r"/portal/dashboard$"))
    expect(page.locator("#hours-this-month .hmm")).to_have_text("2:15")
    expect(page.locator("#hours-last-month .hmm")).to_have_text("1:00")
    expect(page.locator("#open-tickets .figure")).to_have_text("4")
    expect(page.locator("#running-total .amount")).to_have_text("€196.54")
    high = page.locator('#dashboard-sla tr[data-priority="high"] .compliance')
    expect(high).to_have_text(["50.0%", "50.0%"])

    page.click("#open-tickets a")
    expect(page).to_have_url(re.compile(r"status=active"))
    expect(page.locator("#ticket-list tbody tr")).to_have_count(4)


def test_customer_disputes_and_accounts_answer(page: Page, sla_world, frozen_now):
    statement_id = sla_world.statement_a.id
    db.session.commit()
    sign_in(page, sla_world.customer_user)

    page.goto(f"/portal/statements/{statement_id}")
    page.click("#ack-panel .ack-dispute button[type=submit]")
    expect(page.locator("#comment-errors")).to_contain_text("Write why you dispute")
    page.fill("#comment", "Le 1:30 del 7/12 sono già nel contratto.")
    page.click("#ack-panel .ack-dispute button[type=submit]")
    expect(page.locator("#ack-panel .ack-disputed")).to_be_visible()
    expect(page.locator("#ack-panel .ack-history")).to_contain_text(
        "Le 1:30 del 7/12 sono già nel contratto."
    )
    sign_out(page)

    sign_in(page, sla_world.accounts_user)
    expect(page.locator("#nav-disputes .badge")).to_have_text("1")
    page.click("#nav-disputes")
    page.click(f'tr[data-statement="{sla_world.statement_a.number}"] a')
    page.fill("#comment", "Corretto: le togliamo e riemettiamo il rendiconto.")
    page.click("#answer-form button[type=submit]")
    expect(page.locator("#dispute-panel .flash-success")).to_be_visible()
    expect(page.locator("#answer-form")).to_have_count(0)
    assert _steps(statement_id) == [
        ("disputed", "Le 1:30 del 7/12 sono già nel contratto."),
        ("answered", "Corretto: le togliamo e riemettiamo il rendiconto."),
    ]
    sign_out(page)

    sign_in(page, sla_world.customer_user)
    page.goto(f"/portal/statements/{statement_id}")
    expect(page.locator("#ack-panel .ack-answered")).to_be_visible()
    expect(page.locator("#ack-panel .ack-history")).to_contain_text(
        "le togliamo e riemettiamo"
    )


def test_customer_accepts_statement_from_list(page: Page, sla_world, frozen_now):
    statement_id = sla_world.statement_a.id
    db.session.commit()
    sign_in(page, sla_world.customer_user)
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto("/portal/statements")
    page.click(f"#ack-{statement_id} .ack-accept button")

    cell = page.locator(f"#ack-{statement_id}")
    expect(cell.locator(".ack-accepted")).to_be_visible()
    expect(cell.locator(".ack-accept")).to_have_count(0)
    expect(cell.locator("details")).to_have_count(0)
    assert _steps(statement_id) == [("accepted", "")]


def test_sla_annex_downloads(page: Page, sla_world, frozen_now, tmp_path: Path):
    db.session.commit()
    sign_in(page, sla_world.customer_user)
    page.goto("/portal/sla?month=2026-12")
    expect(page.locator("#sla-period")).to_have_text("December 2026")

    with page.expect_download() as download_info:
        page.click("#sla-annex-link")
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    assert download.suggested_filename == "sla-annex-2026-12.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    high = next(line for line in text.splitlines() if line.strip().startswith("High"))
    assert high.count("50.0%") == 2
    assert "ALFA-HIGH-1" in text
    assert "BETAKEY-901" not in text
