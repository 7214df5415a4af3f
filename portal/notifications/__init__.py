"""The signed-in user's notifications, and the bell with the unread count."""

from flask import Blueprint, g
from flask_login import current_user

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("notifications", __name__)
guard_blueprint(bp, set(Role))


@bp.app_context_processor
def _bell_helpers() -> dict:
    return {"unread_notification_count": unread_notification_count}


def unread_notification_count() -> int:
    """Return the signed-in user's unread notifications, counted once per request.

    Templates call it lazily, so fragments that do not show the bell run no query.
    """
    if not current_user or not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        from portal.services.notifications import unread_count

        g.unread_notifications = unread_count(current_user.id)
    return g.unread_notifications


from portal.notifications import views  # noqa: E402,F401
