"""Outgoing e-mail over SMTP, with the standard library.

Mail goes out only when MAIL_SERVER is configured. Without it each message is
logged and dropped, so development and the demo need no mail server. The log
line has the recipient and subject but never the body, which may carry a token.
Call send_mail after the database commit, so a rolled-back change sends nothing.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The SMTP server could not be reached or rejected the message."""


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def build_message(to: str, subject: str, text: str, html: str | None = None):
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rsplit("@", 1)[-1])
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> bool:
    """Send one message; return False when mail is not configured.

    Raises MailError when the server fails, so the caller decides whether the
    failure matters to the user.
    """
    if not mail_enabled():
        logger.info("mail not configured; dropped message to %s: %s", to, subject)
        return False
    config = current_app.config
    message = build_message(to, subject, text, html)
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        logger.error("sending mail to %s failed: %s", to, error)
        raise MailError(str(error)) from error
    logger.info("mail sent to %s: %s", to, subject)
    return True
