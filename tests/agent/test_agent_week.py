"""The agent's week: entries Monday to Sunday, totals, navigation, submit drafts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from agent.helpers import HTMX, reload, rome_today
from portal.models import EntryStatus, Role

# 11 November 2026 is a Wednesday, in the week from 9 to 15 November.
WEDNESDAY = date(2026, 11, 11)
MONDAY = date(2026, 11, 9)
SUNDAY = date(2026, 11, 15)


def _day_section(html: str, day: date) -> str:
    match = re.search(
        rf'<section class="card week-day[^"]*" id="day-{day.isoformat()}".*?</section>',
        html,
        re.S,
    )
    assert match, f"no section for {day}"
    return match.group(0)


def _day_total(html: str, day: date) -> str:
    section = _day_section(html, day)
    return re.search(r'<strong class="day-total">([^<]+)</strong>', section).group(1)


def _week_total(html: str) -> str:
    return re.search(r'<strong id="week-total">([^<]+)</strong>', html).group(1)


@pytest.fixture
def week_entries(agent, ticket, make_user, make_entry):
    colleague = make_user(Role.AGENT)
    return {
        "monday": make_entry(ticket, agent, minutes=60, work_date=MONDAY),
        "monday_more": make_entry(
            ticket, agent, minutes=45, work_date=MONDAY, status=EntryStatus.APPROVED
        ),
        "sunday": make_entry(ticket, agent, minutes=30, work_date=SUNDAY),
        "before": make_entry(
            ticket, agent, minutes=100, work_date=MONDAY - timedelta(days=1)
        ),
        "after": make_entry(
            ticket, agent, minutes=100, work_date=SUNDAY + timedelta(days=1)
        ),
        "colleague": make_entry(ticket, colleague, minutes=100, work_date=WEDNESDAY),
    }


def test_week_groups_entries_by_day(client, week_entries):
    response = client.get(f"/agent/week?start={WEDNESDAY.isoformat()}")

    html = response.get_data(as_text=True)
    ids = {int(found) for found in re.findall(r'<tr id="entry-(\d+)"', html)}
    expected = {week_entries[name].id for name in ("monday", "monday_more", "sunday")}
    assert response.status_code == 200
    assert ids == expected
    assert f'id="entry-{week_entries["monday"].id}"' in _day_section(html, MONDAY)
    assert f'id="entry-{week_entries["sunday"].id}"' in _day_section(html, SUNDAY)
    assert "09/11/2026" in html
    assert "15/11/2026" in html


def test_week_totals(client, week_entries):
    html = client.get(f"/agent/week?start={WEDNESDAY.isoformat()}").get_data(
        as_text=True
    )

    assert _day_total(html, MONDAY) == "1:45"
    assert _day_total(html, WEDNESDAY) == "0:00"
    assert _day_total(html, SUNDAY) == "0:30"
    assert _week_total(html) == "2:15"


def test_week_shows_status_and_ticket_link(client, week_entries):
    html = client.get(f"/agent/week?start={MONDAY.isoformat()}").get_data(as_text=True)

    monday = _day_section(html, MONDAY)
    assert "Approved" in monday
    assert "Draft" in monday
    assert 'href="/agent/tickets/ASS-100#entry-' in monday
    assert "Rossi Srl" in monday


def test_week_links_previous_and_next(client, agent):
    html = client.get(f"/agent/week?start={SUNDAY.isoformat()}").get_data(as_text=True)

    assert 'href="/agent/week?start=2026-11-02"' in html
    assert 'href="/agent/week?start=2026-11-16"' in html


def test_week_defaults_to_this_week(client, agent, ticket, make_entry):
    today = rome_today()
    entry = make_entry(ticket, agent, work_date=today)

    html = client.get("/agent/week").get_data(as_text=True)

    monday = today - timedelta(days=today.weekday())
    assert f'id="day-{monday.isoformat()}"' in html
    assert f'id="entry-{entry.id}"' in html


@pytest.mark.parametrize("start", ["yesterday", "2026-13-01", "0001-01-01"])
def test_week_bad_start_shows_this_week(client, agent, start):
    response = client.get(f"/agent/week?start={start}")

    html = response.get_data(as_text=True)
    today = rome_today()
    monday = today - timedelta(days=today.weekday())
    assert response.status_code == 200
    assert "is not a valid date, so this week is shown." in html
    assert f'id="day-{monday.isoformat()}"' in html


def test_week_submit_drafts(client, week_entries):
    response = client.post(
        "/agent/week/submit-drafts", data={"start": WEDNESDAY.isoformat()}
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/week?start=2026-11-09")
    assert reload(week_entries["monday"]).status == EntryStatus.SUBMITTED
    assert reload(week_entries["sunday"]).status == EntryStatus.SUBMITTED
    assert reload(week_entries["monday_more"]).status == EntryStatus.APPROVED
    assert reload(week_entries["before"]).status == EntryStatus.DRAFT
    assert reload(week_entries["after"]).status == EntryStatus.DRAFT
    assert reload(week_entries["colleague"]).status == EntryStatus.DRAFT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 time entries submitted for approval." in page


def test_week_submit_drafts_htmx(client, week_entries):
    response = client.post(
        "/agent/week/submit-drafts",
        data={"start": MONDAY.isoformat()},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="week"')
    assert "2 time entries submitted for approval." in html
    assert "Submit all my" not in html


def test_week_offers_submit_only_with_drafts(client, agent, ticket, make_entry):
    make_entry(ticket, agent, work_date=MONDAY, status=EntryStatus.SUBMITTED)

    html = client.get(f"/agent/week?start={MONDAY.isoformat()}").get_data(as_text=True)

    assert "submit-week-drafts" not in html
