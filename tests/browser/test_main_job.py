"""The main job through the real UI: log time, approve it, show it, bill it.

Four people use their own browser contexts. An agent logs time on a customer's
ticket with the keyboard and a team lead decides it in the approval queue. The
customer reads it in the portal, and the accounts office issues the month's
statement, whose PDF the customer downloads too. The run repeats with every
user and the customer in Italian, then in English, and the customer's language
sets the PDF's.

Elements are found by id and role, not by their words. Messages are compared
with what the app's catalogue makes of them in the run's language, so the test
follows the translations as they are written.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import Page, expect

from portal.models import EntryStatus, Role, Team
from portal.services.durations import DurationError
from portal.services.statements import month_label
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DESCRIPTION = "Verificata la configurazione del firewall: è tutto ok"
REJECTED_DESCRIPTION = "Riavvio del router in sede, già fatto ieri"
REJECTION_REASON = "Il riavvio era coperto dal contratto di manutenzione."
KEPT_DESCRIPTION = "Controllo dei log del server di posta"
# A variable set on window before an htmx request. It survives only if the page
# was not reloaded.
NO_RELOAD_CHECK = "window.e2eNoReload"
# Milliseconds between keystrokes where the speed matters. At this speed the 53
# characters of DESCRIPTION take about 800 ms, longer than the 300 ms the
# duration preview waits before its request.
TYPING_DELAY_MS = 15


@dataclass(frozen=True)
class World:
    """Plain values of the rows the test creates, so no ORM object goes stale."""

    language: str
    today: date
    customer_id: int
    customer_name: str
    ticket_key: str
    agent_id: int
    agent_name: str
    agent_email: str
    lead_email: str
    customer_email: str
    accounts_email: str
    activity_label: str
    rejected_entry_id: int
    # The internal note of the logged entry, unique to this run.
    note_marker: str


# The statement total of 1:30 at 60.00 €/h, as the customer's language writes it.
TOTAL_AMOUNTS = {"it": "90,00 €", "en": "€90.00"}
# The footer of a one-page statement. The Italian one needs the compiled
# catalogue (make translations), without which the PDF would be in English.
PAGE_FOOTERS = {"it": "Pagina 1 di 1", "en": "Page 1 of 1"}


def translated(app: Flask, language: str, message: str, **variables) -> str:
    """Return message as the app's catalogue translates it into language."""
    with app.test_request_context(), force_locale(language):
        return gettext(message, **variables)


def translated_count(
    app: Flask, language: str, singular: str, plural: str, count: int
) -> str:
    """Return the catalogue's form of a message for count, with num filled in."""
    with app.test_request_context(), force_locale(language):
        return ngettext(singular, plural, count)


def duration_error(app: Flask, language: str, text: str) -> str:
    with app.test_request_context(), force_locale(language):
        return DurationError(DurationError.INVALID, text).message()


def pdf_text(path: Path) -> str:
    """Extract the PDF's text with pdftotext -layout, which keeps the columns."""
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
        timeout=30,
    )
    return result.stdout


def squeeze_blanks(text: str) -> str:
    """Replace each run of spaces, no-break spaces included, with one space."""
    # Babel puts no-break spaces in amounts, and the layout pads columns.
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def table_cell(text: str, start: str) -> str:
    """Return the cell of a pdftotext -layout table that begins with start.

    A long cell wraps onto the next lines at the same column, so those lines
    are joined until one has other text left of the column or none in it.
    """
    lines = text.splitlines()
    row = next(index for index, line in enumerate(lines) if start in line)
    column = lines[row].index(start)
    # Two or more spaces separate a cell from the next column.
    parts = [re.split(r" {2,}", lines[row][column:])[0]]
    for line in lines[row + 1 :]:
        if line[:column].strip() or not line[column:].strip():
            break
        parts.append(re.split(r" {2,}", line[column:].strip())[0])
    return " ".join(parts)


