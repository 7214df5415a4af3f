from __future__ import annotations

import hmac

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from portal.extensions import db, login_manager
from portal.models.users import User


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        return load_session_user(session_id)


def load_session_user(session_id: str) -> User | None:
    """Return the user of a session id "<user id>:<token>" if the token is current."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.session_token:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user


def sign_in(user: User) -> None:
    """Start a session for user, giving them a session token if they have none."""
    if not user.session_token:
        user.rotate_session_token()
        db.session.commit()
    login_user(user)
