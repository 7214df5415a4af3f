from flask import render_template_string

from portal.approvals import bp


@bp.get("/")
def queue():
    return render_template_string("queue")