@pytest.fixture
def open_page(browser, live_server) -> Iterator[Callable[[], Page]]:
    """Open pages in new browser contexts, one per person, like separate PCs."""
    contexts = []

    def factory() -> Page:
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def world(
    request, db, make_customer, make_user, make_ticket, make_entry, activity
) -> World:
    language = request.param
    today = datetime.now(ZoneInfo("Europe/Rome")).date()
    customer = make_customer(
        name="Officine Ferraresi Srl", hourly_rate=Decimal("60.00"), language=language
    )
    other_customer = make_customer(name="Tessiture Lombarde Spa", language=language)
    ticket = make_ticket(customer, key="ASS-4242", title="Firewall non raggiungibile")
    make_ticket(customer, key="ASS-5151", title="Stampante di rete offline")
    make_ticket(other_customer, key="ASS-6262", title="Rinnovo certificato")

    agent = make_user(Role.AGENT, name="Giulia Bianchi", language=language)
    lead = make_user(Role.APPROVER, name="Marco Rossi", language=language)
    customer_user = make_user(
        Role.CUSTOMER, customer=customer, name="Anna Verdi", language=language
    )
    accounts = make_user(Role.ACCOUNTS, name="Paola Neri", language=language)
    # The lead decides the time of the agents in the teams they approve.
    team = Team(name="Assistenza sistemi", members=[agent], approvers=[lead])
    db.session.add(team)
    db.session.commit()
    rejected = make_entry(
        ticket,
        agent,
        minutes=45,
        status=EntryStatus.SUBMITTED,
        work_date=today,
        description=REJECTED_DESCRIPTION,
    )

    values = World(
        language=language,
        today=today,
        customer_id=customer.id,
        customer_name=customer.name,
        ticket_key=ticket.key,
        agent_id=agent.id,
        agent_name=agent.name,
        agent_email=agent.email,
        lead_email=lead.email,
        customer_email=customer_user.email,
        accounts_email=accounts.email,
        activity_label=activity.label(language),
        rejected_entry_id=rejected.id,
        note_marker=f"NOTA-INTERNA-{language}-{rejected.id}",
    )
    # End the read transaction, so the live server's writes never wait on it.
    db.session.commit()
    return values


def sign_in(page: Page, email: str, menu_path: str) -> None:
    """Sign in at /login, then open the page at menu_path from the main menu."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).not_to_have_url(re.compile("/login"))

    page.locator(f"nav.mainnav a[href='{menu_path}']").click()
    expect(page).to_have_url(re.compile(re.escape(menu_path) + "$"))


def mark_page(page: Page) -> None:
    page.evaluate(f"{NO_RELOAD_CHECK} = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate(NO_RELOAD_CHECK) is True, "the page was reloaded"


def expect_notice(page: Page, text: str) -> None:
    expect(page.locator("#flash-area")).to_contain_text(text)


def tab_to(page: Page, field_id: str, max_presses: int = 15) -> None:
    """Press Tab until the field has the focus, as a person moves through a form."""
    # A time input takes one Tab stop per part (hours, minutes), so the count
    # of presses depends on the fields in between and is not fixed here.
    for _press in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == field_id:
            return
    raise AssertionError(f"{max_presses} presses of Tab did not reach #{field_id}")


# --- 1. The agent logs time and submits it ---------------------------------


def open_ticket_from_list(page: Page, world: World) -> None:
    sign_in(page, world.agent_email, "/agent/")
    expect(page.locator("html")).to_have_attribute("lang", world.language)

    # Keys typed before htmx has bound its listeners start no live search, so
    # wait for it, then confirm with Enter as a person would.
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("#q").press_sequentially(world.ticket_key)
    page.locator("#q").press("Enter")
    results = page.locator("#ticket-results tbody tr")
    expect(results).to_have_count(1)
    expect(results).to_have_id(f"ticket-{world.ticket_key}")

    page.locator(f"#ticket-{world.ticket_key} a").first.click()
    expect(page).to_have_url(re.compile(f"/agent/tickets/{world.ticket_key}$"))


def log_time_by_keyboard(page: Page, app: Flask, world: World) -> int:
    """Log 1 h 30 min with the keyboard and return the new entry's id."""
    expect(page.locator("#duration")).to_be_focused()
    expect(page.locator("#total-time")).to_have_text("0:45")
    mark_page(page)

    # Typed at about a person's speed, the description is still being typed
    # when the duration preview arrives, which must not take the focus back.
    page.keyboard.type("1h30")
    tab_to(page, "description")
    page.keyboard.type(DESCRIPTION, delay=TYPING_DELAY_MS)
    expect(page.locator("#duration-preview")).to_have_text("1 h 30 min")
    expect(page.locator("#duration")).to_have_value("1h30")
    expect(page.locator("#description")).to_have_value(DESCRIPTION)
    tab_to(page, "internal_note")
    page.keyboard.type(world.note_marker)
    page.keyboard.press("Enter")

    new_row = page.locator("#entry-rows tr.is-new")
    expect(new_row).to_have_count(1)
    expect(new_row.locator(".customer-text")).to_have_text(DESCRIPTION)
    expect(new_row.locator(".internal-note")).to_contain_text(world.note_marker)
    expect(new_row.locator("td.num")).to_have_text("1:30")
    expect(page.locator("#total-time")).to_have_text("2:15")
    expect(page.locator("#billable-time")).to_have_text("2:15")
    notice = translated(
        app,
        world.language,
        "Logged %(duration)s on %(key)s.",
        duration="1 h 30 min",
        key=world.ticket_key,
    )
    expect_notice(page, notice)

    for field_id in ("duration", "description", "internal_note"):
        expect(page.locator(f"#{field_id}")).to_have_value("")
    expect(page.locator("#duration-preview")).to_have_text("")
    expect(page.locator("#duration")).to_be_focused()
    assert_not_reloaded(page)
    return int(new_row.get_attribute("id").removeprefix("entry-"))


