"""The approval service without the views: queries, rules and concurrency."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from approvals_helpers import MONDAY, NEXT_MONDAY, SUNDAY, WEDNESDAY

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, EntryStatus, Role, TimeEntry, User
from portal.services import approval_queue, approvals
from portal.services.approval_queue import ApproverScope, QueueFilter

# The scope of an admin: every agent's entries.
EVERYONE = ApproverScope(user_id=0, sees_all=True)


@pytest.fixture
def request_context(app):
    """Give the service a request in English, for its translated messages."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def lead(make_user, team) -> User:
    lead = make_user(Role.APPROVER, name="Laura Bianchi")
    team.approvers.append(lead)
    db.session.commit()
    return lead


def _audit_count(entry: TimeEntry) -> int:
    query = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "time_entries", AuditEvent.object_id == entry.id
    )
    return db.session.scalar(query)


def test_week_start_of_is_monday():
    assert approval_queue.week_start_of(MONDAY) == MONDAY
    assert approval_queue.week_start_of(WEDNESDAY) == MONDAY
    assert approval_queue.week_start_of(SUNDAY) == MONDAY


def test_list_groups_totals(agent, ticket, submit):
    submit(ticket, agent, minutes=25, work_date=MONDAY)
    submit(ticket, agent, minutes=35, work_date=WEDNESDAY, is_billable=False)

    (group,) = approval_queue.load_queue(EVERYONE, QueueFilter()).groups

    assert group.agent.id == agent.id
    assert group.week_start == MONDAY
    assert group.week_end == SUNDAY
    assert group.total_minutes == 60
    assert group.billable_minutes == 25
    assert group.dom_id == f"group-{agent.id}-2026-11-09"


def test_count_waiting_with_filters(
    agent, other_agent, ticket, submit, make_entry, make_customer, make_ticket
):
    other_ticket = make_ticket(make_customer())
    submit(ticket, agent)
    submit(other_ticket, agent)
    submit(ticket, other_agent)
    make_entry(ticket, agent, status=EntryStatus.APPROVED)

    assert approval_queue.count_waiting(EVERYONE) == 3
    by_agent = QueueFilter(agent_id=agent.id)
    assert approval_queue.count_waiting(EVERYONE, by_agent) == 2
    by_customer = QueueFilter(customer_id=ticket.customer_id)
    assert approval_queue.count_waiting(EVERYONE, by_customer) == 2
    both = QueueFilter(agent_id=agent.id, customer_id=ticket.customer_id)
    assert approval_queue.count_waiting(EVERYONE, both) == 1


def test_load_group_keeps_seen_versions(agent, ticket, submit):
    entry = submit(ticket, agent)
    entry.minutes = 90
    db.session.commit()

    group = approval_queue.load_group(
        EVERYONE, agent.id, WEDNESDAY, QueueFilter(), {entry.id: 1}
    )

    assert group.week_start == MONDAY
    assert [e.id for e in group.entries] == [entry.id]
    assert group.approval_versions == {entry.id: 1}


def test_approve_entry_sets_decision(request_context, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    approvals.approve_entry(lead, entry, expected_version=1)
    db.session.commit()

    assert entry.status == EntryStatus.APPROVED
    assert entry.decided_by_id == lead.id
    assert entry.decided_at.tzinfo is not None
    assert entry.version == 2
    assert _audit_count(entry) == 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter the reason for the rejection."),
        (" \n ", "Enter the reason for the rejection."),
        ("z" * 1001, "The reason can be at most 1000 characters long."),
    ],
)
def test_reject_entry_checks_reason(
    request_context, lead, agent, ticket, submit, reason, message
):
    entry = submit(ticket, agent)

    with pytest.raises(DomainError) as caught:
        approvals.reject_entry(lead, entry, reason)

    assert caught.value.status == 422
    assert caught.value.message == message
    db.session.rollback()
    assert entry.status == EntryStatus.SUBMITTED


