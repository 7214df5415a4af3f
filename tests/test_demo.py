"""The demo company loaded by `flask seed-demo`."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import portal.models.users
from portal.demo import (
    DURATION_STEPS,
    LOGINS,
    PERIOD_DAYS,
    DemoDataError,
    seed_demo,
)
from portal.extensions import db as _db
from portal.models import (
    Customer,
    EntryStatus,
    Role,
    Statement,
    Ticket,
    TicketStatus,
    TimeEntry,
    User,
)

README = Path(__file__).resolve().parent.parent / "README.md"
# A row of the README's demo logins table: | role | `e-mail` | `password` | ... |
LOGIN_ROW = re.compile(
    r"^\|[^|]*\|\s*`(?P<email>[^`]+@example\.com)`\s*\|\s*`(?P<password>[^`]+)`\s*\|",
    re.MULTILINE,
)
ACCENTED = re.compile("[àèéìòù]")
# A fixed Friday, for checks that depend on where the week starts.
FRIDAY = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Hash the demo passwords with one PBKDF2 round instead of scrypt.

    Werkzeug's scrypt takes about 85 ms per password, close to a second for the
    ten demo users on every test that seeds.
    """

    def hash_once(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    monkeypatch.setattr(portal.models.users, "generate_password_hash", hash_once)


def _company_today(app) -> date:
    zone = ZoneInfo(app.config["DEFAULT_TIMEZONE"])
    return datetime.now(UTC).astimezone(zone).date()


def _count(model, *conditions) -> int:
    statement = sa.select(sa.func.count()).select_from(model).where(*conditions)
    return _db.session.scalar(statement)


def _all_entries() -> list[TimeEntry]:
    return list(_db.session.scalars(sa.select(TimeEntry)))


def _seed(today: date | None = None) -> None:
    seed_demo(today)
    _db.session.commit()


def _readme_logins() -> dict[str, str]:
    return {
        m["email"]: m["password"]
        for m in LOGIN_ROW.finditer(README.read_text(encoding="utf-8"))
    }


def _delete_everything() -> None:
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(table.delete())
    _db.session.commit()


def _fingerprint() -> list[tuple]:
    rows = _db.session.execute(
        sa.select(
            Ticket.key,
            Ticket.title,
            Ticket.status,
            TimeEntry.work_date,
            TimeEntry.minutes,
            TimeEntry.status,
            TimeEntry.description,
        ).join(TimeEntry.ticket)
    )
    return sorted(tuple(row) for row in rows)


def test_seed_creates_expected_counts():
    summary = seed_demo()
    _db.session.commit()

    assert summary.startswith("Demo data loaded: 3 customers")
    assert _count(Customer) == 3
    assert 55 <= _count(Ticket) <= 65
    assert 550 <= _count(TimeEntry) <= 650
    assert _count(User, User.role == Role.AGENT) == 4
    assert _count(User, User.role == Role.APPROVER) == 1
    assert _count(User, User.role == Role.ACCOUNTS) == 1
    assert _count(User, User.role == Role.ADMIN) == 1


def test_seed_gives_each_customer_one_user():
    _seed()

    customers = _db.session.scalars(sa.select(Customer)).all()
    for customer in customers:
        assert len(customer.users) == 1, customer.name
        assert customer.users[0].role == Role.CUSTOMER
        assert len(customer.contracts) == 1, customer.name
    languages = Counter(customer.language for customer in customers)
    assert languages == {"it": 2, "en": 1}


def test_seed_customer_user_speaks_customer_language():
    _seed()

    for user in _db.session.scalars(sa.select(User).where(User.role == "customer")):
        assert user.language == user.customer.language, user.email


def test_entry_minutes_in_range():
    _seed()

    shortest = min(low for low, _, _ in DURATION_STEPS.values())
    longest = max(high for _, high, _ in DURATION_STEPS.values())
    assert shortest == 10
    assert longest == 240
    for entry in _all_entries():
        assert 10 <= entry.minutes <= 240, entry.id


def test_no_entry_decided_by_its_agent():
    _seed()

    decided = [
        entry
        for entry in _all_entries()
        if entry.status in {EntryStatus.APPROVED, EntryStatus.REJECTED}
    ]
    assert decided
    for entry in decided:
        assert entry.decided_by_id is not None, entry.id
        assert entry.decided_by_id != entry.agent_id, entry.id
        assert entry.decided_by.role in {Role.APPROVER, Role.ADMIN}, entry.id
        assert entry.submitted_at <= entry.decided_at, entry.id


def test_lead_entries_decided_by_admin():
    _seed()

    lead = _db.session.scalar(sa.select(User).where(User.role == Role.APPROVER))
    decided = [
        entry
        for entry in _all_entries()
        if entry.agent_id == lead.id and entry.decided_by_id is not None
    ]
    assert decided, "the lead logs time too"
    for entry in decided:
        assert entry.decided_by.role == Role.ADMIN, entry.id


def test_undecided_entries_have_no_decision():
    _seed()

    for entry in _all_entries():
        if entry.status in {EntryStatus.DRAFT, EntryStatus.SUBMITTED}:
            assert entry.decided_by_id is None, entry.id
            assert entry.decided_at is None, entry.id
        if entry.status == EntryStatus.DRAFT:
            assert entry.submitted_at is None, entry.id
        if entry.status == EntryStatus.REJECTED:
            assert entry.rejection_reason, entry.id
        else:
            assert entry.rejection_reason is None, entry.id


def test_every_status_present():
    _seed(FRIDAY)

    statuses = Counter(entry.status for entry in _all_entries())
    for status in EntryStatus:
        assert statuses[status] > 0, status


def test_readme_logins_work(monkeypatch):
    monkeypatch.setattr(
        portal.models.users, "generate_password_hash", generate_password_hash
    )
    _seed()

    logins = _readme_logins()
    assert set(logins) == {login.email for login in LOGINS}
    for email, password in logins.items():
        user = _db.session.scalar(sa.select(User).where(User.email == email))
        assert user is not None, email
        assert user.password_hash.startswith("scrypt:"), email
        assert user.check_password(password), email


def test_readme_login_signs_in(client):
    _seed()

    response = client.post(
        "/login", data={"email": "agent@example.com", "password": "demo-agent-2026"}
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/")


def test_seed_keeps_accents():
    _seed()
    _db.session.expire_all()

    descriptions = [entry.description for entry in _all_entries()]
    titles = list(_db.session.scalars(sa.select(Ticket.title)))
    accented = [text for text in descriptions if ACCENTED.search(text)]
    assert len(accented) > len(descriptions) // 10
    assert any(ACCENTED.search(title) for title in titles)
    assert any("è" in text for text in descriptions)


def test_internal_notes_only_on_some_entries():
    _seed()

    notes = [entry.internal_note for entry in _all_entries() if entry.internal_note]
    assert notes
    assert len(notes) < len(_all_entries()) // 10


def test_work_dates_in_last_three_months(app):
    _seed()
    today = _company_today(app)

    work_dates = [entry.work_date for entry in _all_entries()]
    assert max(work_dates) <= today
    assert min(work_dates) >= today - timedelta(days=PERIOD_DAYS)
    assert min(work_dates) <= today - timedelta(days=PERIOD_DAYS - 7)
    assert all(day.weekday() < 5 for day in work_dates)


def test_work_dates_fall_inside_ticket_life():
    _seed(FRIDAY)

    zone = ZoneInfo("Europe/Rome")
    for entry in _all_entries():
        ticket = entry.ticket
        assert entry.work_date >= ticket.opened_at.astimezone(zone).date(), entry.id
        if ticket.resolved_at is not None:
            resolved_day = ticket.resolved_at.astimezone(zone).date()
            assert entry.work_date <= resolved_day, entry.id


def test_ticket_timestamps_consistent():
    _seed(FRIDAY)

    for ticket in _db.session.scalars(sa.select(Ticket)):
        assert ticket.opened_at.tzinfo is not None
        if ticket.first_response_at is not None:
            assert ticket.opened_at <= ticket.first_response_at, ticket.key
        done = ticket.status in {TicketStatus.RESOLVED, TicketStatus.CLOSED}
        assert (ticket.resolved_at is not None) == done, ticket.key
        if ticket.resolved_at is not None:
            assert ticket.first_response_at <= ticket.resolved_at, ticket.key


def test_ticket_keys_sequential():
    _seed()

    keys = sorted(_db.session.scalars(sa.select(Ticket.key)))
    count = len(keys)
    assert keys == [f"ASS-{number}" for number in range(1001, 1001 + count)]


def test_recent_work_mostly_waiting():
    _seed(FRIDAY)
    week_start = FRIDAY - timedelta(days=FRIDAY.weekday())

    entries = _all_entries()
    this_week = Counter(e.status for e in entries if e.work_date >= week_start)
    older = Counter(e.status for e in entries if e.work_date < week_start)
    waiting = this_week[EntryStatus.DRAFT] + this_week[EntryStatus.SUBMITTED]
    assert waiting > this_week[EntryStatus.APPROVED]
    assert older[EntryStatus.DRAFT] == 0
    assert older[EntryStatus.APPROVED] > older.total() * 0.8


def test_billable_follows_activity_type():
    _seed()

    entries = _all_entries()
    for entry in entries:
        assert entry.is_billable == entry.activity_type.is_billable, entry.id
    travel = [entry for entry in entries if entry.activity_type.code == "travel"]
    assert travel
    assert not any(entry.is_billable for entry in travel)


def test_approved_entries_left_unbilled():
    _seed()

    assert _count(Statement) == 0
    assert _count(TimeEntry, TimeEntry.statement_id.is_not(None)) == 0
    assert _count(TimeEntry, TimeEntry.status == EntryStatus.APPROVED) > 300


def test_daily_time_per_agent_plausible():
    _seed(FRIDAY)

    minutes = Counter()
    for entry in _all_entries():
        minutes[entry.agent_id, entry.work_date] += entry.minutes
    assert max(minutes.values()) <= 8 * 60


def test_seed_same_day_is_deterministic():
    _seed(FRIDAY)
    first = _fingerprint()
    _delete_everything()

    _seed(FRIDAY)

    assert _fingerprint() == first


def test_seed_command_if_empty_runs_once(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo", "--if-empty"])
    counts = (_count(User), _count(Ticket), _count(TimeEntry))
    second = runner.invoke(args=["seed-demo", "--if-empty"])

    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    assert second.exit_code == 0, second.output
    assert "demo data not loaded" in second.output
    assert (_count(User), _count(Ticket), _count(TimeEntry)) == counts


def test_seed_command_without_flag_rejects_data(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 1
    assert "already has data" in result.output
    assert _count(Customer) == 3


def test_seed_function_rejects_data():
    _seed()
    before = (_count(Customer), _count(Ticket), _count(TimeEntry))

    with pytest.raises(DemoDataError, match="needs an empty database"):
        seed_demo()

    assert (_count(Customer), _count(Ticket), _count(TimeEntry)) == before
