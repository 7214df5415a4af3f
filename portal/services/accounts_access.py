"""Link tokens, colleague invitations and password resets.

A link token is secrets.token_urlsafe(32): 32 random bytes, 43 URL-safe
characters. Only its SHA-256 hex digest is stored, so a copy of the database
cannot be turned into working links. Every token expires (expires_at) and works
once (used_at). A superseded or cancelled token is marked used as well.

Customer admins manage the portal users of their own customer here: invite,
resend an invitation, remove (deactivate, never delete) and grant or revoke the
admin flag. Every change writes an audit row.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.extensions import db
from portal.models import Role, TokenPurpose, User, UserToken
from portal.models.types import utcnow
from portal.services.audit import record_event, snapshot

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
# token_urlsafe(32) always returns 43 characters of this alphabet.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
INVITATION_LIFETIME = timedelta(days=7)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)
RESET_MAILS_PER_HOUR = 3
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# Werkzeug's check_password_hash returns False for a hash without "$", so an
# invited user cannot sign in before setting a password.
UNUSABLE_PASSWORD_HASH = "!"

COLLEAGUE_FIELDS = ["name", "email", "language", "is_active_user", "is_customer_admin"]


class LinkProblem(enum.StrEnum):
    """Reason a link token was rejected."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


class LinkTokenError(Exception):
    """A link token is unknown, expired or already used."""

    def __init__(self, problem: LinkProblem, token_id: int | None = None) -> None:
        super().__init__(f"link token {token_id} rejected: {problem}")
        self.problem = problem
        self.token_id = token_id

    @property
    def status(self) -> int:
        # 410 Gone for a link that once worked, 400 for one that never did.
        return 400 if self.problem == LinkProblem.UNKNOWN else 410


class InvitationError(DomainError):
    """A rejected invitation address, with the message the form shows beside it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


class ColleagueStatus(enum.StrEnum):
    ACTIVE = "active"
    INVITED = "invited"
    INVITATION_EXPIRED = "invitation_expired"
    REMOVED = "removed"


@dataclass(frozen=True)
class Colleague:
    """A portal user of a customer with the state of their access."""

    user: User
    status: ColleagueStatus
    invitation_expires_at: datetime | None


# Tokens


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("ascii")).hexdigest()


def issue_token(
    user: User, purpose: TokenPurpose, lifetime: timedelta, created_by: User | None
) -> str:
    """Store a new token of purpose for user and return the raw token for the link."""
    raw_token = secrets.token_urlsafe(TOKEN_BYTES)
    token = UserToken(
        user=user,
        purpose=purpose,
        token_hash=hash_token(raw_token),
        expires_at=utcnow() + lifetime,
        created_by=created_by,
    )
    db.session.add(token)
    db.session.flush()
    logger.info("%s token %s issued for user %s", purpose, token.id, user.id)
    return raw_token


def _invalidate_tokens(user: User, purpose: TokenPurpose) -> int:
    """Mark every unused token of purpose for user as used and return their count."""
    result = db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _consume(token: UserToken) -> None:
    """Mark token used, or raise LinkTokenError if a concurrent request did first.

    The conditional UPDATE makes single use hold even when two requests submit
    the same link at once.
    """
    result = db.session.execute(
        update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LinkTokenError(LinkProblem.USED, token.id)


def find_valid_token(raw_token: str, purpose: TokenPurpose) -> UserToken:
    """Return the unused, unexpired token of purpose, or raise LinkTokenError."""
    if not TOKEN_PATTERN.fullmatch(raw_token or ""):
        raise LinkTokenError(LinkProblem.UNKNOWN)
    token = db.session.scalar(
        select(UserToken).where(
            UserToken.token_hash == hash_token(raw_token),
            UserToken.purpose == purpose,
        )
    )
    if token is None:
        raise LinkTokenError(LinkProblem.UNKNOWN)
    if token.used_at is not None:
        raise LinkTokenError(LinkProblem.USED, token.id)
    if token.expires_at <= utcnow():
        raise LinkTokenError(LinkProblem.EXPIRED, token.id)
    return token


# Colleagues


def list_colleagues(customer_id: int) -> list[Colleague]:
    """List the customer's portal users by name, with the state of their access."""
    pending = _pending_invitations().subquery()
    rows = db.session.execute(
        select(User, pending.c.expires_at)
        .outerjoin(pending, pending.c.user_id == User.id)
        .where(User.customer_id == customer_id, User.role == Role.CUSTOMER)
        .order_by(func.lower(User.name), User.id)
    )
    now = utcnow()
    return [
        Colleague(user, _status(user, expires_at, now), expires_at)
        for user, expires_at in rows
    ]


