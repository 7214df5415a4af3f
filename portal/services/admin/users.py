"""Staff and customer accounts: list, create, edit, deactivate and reactivate.

This module never deletes users, so the entries, approvals and audit rows that name
them keep their history. A deactivated user cannot sign in, and their open
sessions stop at the next request because Flask-Login's UserMixin (0.6) makes
is_authenticated follow is_active, which the user loader reads on each request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.models import Customer, Role, Team, TokenPurpose, User, UserToken
from portal.models.types import utcnow
from portal.services.admin import PAGE_SIZE, AdminFieldError, like_pattern
from portal.services.approvals import TIME_LOGGING_ROLES
from portal.services.audit import changed_fields, record_event, snapshot
from portal.services.contract_terms_admin import MAX_LEVEL_LENGTH, normalise_level

logger = logging.getLogger(__name__)

# The columns an admin sets; audit rows record those that changed.
USER_FIELDS = [
    "name",
    "email",
    "role",
    "customer_id",
    "team_id",
    "level",
    "language",
    "timezone",
    "is_active",
    "is_customer_admin",
]
APPROVING_ROLES = frozenset({Role.APPROVER, Role.ADMIN})
LANGUAGES = ("it", "en")


@dataclass(frozen=True)
class UserData:
    """The values an admin types for one user, already parsed."""

    name: str
    email: str
    role: Role
    language: str
    timezone: str
    customer_id: int | None = None
    team_id: int | None = None
    # The agent level that contract rates may depend on, e.g. "senior".
    level: str = ""


@dataclass(frozen=True)
class UserFilter:
    """Filters of the user list, where None and "" match every user."""

    role: Role | None = None
    active: bool | None = None
    query: str = ""


def list_users(filters: UserFilter, page: int = 1) -> Pagination:
    """Return one page of users matching filters, ordered by name."""
    query = sa.select(User).options(joinedload(User.customer), joinedload(User.team))
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.is_active_user.is_(filters.active))
    if filters.query:
        pattern = like_pattern(filters.query)
        query = query.where(
            sa.or_(
                User.name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            )
        )
    query = query.order_by(sa.func.lower(User.name), User.id)
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def pending_invitations(users: list[User]) -> dict[int, datetime]:
    """Return the latest expiry of each inactive user's unused invitation links.

    An inactive user with an entry is invited (or their invitation expired, when
    the expiry has passed); one without is deactivated.
    """
    inactive = [user.id for user in users if not user.is_active_user]
    if not inactive:
        return {}
    query = (
        sa.select(UserToken.user_id, sa.func.max(UserToken.expires_at))
        .where(
            UserToken.user_id.in_(inactive),
            UserToken.purpose == TokenPurpose.INVITATION,
            UserToken.used_at.is_(None),
        )
        .group_by(UserToken.user_id)
    )
    return dict(db.session.execute(query).all())


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def create_user(actor: User, data: UserData, active: bool) -> User:
    """Create a user with an unusable password and audit it.

    The caller sets the password or sends the invitation that lets the user
    choose one. Invited users start inactive, so they cannot sign in before.
    """
    _check_user_data(data, user=None)

    user = User(password_hash="!", is_active_user=active)
    _apply(user, data)
    db.session.add(user)
    _flush_unique_email(data.email)

    record_event(actor, "created", user, None, snapshot(user, USER_FIELDS))
    return user


def update_user(actor: User, user: User, data: UserData) -> User:
    """Change a user's account data and audit the changed fields."""
    _check_user_data(data, user=user)
    _check_approver_role(user, data.role)
    if user.role == Role.ADMIN and data.role != Role.ADMIN:
        _check_admin_remains(actor, user, field="role")

    before = snapshot(user, USER_FIELDS)
    _apply(user, data)
    _flush_unique_email(data.email)

    before, after = changed_fields(before, snapshot(user, USER_FIELDS))
    if after:
        record_event(actor, "updated", user, before, after)
    return user


def deactivate_user(actor: User, user: User, reason: str | None = None) -> User:
    """Stop a user from signing in, revoke their pending links, and audit it."""
    if not user.is_active_user:
        raise DomainError(
            _("%(name)s is already deactivated.", name=user.name), status=409
        )
    if user.id == actor.id:
        raise DomainError(_("You cannot deactivate your own account."), status=409)
    if user.role == Role.ADMIN:
        _check_admin_remains(actor, user, field=None)

    user.is_active_user = False
    revoked = _revoke_pending_tokens(user)
    after = {"is_active": False}
    if revoked:
        after["revoked_links"] = revoked
    record_event(actor, "deactivated", user, {"is_active": True}, after, reason)
    db.session.flush()
    return user


def reactivate_user(actor: User, user: User, reason: str | None = None) -> User:
    """Let a deactivated user sign in again with their old password, and audit it."""
    if user.is_active_user:
        raise DomainError(_("%(name)s is already active.", name=user.name), status=409)

    user.is_active_user = True
    record_event(
        actor, "reactivated", user, {"is_active": False}, {"is_active": True}, reason
    )
    db.session.flush()
    return user