def test_reject_entry_strips_reason(request_context, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    approvals.reject_entry(lead, entry, "\n  Wrong customer \n")

    assert entry.rejection_reason == "Wrong customer"


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_self_decision_is_403(request_context, make_user, ticket, submit, role):
    user = make_user(role)
    entry = submit(ticket, user)

    for decide in (
        lambda: approvals.approve_entry(user, entry),
        lambda: approvals.reject_entry(user, entry, "Mine"),
        lambda: approvals.approve_group(user, user.id, MONDAY),
    ):
        with pytest.raises(DomainError) as caught:
            decide()
        assert caught.value.status == 403
        db.session.rollback()

    assert entry.status == EntryStatus.SUBMITTED
    assert _audit_count(entry) == 0


def test_approve_group_only_submitted_of_week(
    request_context, lead, agent, ticket, submit, make_entry
):
    in_group = [submit(ticket, agent, work_date=day) for day in (MONDAY, WEDNESDAY)]
    draft = make_entry(ticket, agent, status=EntryStatus.DRAFT, work_date=MONDAY)
    next_week = submit(ticket, agent, work_date=NEXT_MONDAY)

    result = approvals.approve_group(lead, agent.id, WEDNESDAY)
    db.session.commit()

    assert sorted(e.id for e in result.decided) == sorted(e.id for e in in_group)
    assert result.skipped == []
    assert all(e.status == EntryStatus.APPROVED for e in in_group)
    assert draft.status == EntryStatus.DRAFT
    assert next_week.status == EntryStatus.SUBMITTED


def test_approve_group_skips_decided_entry(
    request_context, lead, make_user, agent, ticket, submit
):
    colleague = make_user(Role.APPROVER, name="Giulia Neri")
    fresh = submit(ticket, agent)
    decided = submit(ticket, agent, work_date=WEDNESDAY)
    approvals.approve_entry(colleague, decided, scope=EVERYONE)
    db.session.commit()

    result = approvals.approve_group(
        lead, agent.id, MONDAY, {fresh.id: 1, decided.id: 1}
    )
    db.session.commit()

    assert [entry.id for entry in result.decided] == [fresh.id]
    (skipped,) = result.skipped
    assert skipped.entry_id == decided.id
    assert skipped.ticket_key == "ASS-1001"
    assert skipped.reason.startswith("Already approved by Giulia Neri on ")
    assert fresh.status == EntryStatus.APPROVED
    assert decided.decided_by_id == colleague.id
    assert _audit_count(decided) == 1


def test_approve_group_nothing_left_is_409(
    request_context, lead, make_user, agent, ticket, submit
):
    colleague = make_user(Role.APPROVER, name="Giulia Neri")
    decided = submit(ticket, agent)
    approvals.approve_entry(colleague, decided, scope=EVERYONE)
    db.session.commit()

    with pytest.raises(approvals.BulkDecisionError) as caught:
        approvals.approve_group(lead, agent.id, MONDAY, {decided.id: 1})
    db.session.rollback()

    assert caught.value.status == 409
    assert caught.value.message.startswith("Already approved by Giulia Neri on ")
    assert [skipped.entry_id for skipped in caught.value.skipped] == [decided.id]


@pytest.mark.postgres_only
def test_concurrent_decisions_one_wins(app, make_user, team, agent, ticket, submit):
    first_lead = make_user(Role.APPROVER, name="Laura Bianchi")
    second_lead = make_user(Role.APPROVER, name="Paolo Neri")
    team.approvers.extend([first_lead, second_lead])
    db.session.commit()
    entry_id = submit(ticket, agent).id
    first_holds_lock = threading.Event()
    outcomes: dict[str, object] = {}

    def decide(name: str, lead_id: int, hold_seconds: float) -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            lead = db.session.get(User, lead_id)
            entry = db.session.get(TimeEntry, entry_id)
            try:
                if hold_seconds:
                    approvals.approve_entry(lead, entry)
                    first_holds_lock.set()
                    time.sleep(hold_seconds)
                else:
                    first_holds_lock.wait(timeout=10)
                    approvals.reject_entry(lead, entry, "Not needed")
                db.session.commit()
                outcomes[name] = "decided"
            except DomainError as error:
                db.session.rollback()
                outcomes[name] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=("first", first_lead.id, 0.5)),
        threading.Thread(target=decide, args=("second", second_lead.id, 0)),
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert outcomes["first"] == "decided"
    error = outcomes["second"]
    assert isinstance(error, DomainError)
    assert error.status == 409
    assert error.message.startswith("Already approved by Laura Bianchi on ")
    # The second decision waited for the first one's row lock.
    assert time.monotonic() - started >= 0.5
    db.session.expire_all()
    entry = db.session.get(TimeEntry, entry_id)
    assert entry.status == EntryStatus.APPROVED
    assert entry.decided_by_id == first_lead.id
    assert _audit_count(entry) == 1


def test_decided_at_is_utc_now(request_context, lead, agent, ticket, submit):
    entry = submit(ticket, agent)
    before = datetime.now(UTC)

    approvals.approve_entry(lead, entry)
    db.session.commit()

    db.session.expire_all()
    stored = db.session.get(TimeEntry, entry.id).decided_at
    assert stored.utcoffset().total_seconds() == 0
    assert before <= stored <= datetime.now(UTC)


def test_deleted_entry_is_404(request_context, lead, agent, ticket, submit):
    entry = submit(ticket, agent)
    with db.engine.begin() as connection:
        connection.execute(sa.delete(TimeEntry).where(TimeEntry.id == entry.id))

    with pytest.raises(DomainError) as caught:
        approvals.approve_entry(lead, entry)

    assert caught.value.status == 404
    assert caught.value.message == "This entry no longer exists. Reload the page."
