"""Teams: a name, the agents whose time is approved in it, and their approvers.

An agent belongs to at most one team, because membership is User.team_id, so
adding an agent to a team moves them out of their previous one. Approvers are
linked through team_approvers and may approve several teams.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Team, User
from portal.services.admin import AdminFieldError
from portal.services.admin.users import APPROVING_ROLES
from portal.services.approvals import TIME_LOGGING_ROLES
from portal.services.audit import changed_fields, record_event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamData:
    """The values an admin sets for one team."""

    name: str
    member_ids: frozenset[int] = frozenset()
    approver_ids: frozenset[int] = frozenset()


def team_snapshot(team: Team) -> dict:
    """Return the audited values of a team, with members as sorted user ids."""
    return {
        "name": team.name,
        "member_ids": sorted(user.id for user in team.members),
        "approver_ids": sorted(user.id for user in team.approvers),
    }


def list_teams() -> list[Team]:
    query = (
        sa.select(Team)
        .options(selectinload(Team.members), selectinload(Team.approvers))
        .order_by(sa.func.lower(Team.name))
    )
    return list(db.session.scalars(query))


def team_choices() -> list[Team]:
    """Return every team by name, for select fields."""
    query = sa.select(Team).order_by(sa.func.lower(Team.name), Team.id)
    return list(db.session.scalars(query))


def get_team(team_id: int) -> Team | None:
    return db.session.get(Team, team_id)


def eligible_members(team: Team | None) -> list[User]:
    """Return the active users who log time, plus the team's current members."""
    condition = sa.and_(
        User.role.in_(TIME_LOGGING_ROLES), User.is_active_user.is_(True)
    )
    if team is not None and team.id is not None:
        condition = sa.or_(condition, User.team_id == team.id)
    query = (
        sa.select(User)
        .options(selectinload(User.team))
        .where(condition)
        .order_by(sa.func.lower(User.name), User.id)
    )
    return list(db.session.scalars(query))


def eligible_approvers(team: Team | None) -> list[User]:
    """Return the active approvers and admins, plus the team's current approvers."""
    current = [user.id for user in team.approvers] if team is not None else []
    condition = sa.and_(User.role.in_(APPROVING_ROLES), User.is_active_user.is_(True))
    query = (
        sa.select(User)
        .where(sa.or_(condition, User.id.in_(current)))
        .order_by(sa.func.lower(User.name), User.id)
    )
    return list(db.session.scalars(query))


def create_team(actor: User, data: TeamData) -> Team:
    """Create a team with its members and approvers, and audit it."""
    _check_name_free(data.name, None)
    team = Team(name=data.name)
    db.session.add(team)
    _flush_unique_name(data.name)

    _set_members(actor, team, data.member_ids)
    _set_approvers(team, data.approver_ids)
    db.session.flush()
    record_event(actor, "created", team, None, team_snapshot(team))
    return team


def update_team(actor: User, team: Team, data: TeamData) -> Team:
    """Rename a team, set its members and approvers, and audit what changed."""
    _check_name_free(data.name, team.id)
    before = team_snapshot(team)

    team.name = data.name
    _set_members(actor, team, data.member_ids)
    _set_approvers(team, data.approver_ids)
    _flush_unique_name(data.name)

    before, after = changed_fields(before, team_snapshot(team))
    if after:
        record_event(actor, "updated", team, before, after)
    return team


def _set_members(actor: User, team: Team, member_ids: Iterable[int]) -> None:
    """Make exactly member_ids the team's members, auditing every moved user."""
    wanted = _load_users(member_ids, eligible_members(team), "members")
    current = {user.id: user for user in team.members}

    for user in current.values():
        if user.id not in wanted:
            _move_user(actor, user, None)
    for user in wanted.values():
        if user.id not in current:
            _move_user(actor, user, team)


def _move_user(actor: User, user: User, team: Team | None) -> None:
    """Move user into team (None: out of any team), auditing user and old team."""
    old_team = user.team
    if old_team is not None and old_team is not team:
        old_before = team_snapshot(old_team)
        old_team.members.remove(user)
        old_before, old_after = changed_fields(old_before, team_snapshot(old_team))
        record_event(actor, "updated", old_team, old_before, old_after)

    user.team = team
    new_team_id = team.id if team is not None else None
    old_team_id = old_team.id if old_team is not None else None
    record_event(
        actor, "updated", user, {"team_id": old_team_id}, {"team_id": new_team_id}
    )


def _set_approvers(team: Team, approver_ids: Iterable[int]) -> None:
    wanted = _load_users(approver_ids, eligible_approvers(team), "approvers")
    team.approvers = sorted(wanted.values(), key=lambda user: user.id)


def _load_users(ids: Iterable[int], eligible: list[User], field: str) -> dict:
    allowed = {user.id: user for user in eligible}
    chosen = set(ids)
    unknown = sorted(chosen - set(allowed))
    if unknown:
        logger.info("team %s rejected ineligible user ids %s", field, unknown)
        raise AdminFieldError(field, _("Choose users from the list."))
    return {user_id: allowed[user_id] for user_id in chosen}


def _check_name_free(name: str, team_id: int | None) -> None:
    query = sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower())
    if team_id is not None:
        query = query.where(Team.id != team_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise AdminFieldError(
            "name",
            _("A team named %(name)s already exists. Choose another name.", name=name),
        )


def _flush_unique_name(name: str) -> None:
    """Flush, turning a concurrent insert of the same name into a field error."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        logger.info("team name %s rejected by the unique index: %s", name, error)
        _check_name_free(name, None)
        raise
