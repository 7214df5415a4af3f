"""In-app notifications and their e-mails.

A Notification row keeps a kind and a JSON payload, never a rendered text, so
each reader sees it in their own language. The services that create
notifications only flush them. The view or command commits, then calls
send_queued_emails(), which mails the notifications created in that
transaction when MAIL_SERVER is set. A mail failure is logged and leaves
emailed_at NULL; the committed change stays.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel.lists import format_list
from flask import current_app, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from portal.extensions import db
from portal.i18n import current_language, format_day, format_hmm
from portal.models import Notification, TimeEntry, User
from portal.models.types import utcnow
from portal.services.mail import MailError, mail_enabled, send_mail

logger = logging.getLogger(__name__)

ENTRIES_REJECTED = "entries_rejected"
APPROVAL_REVERSED = "approval_reversed"
MISSING_TIME = "missing_time"
# A prepaid package reached 75, 90 or 100 % used; see prepaid.send_package_alerts.
PACKAGE_ALERT = "package_alert"
KINDS = (ENTRIES_REJECTED, APPROVAL_REVERSED, MISSING_TIME, PACKAGE_ALERT)
# The audience of a package alert, which sets its link and wording.
AUDIENCE_ACCOUNTS = "accounts"
AUDIENCE_PORTAL = "portal"

# The list page shows this many notifications, newest first.
LIST_LIMIT = 50
# Key in Session.info of the notifications to e-mail after the commit.
_EMAIL_QUEUE_KEY = "notifications_to_email"


@dataclass(frozen=True)
class NotificationText:
    """A notification rendered in one language: a headline, details and a link."""

    title: str
    detail: str | None
    endpoint: str | None
    url_values: dict[str, Any]


# Creating notifications


def notify(
    user_id: int,
    kind: str,
    payload: dict[str, Any],
    obj: Any | None = None,
) -> Notification:
    """Add a notification for user_id and queue its e-mail for after the commit."""
    notification = Notification(
        user_id=user_id,
        kind=kind,
        payload=payload,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
    )
    db.session.add(notification)
    db.session.info.setdefault(_EMAIL_QUEUE_KEY, []).append(notification)
    return notification


def notify_entries_rejected(
    actor: User, entries: Sequence[TimeEntry], reason: str
) -> list[Notification]:
    """Tell each agent which of their entries actor rejected, one row per agent."""
    by_agent: dict[int, list[TimeEntry]] = defaultdict(list)
    for entry in entries:
        by_agent[entry.agent_id].append(entry)

    created = []
    for agent_id, agent_entries in by_agent.items():
        payload = {
            "actor": actor.name,
            "reason": reason,
            "entries": [_entry_payload(entry) for entry in agent_entries],
        }
        first = agent_entries[0] if len(agent_entries) == 1 else None
        created.append(notify(agent_id, ENTRIES_REJECTED, payload, first))
    db.session.flush()
    return created


def notify_approval_reversed(
    actor: User, entry: TimeEntry, reason: str
) -> Notification:
    """Tell the entry's agent that actor reversed its approval, and why."""
    payload = {"actor": actor.name, "reason": reason, "entry": _entry_payload(entry)}
    notification = notify(entry.agent_id, APPROVAL_REVERSED, payload, entry)
    db.session.flush()
    return notification


def _entry_payload(entry: TimeEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "ticket_key": entry.ticket.key,
        "work_date": entry.work_date.isoformat(),
        "minutes": entry.minutes,
    }


# Reading and marking


