"""Agent pages: tickets, quick time logging, the timer, the week and its grid."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("agent", __name__)
guard_blueprint(bp, {Role.AGENT, Role.APPROVER, Role.ADMIN})

# Importing the view modules registers their routes on bp.
from portal.agent import (  # noqa: E402
    grid_views,  # noqa: F401
    quick_log_views,  # noqa: F401
    rejected_views,  # noqa: F401
    resource_views,  # noqa: F401
    timer_views,  # noqa: F401
    views,  # noqa: F401
)