def reject_bad_duration(page: Page, app: Flask, world: World) -> None:
    page.keyboard.type("abc")
    tab_to(page, "description")
    page.keyboard.type(KEPT_DESCRIPTION)
    page.keyboard.press("Enter")

    errors = page.locator("#duration-errors")
    expect(errors).to_have_text(duration_error(app, world.language, "abc"))
    expect(page.locator("#duration")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#duration")).to_have_value("abc")
    expect(page.locator("#description")).to_have_value(KEPT_DESCRIPTION)
    expect(page.locator("#duration")).to_be_focused()
    expect(page.locator("#entry-rows tr")).to_have_count(2)
    assert_not_reloaded(page)


def submit_entry(page: Page, app: Flask, world: World, entry_id: int) -> None:
    row = page.locator(f"#entry-{entry_id}")
    row.locator("form[action$='/submit'] button").click()

    expect(page.locator(f"#entry-{entry_id} .badge-submitted")).to_be_visible()
    expect(page.locator("#submit-ticket-drafts")).to_have_count(0)
    notice = translated_count(
        app,
        world.language,
        "%(num)s time entry submitted for approval.",
        "%(num)s time entries submitted for approval.",
        1,
    )
    expect_notice(page, notice)
    assert_not_reloaded(page)


# --- 2. The team lead approves one entry and rejects the other -------------


def decide_entries(page: Page, app: Flask, world: World, entry_id: int) -> None:
    sign_in(page, world.lead_email, "/approvals/")
    monday = world.today - timedelta(days=world.today.weekday())
    group = page.locator(f"#group-{world.agent_id}-{monday.isoformat()}")
    week = translated(
        app,
        world.language,
        "week %(start)s – %(end)s",
        start=monday.strftime("%d/%m/%Y"),
        end=(monday + timedelta(days=6)).strftime("%d/%m/%Y"),
    )
    expect(group.locator("h2")).to_contain_text(world.agent_name)
    expect(group.locator("h2 .week")).to_have_text(week)
    expect(group.locator(f"#entry-{entry_id}")).to_contain_text(DESCRIPTION)
    rejected_row = group.locator(f"#entry-{world.rejected_entry_id}")
    expect(rejected_row).to_contain_text(REJECTED_DESCRIPTION)
    mark_page(page)

    group.locator(f"#entry-{entry_id} form[action*='/approve'] button").click()
    expect(page.locator(f"#entry-{entry_id}")).to_have_class(
        re.compile("decided-approved")
    )

    rejected_row.locator("form[hx-get*='/reject'] button").click()
    reason = page.locator(f"#reject-{world.rejected_entry_id}-reason")
    expect(reason).to_be_focused()
    send_rejection = rejected_row.locator("form.reject-form button[type='submit']")
    send_rejection.click()
    missing_reason = translated(
        app, world.language, "Enter the reason for the rejection."
    )
    reason_errors = page.locator(f"#reject-{world.rejected_entry_id}-reason-errors")
    expect(reason_errors).to_have_text(missing_reason)

    reason.fill(REJECTION_REASON)
    send_rejection.click()
    expect(rejected_row).to_have_class(re.compile("decided-rejected"))
    expect(rejected_row).to_contain_text(REJECTION_REASON)
    assert_not_reloaded(page)


# --- 3. The customer sees the approved entry only --------------------------


def read_portal_log(page: Page, world: World) -> None:
    sign_in(page, world.customer_email, "/portal/")
    expect(page.locator(".portal-customer")).to_have_text(world.customer_name)
    page.locator(f"#ticket-list a[href$='/portal/tickets/{world.ticket_key}']").click()
    expect(page).to_have_url(re.compile(f"/portal/tickets/{world.ticket_key}$"))

    rows = page.locator("#entry-log tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells).to_have_text(
        [
            world.today.strftime("%d/%m/%Y"),
            world.agent_name,
            world.activity_label,
            "1:30",
            DESCRIPTION,
        ]
    )
    content = page.content()
    assert world.note_marker not in content
    assert REJECTED_DESCRIPTION not in content
    assert REJECTION_REASON not in content


# --- 4. Accounts issue the statement and both downloads match -------------


def issue_statement(page: Page, world: World) -> int:
    """Preview and issue the month's statement and return its id."""
    sign_in(page, world.accounts_email, "/accounts/")
    picker = page.locator("#new-statement-form")
    picker.locator("#customer_id").select_option(str(world.customer_id))
    picker.locator("#month").fill(world.today.strftime("%Y-%m"))
    picker.locator("button[type='submit']").click()

    expect(page).to_have_url(re.compile("/accounts/statements/new"))
    preview = page.locator("#preview-lines")
    expect(preview).to_contain_text(DESCRIPTION)
    expect(preview).not_to_contain_text(REJECTED_DESCRIPTION)
    expect(preview).not_to_contain_text(world.note_marker)
    # The staff's language is the customer's in this test, so the amounts are
    # written the same way on the page and in the PDF.
    expect(page.locator("#preview-total")).to_have_text(TOTAL_AMOUNTS[world.language])
    page.locator("#issue-statement").click()

    expect(page).to_have_url(re.compile(r"/accounts/statements/\d+$"))
    expect(page.locator("#statement-total")).to_have_text(TOTAL_AMOUNTS[world.language])
    return int(page.url.rsplit("/", 1)[1])


def download_pdf(page: Page, selector: str, path: Path) -> bytes:
    with page.expect_download() as download_info:
        page.locator(selector).click()
    download_info.value.save_as(path)
    return path.read_bytes()


def check_statement_pdf(path: Path, app: Flask, world: World) -> None:
    text = pdf_text(path)
    flat_text = squeeze_blanks(text)
    total_label = translated(app, world.language, "Total amount")

    assert table_cell(text, DESCRIPTION.split(":")[0]) == DESCRIPTION
    assert f"{total_label} {TOTAL_AMOUNTS[world.language]}" in flat_text
    assert month_label(world.today, world.language) in flat_text
    assert PAGE_FOOTERS[world.language] in flat_text
    assert world.note_marker not in text
    # A wrapped cell splits its text over lines, so look for the first words.
    assert REJECTED_DESCRIPTION.split(",")[0] not in text


@pytest.mark.parametrize("world", ["it", "en"], indirect=True)
def test_main_job_in_browser(csrf_enabled, page, open_page, app, world, tmp_path):
    open_ticket_from_list(page, world)
    entry_id = log_time_by_keyboard(page, app, world)
    reject_bad_duration(page, app, world)
    submit_entry(page, app, world, entry_id)

    decide_entries(open_page(), app, world, entry_id)

    customer_page = open_page()
    read_portal_log(customer_page, world)

    accounts_page = open_page()
    statement_id = issue_statement(accounts_page, world)
    accounts_pdf = download_pdf(
        accounts_page, "#download-pdf", tmp_path / "accounts.pdf"
    )
    check_statement_pdf(tmp_path / "accounts.pdf", app, world)

    customer_page.goto("/portal/statements")
    customer_pdf = download_pdf(
        customer_page,
        f"#statement-list a[href$='/portal/statements/{statement_id}/pdf']",
        tmp_path / "portal.pdf",
    )
    assert customer_pdf == accounts_pdf
