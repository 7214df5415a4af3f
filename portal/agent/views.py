from flask import render_template_string

from portal.agent import bp


@bp.get("/")
def tickets():
    return render_template_string("agent tickets")


@bp.get("/week")
def week():
    return render_template_string("week")
