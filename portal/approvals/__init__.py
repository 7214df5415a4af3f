"""Approval queue for team leads."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("approvals", __name__)
guard_blueprint(bp, {Role.APPROVER, Role.ADMIN})

from portal.approvals import bulk_views, reversal_views, views  # noqa: E402,F401
