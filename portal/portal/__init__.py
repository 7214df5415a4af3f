"""Customer portal: a customer's own tickets, work log and statements."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("portal", __name__)
guard_blueprint(bp, {Role.CUSTOMER})

from portal.portal import views  # noqa: E402,F401
