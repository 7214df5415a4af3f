"""Administration: users, teams, customers and contracts, catalog, tickets, audit."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("admin", __name__)
guard_blueprint(bp, {Role.ADMIN})

from portal.admin import (  # noqa: E402,F401
    audit,
    catalog,
    customers,
    home,
    teams,
    tickets,
    users,
)
