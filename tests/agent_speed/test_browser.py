"""The agent's fast paths in a real browser: keyboard quick log, timer, grid.

Each test signs in through the login form with CSRF protection on, so htmx
sends the token header as it does in production.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import EntryStatus, Role, Ticket, TimeEntry, Timer
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# A week in the past, so every cell of it is editable.
MONDAY = date(2026, 11, 9)


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).not_to_have_url(re.compile("/login"))


def _committed_entries() -> list[TimeEntry]:
    # Read what the live server committed. Ending the transaction afterwards
    # keeps SQLite from blocking the server's next write.
    db.session.commit()
    found = list(db.session.scalars(sa.select(TimeEntry).order_by(TimeEntry.id)))
    db.session.commit()
    return found


@pytest.fixture
def world(make_user, make_customer, make_ticket, activity):
    customer = make_customer(name="Rossi Srl")
    make_ticket(customer, key="ASS-100", title="Stampante in rete non stampa")
    make_ticket(customer, key="ASS-200", title="Rete lenta in magazzino")
    agent = make_user(Role.AGENT, name="Anna Agente", email="anna@example.com")
    db.session.commit()
    return agent


def test_keyboard_only_quick_log(csrf_enabled, page: Page, world):
    _sign_in(page, "anna@example.com")
    page.goto("/agent/tickets/ASS-100")
    bar = page.locator("#quick-bar")
    expect(bar).to_be_hidden()

    page.keyboard.press("Alt+l")
    ticket = page.locator("#bar-ticket")
    ticket_list = page.locator("#bar-ticket-list")
    options = ticket_list.locator("[role=option]")
    expect(bar).to_be_visible()
    expect(ticket).to_be_focused()
    expect(page.locator("#quick-bar-toggle")).to_have_attribute("aria-expanded", "true")
    # Focusing the field loads the open tickets. Once they are in, htmx has
    # bound the field's triggers, so the keys typed next start a search.
    expect(options).to_have_count(2)

    page.keyboard.type("ASS-1")
    expect(options).to_have_count(1)
    expect(ticket).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(ticket).to_have_attribute(
        "aria-activedescendant", "bar-ticket-list-option-0"
    )
    page.keyboard.press("Enter")
    expect(ticket).to_have_value("ASS-100")
    expect(page.locator("#bar-duration")).to_be_focused()
    expect(ticket_list).to_be_hidden()

    page.keyboard.type("1:15")
    expect(page.locator("#bar-duration-preview")).to_have_text("1 h 15 min")
    page.keyboard.press("Tab")
    expect(page.locator("#bar-description")).to_be_focused()
    page.keyboard.type("Reset the print spooler")
    page.keyboard.press("Enter")

    notice = page.locator("#flash-area .flash-success")
    expect(notice).to_have_text("Logged 1 h 15 min on ASS-100.")
    expect(page.locator("#entry-log")).to_contain_text("Reset the print spooler")
    expect(ticket).to_be_focused()
    expect(ticket).to_have_value("")
    [entry] = _committed_entries()
    assert entry.minutes == 75
    assert entry.description == "Reset the print spooler"

    # The fresh field's focus loads the tickets again, but the list stays
    # closed so that it does not cover the notice.
    expect(options).to_have_count(2)
    expect(ticket_list).to_be_hidden()
    expect(ticket).to_have_attribute("aria-expanded", "false")
    expect(notice).to_be_visible()

    page.keyboard.type("ASS-2")
    expect(options).to_have_count(1)
    expect(ticket_list).to_be_visible()
    page.keyboard.press("Escape")  # closes the ticket list
    expect(ticket_list).to_be_hidden()
    page.keyboard.press("Escape")
    expect(bar).to_be_hidden()
    expect(page.locator("#quick-bar-toggle")).to_have_attribute(
        "aria-expanded", "false"
    )


def test_g_then_l_opens_bar(csrf_enabled, page: Page, world):
    _sign_in(page, "anna@example.com")
    page.goto("/agent/week")

    page.keyboard.press("g")
    page.keyboard.press("l")

    expect(page.locator("#quick-bar")).to_be_visible()
    expect(page.locator("#bar-ticket")).to_be_focused()


def test_timer_survives_reload(csrf_enabled, page: Page, world):
    _sign_in(page, "anna@example.com")
    page.goto("/agent/tickets/ASS-100")
    page.locator("#start-timer").click()
    expect(page.locator("#agent-timer")).to_contain_text("Timer running on")

    # Two minutes pass on the server.
    db.session.commit()
    timer = db.session.scalar(sa.select(Timer))
    timer.running_since -= timedelta(minutes=2)
    timer.started_at -= timedelta(minutes=2)
    db.session.commit()

    page.reload()
    elapsed = page.locator("#timer-elapsed")
    expect(elapsed).to_have_text(re.compile(r"^0:02:0\d$"))
    first = elapsed.inner_text()
    expect(elapsed).not_to_have_text(first, timeout=3000)

    page.goto("/agent/week")
    expect(page.locator("#timer-ticket")).to_have_text("ASS-100")
    page.locator("#timer-stop").click()

    expect(page.locator("#quick-bar")).to_be_visible()
    expect(page.locator("#bar-ticket")).to_have_value("ASS-100")
    expect(page.locator("#bar-duration")).to_have_value("0:02")
    expect(page.locator("#bar-description")).to_be_focused()
    expect(page.locator("#agent-timer")).to_contain_text("Timer paused on")

    page.keyboard.type("Checked the printer queue")
    page.keyboard.press("Enter")

    expect(page.locator("#flash-area")).to_contain_text("Logged 2 min on ASS-100.")
    expect(page.locator("#timer-elapsed")).to_have_count(0)
    [entry] = _committed_entries()
    assert entry.minutes == 2
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Timer.id))) == 0
    db.session.commit()


def test_week_grid_edit_and_submit(csrf_enabled, page: Page, world, make_entry):
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.key == "ASS-100"))
    make_entry(ticket, world, minutes=60, work_date=MONDAY)
    ticket_id = ticket.id
    db.session.commit()

    _sign_in(page, "anna@example.com")
    page.goto(f"/agent/week/grid?start={MONDAY.isoformat()}")
    monday = page.locator(f"#grid-input-{ticket_id}-{MONDAY.isoformat()}")
    tuesday_iso = (MONDAY + timedelta(days=1)).isoformat()
    tuesday = page.locator(f"#grid-input-{ticket_id}-{tuesday_iso}")
    expect(monday).to_have_value("1:00")

    tuesday.fill("1:30")
    tuesday.press("Tab")
    expect(page.locator(f"#grid-row-total-{ticket_id}")).to_have_text("2:30")
    expect(page.locator(f"#grid-day-total-{tuesday_iso}")).to_have_text("1:30")
    expect(page.locator("#grid-status")).to_contain_text("ASS-100 on 10/11/2026: 1:30.")

    monday.fill("2h")
    monday.press("Enter")
    expect(page.locator("#grid-total")).to_have_text("3:30")
    expect(page.locator(f"#grid-input-{ticket_id}-{MONDAY.isoformat()}")).to_have_value(
        "2:00"
    )

    page.locator("#grid-submit-week").click()
    expect(page.locator("#grid-status")).to_contain_text(
        "Submitted the week: 2 time entries."
    )

    found = _committed_entries()
    assert sorted(entry.minutes for entry in found) == [90, 120]
    assert {entry.status for entry in found} == {EntryStatus.SUBMITTED}
