"""Approval queue for team leads."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("approvals", __name__)
guard_blueprint(bp, {Role.APPROVER, Role.ADMIN})

from portal.approvals import (  # noqa: E402,F401
    bulk_views,
    resource_views,
    reversal_views,
    views,
)
