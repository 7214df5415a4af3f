"""Accounts office: statement preview, issue and download."""

from flask import Blueprint

from portal.models.users import Role
from portal.security import guard_blueprint

bp = Blueprint("accounts", __name__)
guard_blueprint(bp, {Role.ACCOUNTS, Role.ADMIN})

from portal.accounts import (  # noqa: E402,F401
    contracts,  # noqa: E402,F401
    corrections,
    disputes,
    exports,
    months,
    packages,
    pdf_views,
    sla_views,
    views,  # noqa: E402,F401
)
