"""Export of the customer's own approved work for a period, as CSV or XLSX."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO

from flask import render_template, request, send_file
from flask_login import current_user

from portal.i18n import current_language, user_today
from portal.portal import bp
from portal.portal.organisation_forms import ExportForm
from portal.services.customer_view import activity_export
from portal.services.exports import ExportFormat

logger = logging.getLogger(__name__)


@bp.get("/export")
def export():
    """Show the export form, or send the file when a period is given.

    The query is limited to the signed-in user's customer by activity_export.
    """
    if not request.args:
        return render_template("portal/organisation/export.html", form=_default_form())

    form = ExportForm(formdata=request.args)
    if not form.validate():
        logger.info(
            "export for customer %s rejected: invalid fields %s",
            current_user.customer_id,
            sorted(form.errors),
        )
        html = render_template("portal/organisation/export.html", form=form)
        return html, 422

    export_file = activity_export(
        current_user.customer,
        form.start.data,
        form.end.data,
        form.export_format,
        current_language(),
    )
    response = send_file(
        BytesIO(export_file.content),
        mimetype=export_file.mimetype,
        as_attachment=True,
        download_name=export_file.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _default_form() -> ExportForm:
    """Prefill the previous calendar month as XLSX."""
    first_of_this_month = user_today().replace(day=1)
    last_month_end = first_of_this_month - timedelta(days=1)
    return ExportForm(
        formdata=None,
        start=last_month_end.replace(day=1),
        end=last_month_end,
        format=ExportFormat.XLSX.value,
    )
