"""Decisions on resources: approve, reject, reverse, selections, races, scope."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    AuditEvent,
    EntryStatus,
    Notification,
    ResourceEntry,
    Role,
    Statement,
    Team,
    User,
)
from portal.services import notifications
from portal.services import resource_approvals as approvals
from portal.services.approvals import BulkDecisionError, Decision
from portal.services.resource_notifications import (
    RESOURCE_APPROVAL_REVERSED,
    RESOURCES_REJECTED,
)
from tests.conftest import ON_POSTGRES


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def submitted(make_resource, ticket, agent):
    return make_resource(ticket, agent, status=EntryStatus.SUBMITTED)


def audit_actions(resource_id: int) -> list[tuple[str, str | None]]:
    query = (
        sa.select(AuditEvent.action, AuditEvent.reason)
        .where(
            AuditEvent.object_type == "resource_entries",
            AuditEvent.object_id == resource_id,
        )
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def notifications_of(user: User) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def test_approve_sets_decision(lead, submitted):
    approvals.approve_resource(lead, submitted, submitted.version)
    db.session.commit()

    assert submitted.status == EntryStatus.APPROVED
    assert submitted.decided_by_id == lead.id
    assert submitted.decided_at is not None
    assert audit_actions(submitted.id) == [("approved", None)]


def test_reject_needs_reason(lead, submitted):
    with pytest.raises(DomainError) as error:
        approvals.reject_resource(lead, submitted, "  ")

    assert error.value.status == 422
    assert error.value.message == "Enter the reason for the rejection."


def test_reject_notifies_agent(lead, agent, submitted):
    approvals.reject_resource(lead, submitted, "Route too long")
    db.session.commit()

    assert submitted.status == EntryStatus.REJECTED
    assert submitted.rejection_reason == "Route too long"
    assert audit_actions(submitted.id) == [("rejected", "Route too long")]
    (notification,) = notifications_of(agent)
    assert notification.kind == RESOURCES_REJECTED
    assert notification.object_type == "resource_entries"
    assert notification.object_id == submitted.id
    text = notifications.describe(notification)
    assert text.title == (
        "Laura Bianchi rejected your resource (12.5 km, 10/11/2026) on ticket ASS-100."
    )
    assert text.detail == "Reason: Route too long"
    assert notifications.link_of(text).endswith(
        f"/agent/tickets/ASS-100#resource-{submitted.id}"
    )


def test_reject_email_renders(lead, agent, submitted):
    approvals.reject_resource(lead, submitted, "Route too long")
    (notification,) = notifications_of(agent)

    subject, text, html = notifications.render_email(notification)

    assert "rejected your resource" in subject
    assert "Route too long" in text
    assert f"#resource-{submitted.id}" in html


def test_self_approval_refused(make_resource, ticket, lead, team):
    lead.team = team
    own = make_resource(ticket, lead, status=EntryStatus.SUBMITTED)

    with pytest.raises(DomainError) as error:
        approvals.approve_resource(lead, own)

    assert error.value.status == 403
    assert own.status == EntryStatus.SUBMITTED


def test_admin_self_approval_refused(make_resource, ticket, make_user):
    admin = make_user(Role.ADMIN)
    own = make_resource(ticket, admin, status=EntryStatus.SUBMITTED)

    with pytest.raises(DomainError) as error:
        approvals.approve_resource(admin, own)

    assert error.value.status == 403


def test_other_team_lead_gets_404(make_user, submitted):
    other_team = Team(name="Field service")
    outsider = make_user(Role.APPROVER, name="Paolo Neri")
    other_team.approvers.append(outsider)
    db.session.add(other_team)
    db.session.commit()

    with pytest.raises(DomainError) as error:
        approvals.approve_resource(outsider, submitted)

    assert error.value.status == 404
    assert submitted.status == EntryStatus.SUBMITTED


def test_admin_decides_any_team(make_user, submitted):
    admin = make_user(Role.ADMIN)

    approvals.approve_resource(admin, submitted)

    assert submitted.status == EntryStatus.APPROVED


def test_changed_version_refused(lead, submitted):
    with pytest.raises(DomainError) as error:
        approvals.approve_resource(lead, submitted, submitted.version + 1)

    assert error.value.status == 409
    assert "changed after you loaded the page" in error.value.message


def test_second_decision_names_first(make_user, team, submitted):
    first = make_user(Role.APPROVER, name="Paolo Neri")
    team.approvers.append(first)
    second = make_user(Role.APPROVER, name="Sara Galli")
    team.approvers.append(second)
    db.session.commit()
    approvals.approve_resource(first, submitted)
    db.session.commit()

    with pytest.raises(DomainError) as error:
        approvals.reject_resource(second, submitted, "No")

    assert error.value.status == 409
    assert error.value.message.startswith("Already approved by Paolo Neri on ")


@pytest.mark.skipif(ON_POSTGRES, reason="the second connection would wait for the lock")
def test_stale_flush_names_winner(app, lead, make_user, team, submitted):
    """A decision committed between our check and our UPDATE ends in 409."""
    winner = make_user(Role.APPROVER, name="Paolo Neri")
    resource_id = submitted.id

    fired = []

    def decide_elsewhere(session, flush_context, instances):
        if fired:
            return
        fired.append(True)
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(ResourceEntry)
                .where(ResourceEntry.id == resource_id)
                .values(
                    status=EntryStatus.APPROVED.value,
                    decided_by_id=winner.id,
                    decided_at=sa.func.current_timestamp(),
                    version=ResourceEntry.version + 1,
                )
            )

    sa.event.listen(db.session, "before_flush", decide_elsewhere)
    try:
        with pytest.raises(DomainError) as error:
            approvals.approve_resource(lead, submitted)
    finally:
        sa.event.remove(db.session, "before_flush", decide_elsewhere)

    assert error.value.status == 409
    assert error.value.message.startswith("Already approved by Paolo Neri on ")


@pytest.mark.postgres_only
def test_concurrent_decisions_one_wins(
    app, make_user, team, agent, ticket, make_resource
):
    first_lead = make_user(Role.APPROVER, name="Paolo Neri")
    second_lead = make_user(Role.APPROVER, name="Sara Galli")
    team.approvers.extend([first_lead, second_lead])
    db.session.commit()
    resource_id = make_resource(ticket, agent, status=EntryStatus.SUBMITTED).id
    first_holds_lock = threading.Event()
    outcomes: dict[str, object] = {}

    def decide(name: str, lead_id: int, hold_seconds: float) -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            lead = db.session.get(User, lead_id)
            resource = db.session.get(ResourceEntry, resource_id)
            try:
                if hold_seconds:
                    approvals.approve_resource(lead, resource)
                    first_holds_lock.set()
                    time.sleep(hold_seconds)
                else:
                    first_holds_lock.wait(timeout=10)
                    approvals.approve_resource(lead, resource)
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
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert outcomes["first"] == "decided"
    assert isinstance(outcomes["second"], DomainError)
    assert outcomes["second"].status == 409
    assert outcomes["second"].message.startswith("Already approved by Paolo Neri")


# --- Reversal ----------------------------------------------------------------


@pytest.fixture
def approved(make_resource, ticket, agent, lead):
    return make_resource(ticket, agent, status=EntryStatus.APPROVED, decided_by=lead)


def test_reverse_needs_reason(lead, approved):
    with pytest.raises(DomainError) as error:
        approvals.reverse_resource_approval(lead, approved, "")

    assert error.value.status == 422
    assert error.value.message == "Enter the reason for reversing the approval."


def test_reverse_back_to_queue(lead, agent, approved):
    approvals.reverse_resource_approval(
        lead, approved, "Wrong ticket", approved.version
    )
    db.session.commit()

    assert approved.status == EntryStatus.SUBMITTED
    assert approved.decided_by_id is None
    assert audit_actions(approved.id) == [("approval_reversed", "Wrong ticket")]
    (notification,) = notifications_of(agent)
    assert notification.kind == RESOURCE_APPROVAL_REVERSED
    text = notifications.describe(notification)
    assert "reversed the approval of your resource (12.5 km, 10/11/2026)" in text.title
    assert text.detail == "Reason: Wrong ticket"


def test_reverse_twice_names_first(lead, make_user, team, approved):
    other = make_user(Role.APPROVER, name="Paolo Neri")
    team.approvers.append(other)
    db.session.commit()
    approvals.reverse_resource_approval(other, approved, "Wrong ticket")
    db.session.commit()

    with pytest.raises(DomainError) as error:
        approvals.reverse_resource_approval(lead, approved, "Again")

    assert error.value.message.startswith(
        "The approval was already reversed by Paolo Neri on "
    )


def test_reverse_on_statement_refused(lead, approved, customer, make_user):
    accounts = make_user(Role.ACCOUNTS)
    statement = Statement(
        customer_id=customer.id,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        year=2026,
        sequence=1,
        number="2026/0001",
        language="it",
        total_minutes=0,
        total_amount=Decimal("0.00"),
        customer_name=customer.name,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
        issued_by_id=accounts.id,
    )
    db.session.add(statement)
    db.session.flush()
    approved.statement_id = statement.id
    db.session.commit()

    with pytest.raises(DomainError) as error:
        approvals.reverse_resource_approval(lead, approved, "Wrong ticket")

    assert error.value.status == 409
    assert "issued statement" in error.value.message
    assert approved.status == EntryStatus.APPROVED


def test_reverse_own_refused(make_resource, ticket, lead, make_user, team):
    lead.team = team
    own = make_resource(
        ticket, lead, status=EntryStatus.APPROVED, decided_by=make_user(Role.ADMIN)
    )

    with pytest.raises(DomainError) as error:
        approvals.reverse_resource_approval(lead, own, "Mine")

    assert error.value.status == 403


# --- Selections --------------------------------------------------------------


def test_bulk_approve_skips_own(lead, agent, team, ticket, make_resource):
    lead.team = team
    theirs = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    own = make_resource(ticket, lead, status=EntryStatus.SUBMITTED)

    result = approvals.decide_resources(
        lead, Decision.APPROVE, {theirs.id: theirs.version, own.id: own.version}
    )
    db.session.commit()

    assert [resource.id for resource in result.decided] == [theirs.id]
    assert [skipped.entry_id for skipped in result.skipped] == [own.id]
    assert theirs.status == EntryStatus.APPROVED
    assert own.status == EntryStatus.SUBMITTED


def test_bulk_reject_notifies_each_agent(
    lead, agent, other_agent, ticket, make_resource
):
    first = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    second = make_resource(ticket, other_agent, status=EntryStatus.SUBMITTED)

    approvals.decide_resources(
        lead,
        Decision.REJECT,
        {first.id: first.version, second.id: second.version},
        "Duplicate",
    )
    db.session.commit()

    assert first.status == EntryStatus.REJECTED
    assert second.status == EntryStatus.REJECTED
    assert [n.kind for n in notifications_of(agent)] == [RESOURCES_REJECTED]
    assert [n.kind for n in notifications_of(other_agent)] == [RESOURCES_REJECTED]


def test_bulk_reject_needs_reason(lead, submitted):
    with pytest.raises(DomainError) as error:
        approvals.decide_resources(
            lead, Decision.REJECT, {submitted.id: submitted.version}, ""
        )

    assert error.value.status == 422


def test_bulk_nothing_decided(lead, submitted):
    with pytest.raises(BulkDecisionError) as error:
        approvals.decide_resources(
            lead, Decision.APPROVE, {submitted.id: submitted.version + 1}
        )

    assert error.value.status == 409
    assert len(error.value.skipped) == 1


def test_queue_scoped_to_teams(lead, agent, make_user, ticket, make_resource):
    stranger = make_user(Role.AGENT, name="Fuori Squadra")
    inside = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    make_resource(ticket, stranger, status=EntryStatus.SUBMITTED)
    make_resource(ticket, agent, status=EntryStatus.DRAFT)

    queue = approvals.load_resource_queue(
        approvals.scope_for(lead), approvals.QueueFilter()
    )

    assert [resource.id for resource in queue.resources] == [inside.id]
    assert queue.truncated is False


def test_queue_of_lead_without_team_empty(make_user, submitted):
    lonely = make_user(Role.APPROVER)

    queue = approvals.load_resource_queue(
        approvals.scope_for(lonely), approvals.QueueFilter()
    )

    assert queue.resources == []
