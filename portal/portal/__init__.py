"""Customer portal: a customer's own tickets, work log and statements."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("portal", __name__)
guard_blueprint(bp, {Role.CUSTOMER})

from portal.portal import (  # noqa: E402,F401  # noqa: E402,F401
    acknowledge,
    dashboard,
    exports,
    organisation,
    sla_views,
    views,  # noqa: E402,F401
)
