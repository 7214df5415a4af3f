"""`flask remind-missing-time`: working days without time, holidays, idempotence."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import EntryStatus, Notification, Role, User
from portal.services import missing_time
from tests.conftest import login

# The week of 1 June 2026: Tuesday 2 June is the Festa della Repubblica.
HOLIDAY_WEEK = date(2026, 6, 1)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def make_agent(make_user):
    def factory(name: str, **kwargs) -> User:
        user = make_user(Role.AGENT, name=name, **kwargs)
        user.created_at = LONG_AGO
        db.session.commit()
        return user

    return factory


@pytest.fixture
def run(app):
    """Run the command with the given arguments and return its output."""

    def runner(*args: str) -> str:
        result = app.test_cli_runner().invoke(args=["remind-missing-time", *args])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return result.output

    return runner


def _reminders() -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == "missing_time")
    return list(db.session.scalars(query.order_by(Notification.id)))


def _log(make_entry, ticket, agent, *days):
    for day in days:
        make_entry(ticket, agent, work_date=day, status=EntryStatus.APPROVED)


def test_holiday_week_skips_holiday(run, make_agent, make_entry, ticket):
    marco = make_agent("Marco Rossi")
    _log(make_entry, ticket, marco, date(2026, 6, 1), date(2026, 6, 4))

    output = run("--week", "2026-06-03")

    (reminder,) = _reminders()
    assert reminder.user_id == marco.id
    assert reminder.payload == {
        "week": "2026-06-01",
        "days": ["2026-06-03", "2026-06-05"],
    }
    assert "working days checked: 2026-06-01, 2026-06-03, 2026-06-04, 2026-06-05" in (
        output
    )
    assert "Reminded 1 agents" in output


def test_draft_counts_as_logged(run, make_agent, make_entry, ticket):
    anna = make_agent("Anna Verdi")
    for day in (1, 3, 4, 5):
        make_entry(ticket, anna, work_date=date(2026, 6, day), status=EntryStatus.DRAFT)

    output = run("--week", "2026-06-01")

    assert _reminders() == []
    assert "1 logged time on every working day" in output


def test_only_active_agents(run, make_agent, make_user):
    make_agent("Inactive", email="gone@example.com").is_active_user = False
    db.session.commit()
    make_user(Role.APPROVER).created_at = LONG_AGO
    make_user(Role.ADMIN).created_at = LONG_AGO
    db.session.commit()

    run("--week", "2026-06-01")

    assert _reminders() == []


def test_days_before_account_skipped(run, make_agent):
    newcomer = make_agent("Nuovo Arrivo")
    newcomer.created_at = datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    db.session.commit()

    run("--week", "2026-06-01")

    (reminder,) = _reminders()
    assert reminder.payload["days"] == ["2026-06-04", "2026-06-05"]


def test_second_run_reminds_nobody(run, make_agent, smtp_sink):
    make_agent("Marco Rossi", email="marco@example.com")

    run("--week", "2026-06-01")
    output = run("--week", "2026-06-01")

    assert len(_reminders()) == 1
    assert len(smtp_sink.messages) == 1
    assert "Reminded 0 agents, 1 were reminded before" in output
    assert "E-mails sent: 0." in output


def test_reminder_emailed(run, make_agent, smtp_sink):
    make_agent("Marco Rossi", email="marco@example.com")

    output = run("--week", "2026-06-01")

    (message,) = smtp_sink.messages
    assert message["To"] == "marco@example.com"
    # A long subject is folded, and unfolding may leave a leading blank.
    assert message["Subject"].strip() == (
        "Consuntivo: You logged no time on 4 working days of the week of 01/06/2026."
    )
    body = message.get_body(("plain",)).get_content()
    assert "01/06/2026, 03/06/2026, 04/06/2026 and 05/06/2026" in body
    assert "http://127.0.0.1:5000/agent/week?start=2026-06-01" in body
    assert "E-mails sent: 1." in output
    (reminder,) = _reminders()
    assert reminder.emailed_at is not None


def test_failed_mail_retried_once(app, run, make_agent, smtp_sink):
    make_agent("Marco Rossi")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(MAIL_PORT=closed_port, MAIL_TIMEOUT=2)
    try:
        run("--week", "2026-06-01")
    finally:
        app.config.update(MAIL_PORT=smtp_sink.port, MAIL_TIMEOUT=10.0)
    assert _reminders()[0].emailed_at is None

    output = run("--week", "2026-06-01")

    assert len(_reminders()) == 1
    assert _reminders()[0].emailed_at is not None
    assert len(smtp_sink.messages) == 1
    assert "E-mails sent: 1." in output


def test_future_days_not_checked(app, make_agent):
    make_agent("Marco Rossi")

    with app.app_context():
        summary = missing_time.remind_missing_time(HOLIDAY_WEEK, date(2026, 6, 4))

    assert summary.working_days == [date(2026, 6, 1), date(2026, 6, 3)]
    db.session.expire_all()
    assert _reminders()[0].payload["days"] == ["2026-06-01", "2026-06-03"]


def test_default_week_is_previous():
    # 4 December 2026 is a Friday; the week before starts on 23 November.
    assert missing_time.previous_week_start(date(2026, 12, 4)) == date(2026, 11, 23)
    assert missing_time.previous_week_start(date(2026, 11, 30)) == date(2026, 11, 23)


def test_invalid_week_option(app):
    result = app.test_cli_runner().invoke(args=["remind-missing-time", "--week", "x"])

    assert result.exit_code == 2
    assert "Invalid value for '--week'" in result.output


def test_agent_sees_reminder_in_list(client, run, make_agent):
    marco = make_agent("Marco Rossi")
    run("--week", "2026-06-01")
    login(client, marco)

    html = client.get("/notifications/").get_data(as_text=True)

    assert "You logged no time on 4 working days of the week of 01/06/2026." in html
    assert 'href="/agent/week?start=2026-06-01"' in html
