"""E-mails that carry invitation and password-reset links.

Each message is rendered in the recipient's language, as plain text with a
simple HTML alternative, from templates/emails/. Call these after the database
commit, so a rolled-back change never sends a working link.
"""

from __future__ import annotations

import enum
import logging

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.models import User
from portal.services.accounts_access import (
    INVITATION_LIFETIME,
    PASSWORD_RESET_LIFETIME,
)
from portal.services.mail import MailError, send_mail

logger = logging.getLogger(__name__)


class MailOutcome(enum.StrEnum):
    SENT = "sent"
    # MAIL_SERVER is empty, so send_mail logged and dropped the message.
    NOT_CONFIGURED = "not_configured"
    FAILED = "failed"


def link_url(endpoint: str, raw_token: str) -> str:
    """Build the absolute link to endpoint on PUBLIC_BASE_URL."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, token=raw_token)


def send_invitation(user: User, inviter: User, raw_token: str) -> MailOutcome:
    """Send the colleague the link that sets their password and activates them."""
    context = {
        "user": user,
        "inviter_name": inviter.name,
        "customer_name": user.customer.name,
        "link": link_url("auth.accept_invitation", raw_token),
        "valid_days": INVITATION_LIFETIME.days,
    }
    with force_locale(user.language):
        subject = _(
            "Invitation to the %(customer)s support portal",
            customer=user.customer.name,
        )
        return _send(user, subject, "emails/invitation", context)


def send_password_reset(user: User, raw_token: str) -> MailOutcome:
    """Send the user the link that sets a new password."""
    context = {
        "user": user,
        "link": link_url("auth.reset_password", raw_token),
        "valid_minutes": int(PASSWORD_RESET_LIFETIME.total_seconds() // 60),
    }
    with force_locale(user.language):
        subject = _("Reset your Consuntivo password")
        return _send(user, subject, "emails/password_reset", context)


def _send(user: User, subject: str, template: str, context: dict) -> MailOutcome:
    text = render_template(f"{template}.txt", **context)
    html = render_template(f"{template}.html", **context)
    try:
        sent = send_mail(user.email, subject, text, html)
    except MailError as error:
        # The stored link still works, so the user can request a new one.
        logger.error("%s mail to user %s failed: %s", template, user.id, error)
        return MailOutcome.FAILED
    return MailOutcome.SENT if sent else MailOutcome.NOT_CONFIGURED
