from flask import render_template_string

from portal.accounts import bp


@bp.get("/")
def statements():
    return render_template_string("statements")