def unread_count(user_id: int) -> int:
    """Return how many notifications of the user are unread."""
    query = sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def recent(user_id: int, limit: int = LIST_LIMIT) -> list[Notification]:
    """Return the user's newest notifications, unread or not."""
    query = (
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def get_own(user_id: int, notification_id: int) -> Notification | None:
    """Return the notification if it belongs to the user, else None."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        return None
    return notification


def mark_read(notification: Notification) -> None:
    """Mark one notification read; a read one keeps its first read time."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read and return how many."""
    statement = (
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(statement)
    return result.rowcount or 0


# Rendering


def describe(notification: Notification) -> NotificationText:
    """Render the notification in the current language."""
    payload = notification.payload or {}
    if notification.kind == ENTRIES_REJECTED:
        return _describe_rejection(payload)
    if notification.kind == APPROVAL_REVERSED:
        return _describe_reversal(payload)
    if notification.kind == MISSING_TIME:
        return _describe_missing_time(payload)
    if notification.kind == PACKAGE_ALERT:
        return _describe_package_alert(payload)
    # Resource notifications: imported here because that module imports this one.
    from portal.services import resource_notifications

    if notification.kind in resource_notifications.KINDS:
        return resource_notifications.describe(notification.kind, payload)
    logger.warning(
        "notification %s has the unknown kind %r", notification.id, notification.kind
    )
    return NotificationText(notification.kind, None, None, {})


def _describe_rejection(payload: dict[str, Any]) -> NotificationText:
    entries = payload.get("entries") or []
    reason = _("Reason: %(reason)s", reason=payload.get("reason", ""))
    if len(entries) == 1:
        entry = entries[0]
        title = _(
            "%(name)s rejected your time entry of %(day)s on ticket %(key)s.",
            name=payload.get("actor", ""),
            day=format_day(date.fromisoformat(entry["work_date"])),
            key=entry["ticket_key"],
        )
        return NotificationText(title, reason, *_entry_link(entry))

    title = ngettext(
        "%(name)s rejected %(num)d of your time entries.",
        "%(name)s rejected %(num)d of your time entries.",
        len(entries),
        name=payload.get("actor", ""),
    )
    days = [date.fromisoformat(entry["work_date"]) for entry in entries]
    monday = min(days) - timedelta(days=min(days).weekday()) if days else None
    url_values = {"start": monday.isoformat()} if monday else {}
    return NotificationText(title, reason, "agent.week", url_values)


def _describe_reversal(payload: dict[str, Any]) -> NotificationText:
    entry = payload.get("entry") or {}
    title = _(
        "%(name)s reversed the approval of your time entry of %(day)s on ticket "
        "%(key)s. It is waiting for approval again.",
        name=payload.get("actor", ""),
        day=format_day(date.fromisoformat(entry["work_date"])),
        key=entry.get("ticket_key", ""),
    )
    reason = _("Reason: %(reason)s", reason=payload.get("reason", ""))
    return NotificationText(title, reason, *_entry_link(entry))


def _describe_missing_time(payload: dict[str, Any]) -> NotificationText:
    monday = date.fromisoformat(payload["week"])
    days = [date.fromisoformat(day) for day in payload.get("days", [])]
    title = ngettext(
        "You logged no time on %(num)d working day of the week of %(week)s.",
        "You logged no time on %(num)d working days of the week of %(week)s.",
        len(days),
        week=format_day(monday),
    )
    listed = format_list(
        [format_day(day) for day in days], locale=_list_locale(current_language())
    )
    detail = _("Days without time: %(days)s", days=listed)
    return NotificationText(title, detail, "agent.week", {"start": monday.isoformat()})


def _describe_package_alert(payload: dict[str, Any]) -> NotificationText:
    percent = int(payload.get("percent", 0))
    if payload.get("audience") == AUDIENCE_ACCOUNTS:
        title = _(
            "The prepaid package %(package)s of %(customer)s is %(percent)d%% used.",
            package=payload.get("package", ""),
            customer=payload.get("customer", ""),
            percent=percent,
        )
        link = ("accounts.prepaid_contract", {"contract_id": payload["contract_id"]})
    else:
        title = _(
            "Your prepaid package %(package)s is %(percent)d%% used.",
            package=payload.get("package", ""),
            percent=percent,
        )
        link = ("portal.dashboard", {})
    detail = _(
        "%(left)s of %(bought)s hours left, valid until %(day)s.",
        left=format_hmm(int(payload.get("remaining", 0))),
        bought=format_hmm(int(payload.get("bought", 0))),
        day=format_day(date.fromisoformat(payload["expiry_date"])),
    )
    if percent >= 100:
        detail = _(
            "The package is used up: further work is billed at the contract's "
            "overage rate."
        )
    return NotificationText(title, detail, *link)


def _listed_entries(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return (day, ticket key, h:mm) of each entry a rejection names."""
    return [
        (
            format_day(date.fromisoformat(entry["work_date"])),
            entry["ticket_key"],
            format_hmm(entry["minutes"]),
        )
        for entry in payload.get("entries", [])
    ]


def _entry_link(entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    values = {"key": entry.get("ticket_key", ""), "_anchor": f"entry-{entry['id']}"}
    return "agent.ticket", values


def _list_locale(language: str) -> str:
    return {"it": "it_IT", "en": "en_GB"}.get(language, "en_GB")


def link_of(text: NotificationText) -> str | None:
    """Return the in-app URL of a rendered notification, if it has one."""
    if text.endpoint is None:
        return None
    return url_for(text.endpoint, **text.url_values)


def public_url(endpoint: str, **values: Any) -> str:
    """Build an absolute URL on PUBLIC_BASE_URL, also outside a request."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


# E-mail


def send_queued_emails() -> int:
    """E-mail the notifications created in the committed transaction.

    Call it after db.session.commit(). Notifications of a rolled-back
    transaction are not persistent and are dropped. Returns how many e-mails
    were sent.
    """
    queued = db.session.info.pop(_EMAIL_QUEUE_KEY, [])
    persistent = [item for item in queued if sa.inspect(item).persistent]
    return send_emails(persistent)


def send_emails(notifications: Iterable[Notification]) -> int:
    """Send one e-mail per notification not yet e-mailed, then commit emailed_at."""
    notifications = [item for item in notifications if item.emailed_at is None]
    if not notifications or not mail_enabled():
        return 0

    sent = 0
    for notification in notifications:
        if _send_one(notification):
            notification.emailed_at = utcnow()
            sent += 1
    db.session.commit()
    return sent


def _send_one(notification: Notification) -> bool:
    user = notification.user
    if not user.is_active_user:
        logger.info(
            "not mailing notification %s: user %s is inactive", notification.id, user.id
        )
        return False
    subject, text, html = render_email(notification)
    try:
        return send_mail(user.email, subject, text, html)
    except MailError as error:
        logger.error(
            "mailing notification %s to user %s failed: %s",
            notification.id,
            user.id,
            error,
        )
        return False


def render_email(notification: Notification) -> tuple[str, str, str]:
    """Render the subject, plain text and HTML of a notification's e-mail.

    The texts are in the recipient's language, not in that of the user whose
    action created the notification.
    """
    user = notification.user
    language = user.language if user.language in ("it", "en") else None
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = describe(notification)
        link = public_url(text.endpoint, **text.url_values) if text.endpoint else None
        context = {
            "notification": notification,
            "text": text,
            "link": link,
            "user": user,
            "entries": _listed_entries(notification.payload or {}),
            "company": current_app.config["COMPANY_NAME"],
        }
        subject = _("Consuntivo: %(title)s", title=text.title)
        body = render_template(
            f"emails/notification_{notification.kind}.txt", **context
        )
        html = render_template(
            f"emails/notification_{notification.kind}.html", **context
        )
    return subject, body, html
