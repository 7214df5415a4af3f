"""The notification list: read them, mark one or all as read (htmx or plain POST)."""

from __future__ import annotations

import logging

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.extensions import db
from portal.htmx import is_htmx
from portal.notifications import bp
from portal.services import notifications

logger = logging.getLogger(__name__)


@bp.get("/")
def index():
    """List the user's newest notifications, unread ones highlighted."""
    return render_template(
        "notifications/list.html", items=_items(), limit=notifications.LIST_LIMIT
    )


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one notification read."""
    notification = notifications.get_own(current_user.id, notification_id)
    if notification is None:
        abort(404)
    notifications.mark_read(notification)
    db.session.commit()
    g.pop("unread_notifications", None)

    if not is_htmx():
        flash(_("Marked the notification as read."), "success")
        return redirect(url_for("notifications.index"), code=303)
    item = (notification, notifications.describe(notification))
    return render_template("notifications/_item_response.html", item=item)


@bp.post("/read-all")
def mark_all_read():
    """Mark every unread notification of the user read."""
    count = notifications.mark_all_read(current_user.id)
    db.session.commit()
    g.pop("unread_notifications", None)
    logger.info("user %s marked %d notifications read", current_user.id, count)

    message = ngettext(
        "Marked %(num)d notification as read.",
        "Marked %(num)d notifications as read.",
        count,
    )
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("notifications.index"), code=303)
    return render_template(
        "notifications/_list_response.html", items=_items(), notice=message
    )


@bp.after_request
def _vary_on_htmx(response):
    # The same URLs return a fragment to htmx and a redirect to plain posts.
    response.vary.add("HX-Request")
    return response


def _items() -> list:
    return [
        (notification, notifications.describe(notification))
        for notification in notifications.recent(current_user.id)
    ]
