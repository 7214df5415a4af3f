from flask import render_template_string

from portal.portal import bp


@bp.get("/")
def tickets():
    return render_template_string("portal tickets")


@bp.get("/statements")
def statements():
    return render_template_string("portal statements")
