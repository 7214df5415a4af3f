"""The history of a time entry, for staff: its own blueprint so accounts can read it.

The agent blueprint admits agents, approvers and admins only, while accounts
users need entry histories too when they check a statement.
"""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("history", __name__)
guard_blueprint(bp, {Role.AGENT, Role.APPROVER, Role.ACCOUNTS, Role.ADMIN})

from portal.history import views  # noqa: E402,F401
