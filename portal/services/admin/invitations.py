"""Invite users created by an admin: an inactive account and a link by e-mail.

The link tokens, their lifetime and the page that accepts them belong to
portal.services.accounts_access, which also serves customer admins inviting
colleagues. The invitee chooses a password there, which activates the account.
"""

from __future__ import annotations

import logging

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.models import Role, TokenPurpose, User
from portal.services import access_mail
from portal.services.access_mail import MailOutcome, link_url
from portal.services.accounts_access import (
    INVITATION_LIFETIME,
    issue_token,
    resend_invitation,
)
from portal.services.admin.users import UserData, create_user
from portal.services.mail import MailError, send_mail

logger = logging.getLogger(__name__)


def invite_user(actor: User, data: UserData) -> tuple[User, str]:
    """Create an inactive user with an invitation; return it and the raw token.

    Send the token with send_user_invitation after the commit.
    """
    user = create_user(actor, data, active=False)
    # A first invitation: resend_invitation would audit it as "resent".
    raw_token = issue_token(user, TokenPurpose.INVITATION, INVITATION_LIFETIME, actor)
    return user, raw_token


def reinvite_user(actor: User, user: User) -> str:
    """Replace an inactive user's invitation links with a new one; return its token.

    Accepting it sets a new password and activates the user, so this also lets
    a deactivated user back in.
    """
    if user.is_active_user:
        raise DomainError(
            _("%(name)s can already sign in, so needs no invitation.", name=user.name),
            status=409,
        )
    return resend_invitation(actor, user)


def send_user_invitation(user: User, inviter: User, raw_token: str) -> MailOutcome:
    """Send the invitation e-mail in the invitee's language.

    Customer users get the portal invitation of accounts_access; staff get one
    that names the company's own tool instead of a customer portal.
    """
    if user.role == Role.CUSTOMER:
        return access_mail.send_invitation(user, inviter, raw_token)

    context = {
        "user": user,
        "inviter_name": inviter.name,
        "link": link_url("auth.accept_invitation", raw_token),
        "valid_days": INVITATION_LIFETIME.days,
    }
    with force_locale(user.language):
        subject = _("Your Consuntivo account")
        text = render_template("admin/emails/staff_invitation.txt", **context)
        html = render_template("admin/emails/staff_invitation.html", **context)
    try:
        sent = send_mail(user.email, subject, text, html)
    except MailError as error:
        logger.error("staff invitation mail to user %s failed: %s", user.id, error)
        return MailOutcome.FAILED
    return MailOutcome.SENT if sent else MailOutcome.NOT_CONFIGURED
