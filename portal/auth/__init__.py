from flask import Blueprint

bp = Blueprint("auth", __name__)

# The view modules register their routes on bp when imported.
from portal.auth import tokens, views  # noqa: E402, F401
