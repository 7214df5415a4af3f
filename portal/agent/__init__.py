"""Agent pages: tickets, quick time logging and the agent's week."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("agent", __name__)
guard_blueprint(bp, {Role.AGENT, Role.APPROVER, Role.ADMIN})

from portal.agent import views  # noqa: E402,F401