def _pending_invitations():
    """Select user_id and the latest expiry of each user's unused invitations."""
    return (
        select(
            UserToken.user_id,
            func.max(UserToken.expires_at).label("expires_at"),
        )
        .where(
            UserToken.purpose == TokenPurpose.INVITATION,
            UserToken.used_at.is_(None),
        )
        .group_by(UserToken.user_id)
    )


def _status(user: User, expires_at: datetime | None, now: datetime) -> ColleagueStatus:
    if user.is_active_user:
        return ColleagueStatus.ACTIVE
    if expires_at is None:
        return ColleagueStatus.REMOVED
    if expires_at <= now:
        return ColleagueStatus.INVITATION_EXPIRED
    return ColleagueStatus.INVITED


def colleague_status(user: User) -> ColleagueStatus:
    """Return the state of one colleague's access."""
    pending = _pending_invitations().where(UserToken.user_id == user.id)
    row = db.session.execute(pending).first()
    return _status(user, row.expires_at if row else None, utcnow())


def invite_colleague(
    inviter: User, name: str, email: str, language: str
) -> tuple[User, str]:
    """Create an inactive colleague of the inviter's customer and an invitation.

    Returns the new user and the raw invitation token for the e-mail. Raises
    InvitationError when the e-mail address already belongs to a user.
    """
    email = email.strip().lower()
    _check_email_is_free(inviter, email)

    user = User(
        name=name.strip(),
        email=email,
        password_hash=UNUSABLE_PASSWORD_HASH,
        is_active_user=False,
        language=language,
        timezone=inviter.timezone,
        role=Role.CUSTOMER,
        customer_id=inviter.customer_id,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        # A concurrent invitation of the same address won the unique index. The
        # caller must roll the session back before rendering the form again.
        logger.info(
            "invitation of %s by user %s rejected: %s", email, inviter.id, error
        )
        raise InvitationError(_email_taken_message()) from error

    raw_token = issue_token(user, TokenPurpose.INVITATION, INVITATION_LIFETIME, inviter)
    record_event(
        inviter, "colleague_invited", user, None, snapshot(user, COLLEAGUE_FIELDS)
    )
    return user, raw_token


def _check_email_is_free(inviter: User, email: str) -> None:
    existing = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if existing is None:
        return
    if existing.customer_id == inviter.customer_id and existing.is_active_user:
        message = _("%(email)s already has access to the portal.", email=email)
    elif existing.customer_id == inviter.customer_id:
        message = _(
            "%(email)s is already in your list of colleagues. Use “Send invitation "
            "again” in the list instead.",
            email=email,
        )
    else:
        message = _email_taken_message()
    raise InvitationError(message)


def _email_taken_message() -> str:
    # One message for every owner of the address, so an invitation reveals
    # nothing about other customers' users or the support staff.
    return _("This e-mail address cannot be invited. Use a different address.")


def resend_invitation(inviter: User, colleague: User) -> str:
    """Replace the colleague's invitation with a new one and return its raw token.

    Works for any inactive colleague, so it also invites a removed one again.
    """
    if colleague.is_active_user:
        raise DomainError(
            _("%(name)s already has access to the portal.", name=colleague.name), 409
        )
    replaced = _invalidate_tokens(colleague, TokenPurpose.INVITATION)
    raw_token = issue_token(
        colleague, TokenPurpose.INVITATION, INVITATION_LIFETIME, inviter
    )
    record_event(
        inviter,
        "invitation_resent",
        colleague,
        reason=f"{replaced} earlier invitation links invalidated",
    )
    return raw_token


def remove_colleague(actor: User, colleague: User) -> None:
    """Deactivate a colleague and cancel their invitations, keeping the row.

    Removal also clears the admin flag, so inviting them again never restores
    administrator rights silently.
    """
    if colleague.id == actor.id:
        raise DomainError(
            _("You cannot remove yourself. Ask another administrator to do it."), 409
        )
    if colleague_status(colleague) == ColleagueStatus.REMOVED:
        raise DomainError(
            _("%(name)s has already been removed.", name=colleague.name), 409
        )
    _check_not_last_admin(actor, colleague)

    before = snapshot(colleague, COLLEAGUE_FIELDS)
    colleague.is_active_user = False
    colleague.is_customer_admin = False
    _invalidate_tokens(colleague, TokenPurpose.INVITATION)
    _invalidate_tokens(colleague, TokenPurpose.PASSWORD_RESET)
    after = snapshot(colleague, COLLEAGUE_FIELDS)
    record_event(actor, "colleague_removed", colleague, before, after)


def set_customer_admin(actor: User, colleague: User, is_admin: bool) -> bool:
    """Grant or revoke the colleague's admin flag and return whether it changed."""
    if colleague.id == actor.id:
        raise DomainError(
            _(
                "You cannot change your own administrator rights. Ask another "
                "administrator to do it."
            ),
            409,
        )
    if colleague.is_customer_admin == is_admin:
        return False
    if is_admin and colleague_status(colleague) == ColleagueStatus.REMOVED:
        raise DomainError(
            _(
                "%(name)s has been removed. Send them an invitation again before "
                "making them an administrator.",
                name=colleague.name,
            ),
            409,
        )
    if not is_admin:
        _check_not_last_admin(actor, colleague)

    before = snapshot(colleague, ["is_customer_admin"])
    colleague.is_customer_admin = is_admin
    action = "customer_admin_granted" if is_admin else "customer_admin_revoked"
    record_event(
        actor, action, colleague, before, snapshot(colleague, ["is_customer_admin"])
    )
    return True


def _check_not_last_admin(actor: User, colleague: User) -> None:
    """Raise DomainError if colleague is the last active admin or actor is no admin.

    The active admins' rows are locked (on PostgreSQL) so that two admins
    removing each other at the same moment cannot leave the customer with none:
    the second request waits, then finds itself no longer an admin.
    """
    admins = db.session.scalars(
        select(User)
        .where(
            User.customer_id == actor.customer_id,
            User.role == Role.CUSTOMER,
            User.is_customer_admin.is_(True),
            User.is_active_user.is_(True),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if colleague in admins and len(admins) == 1:
        raise DomainError(
            _(
                "%(name)s is the last active administrator. Make another colleague "
                "an administrator first.",
                name=colleague.name,
            ),
            409,
        )
    if actor not in admins:
        raise DomainError(
            _("You are no longer an administrator of your organisation."), 403
        )


def accept_invitation(raw_token: str, password: str) -> User:
    """Set the invitee's password and activate them, or raise LinkTokenError."""
    token = _valid_invitation(raw_token)
    user = token.user
    _consume(token)
    _invalidate_tokens(user, TokenPurpose.INVITATION)

    before = snapshot(user, ["is_active_user"])
    user.set_password(password)
    user.is_active_user = True
    after = snapshot(user, ["is_active_user"])
    record_event(user, "invitation_accepted", user, before, after)
    return user


def user_for_invitation(raw_token: str) -> User:
    """Return the invitee of a valid invitation token, or raise LinkTokenError."""
    return _valid_invitation(raw_token).user


def _valid_invitation(raw_token: str) -> UserToken:
    token = find_valid_token(raw_token, TokenPurpose.INVITATION)
    if token.user.is_active_user:
        # An active user no longer needs the link, e.g. a staff member
        # reactivated them meanwhile.
        raise LinkTokenError(LinkProblem.USED, token.id)
    return token


# Password reset


def request_password_reset(email: str) -> tuple[User, str] | None:
    """Issue a reset token for the active user with this e-mail address.

    Returns the user and the raw token, or None when no active user has the
    address or the user already received RESET_MAILS_PER_HOUR links in the last
    hour. The caller must respond the same way in every case.
    """
    user = db.session.scalar(
        select(User)
        .where(func.lower(User.email) == email.strip().lower())
        .with_for_update()
    )
    if user is None or not user.is_active_user:
        logger.info("password reset requested for an address with no active user")
        return None

    recent = db.session.scalar(
        select(func.count(UserToken.id)).where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.PASSWORD_RESET,
            UserToken.created_at > utcnow() - timedelta(hours=1),
        )
    )
    if recent >= RESET_MAILS_PER_HOUR:
        logger.warning(
            "password reset for user %s throttled: %s links sent in the last hour",
            user.id,
            recent,
        )
        return None

    raw_token = issue_token(
        user, TokenPurpose.PASSWORD_RESET, PASSWORD_RESET_LIFETIME, None
    )
    return user, raw_token


def user_for_reset(raw_token: str) -> User:
    """Return the user a valid reset token belongs to, or raise LinkTokenError."""
    return _valid_reset(raw_token).user


def _valid_reset(raw_token: str) -> UserToken:
    token = find_valid_token(raw_token, TokenPurpose.PASSWORD_RESET)
    if not token.user.is_active_user:
        # Removed since the link was sent: the link must not revive the account.
        raise LinkTokenError(LinkProblem.USED, token.id)
    return token


def reset_password(raw_token: str, password: str) -> User:
    """Set a new password, end the user's sessions and invalidate other links."""
    token = _valid_reset(raw_token)
    user = token.user
    _consume(token)
    others = _invalidate_tokens(user, TokenPurpose.PASSWORD_RESET)

    user.set_password(password)
    user.rotate_session_token()
    record_event(
        user,
        "password_reset",
        user,
        reason=f"{others} other reset links invalidated",
    )
    return user