# Checks


def _check_user_data(data: UserData, user: User | None) -> None:
    _check_email_free(data.email, user.id if user is not None else None)
    _check_zone(data.timezone)
    if data.language not in LANGUAGES:
        raise AdminFieldError("language", _("Choose Italian or English."))
    _check_customer(data)
    _check_team(data)
    _check_level(data)


def _check_email_free(email: str, user_id: int | None) -> None:
    normalised = email.strip().lower()
    query = sa.select(User.id).where(sa.func.lower(User.email) == normalised)
    if user_id is not None:
        query = query.where(User.id != user_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise AdminFieldError(
            "email",
            _(
                "The e-mail address %(email)s is already used by another user. "
                "Use another address.",
                email=normalised,
            ),
        )


def _flush_unique_email(email: str) -> None:
    """Flush, turning a concurrent insert of the same e-mail into a field error."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        logger.info("user e-mail %s rejected by the unique index: %s", email, error)
        _check_email_free(email, None)
        raise


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise AdminFieldError(
            "timezone", _("Choose a time zone from the list.")
        ) from error


def _check_customer(data: UserData) -> None:
    if data.role == Role.CUSTOMER:
        customer = db.session.get(Customer, data.customer_id or 0)
        if customer is None:
            raise AdminFieldError(
                "customer_id", _("Choose the customer this user belongs to.")
            )
    elif data.customer_id is not None:
        raise AdminFieldError(
            "customer_id",
            _(
                "Only customer users belong to a customer. Clear the customer or "
                "choose the role Customer."
            ),
        )


def _check_team(data: UserData) -> None:
    if data.team_id is None:
        return
    if data.role not in TIME_LOGGING_ROLES:
        raise AdminFieldError(
            "team_id",
            _("Only agents, approvers and admins log time, so only they join a team."),
        )
    if db.session.get(Team, data.team_id) is None:
        raise AdminFieldError("team_id", _("Choose a team from the list."))


def _check_level(data: UserData) -> None:
    level = normalise_level(data.level)
    if level and data.role not in TIME_LOGGING_ROLES:
        raise AdminFieldError(
            "level",
            _(
                "Only agents, approvers and admins log time, so only they have a "
                "level. Clear the level."
            ),
        )
    if len(level) > MAX_LEVEL_LENGTH:
        raise AdminFieldError("level", _("Enter a level of at most 40 characters."))


def _check_approver_role(user: User, role: Role) -> None:
    """Reject a role that cannot approve while the user still approves teams."""
    if role in APPROVING_ROLES or not user.approved_teams:
        return
    names = ", ".join(team.name for team in user.approved_teams)
    raise AdminFieldError(
        "role",
        _(
            "%(name)s approves the teams %(teams)s. Remove them as approver there "
            "first, or keep the role Approver or Admin.",
            name=user.name,
            teams=names,
        ),
    )


def _check_admin_remains(actor: User, user: User, field: str | None) -> None:
    """Reject removing admin rights from the actor or while the actor has none.

    Together the two rules keep one active admin, the actor: nobody removes
    their own rights, and only an active admin removes another's. The active
    admins' rows are locked (FOR UPDATE on PostgreSQL), so when two admins
    demote each other at once, the second waits, then no longer finds the
    first among the active admins and is rejected.
    """
    if user.id == actor.id:
        message = _("You cannot remove your own admin rights.")
    elif actor.id not in _lock_active_admin_ids():
        message = _(
            "Only an active admin can change another admin. Your account is no "
            "longer one."
        )
    else:
        return
    logger.info("admin change on user %s by user %s rejected", user.id, actor.id)
    if field is None:
        raise DomainError(message, status=409)
    raise AdminFieldError(field, message)


def _lock_active_admin_ids() -> set[int]:
    query = (
        sa.select(User.id)
        .where(User.role == Role.ADMIN, User.is_active_user.is_(True))
        .with_for_update()
    )
    # After waiting for a lock, PostgreSQL checks the WHERE clause again against
    # the committed row, so an admin deactivated meanwhile drops out.
    return set(db.session.scalars(query))


def _revoke_pending_tokens(user: User) -> int:
    """Mark the user's unused links used, as accounts_access does when cancelling."""
    tokens = db.session.scalars(
        sa.select(UserToken).where(
            UserToken.user_id == user.id, UserToken.used_at.is_(None)
        )
    ).all()
    now = utcnow()
    for token in tokens:
        token.used_at = now
    return len(tokens)


def _apply(user: User, data: UserData) -> None:
    user.name = data.name
    user.email = data.email
    user.role = data.role
    user.customer_id = data.customer_id if data.role == Role.CUSTOMER else None
    if data.role != Role.CUSTOMER:
        # Only portal users administer their colleagues.
        user.is_customer_admin = False
    user.team_id = data.team_id
    user.level = normalise_level(data.level)
    user.language = data.language
    user.timezone = data.timezone
