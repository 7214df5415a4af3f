"""Team pages: list, create, rename, set members and approvers."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.common import apply_to_form, current_admin, done, form_status, or_404
from portal.admin.forms.teams import TeamForm
from portal.extensions import db
from portal.models import Team
from portal.services.admin import teams as team_service


@bp.get("/teams")
def teams():
    """List the teams with their members and approvers."""
    return render_template("admin/teams.html", teams=team_service.list_teams())


@bp.route("/teams/new", methods=["GET", "POST"])
def new_team():
    """Create a team."""
    form = _team_form(None)
    if form.validate_on_submit():
        actor = current_admin()
        team = apply_to_form(
            form, lambda: team_service.create_team(actor, form.team_data())
        )
        if team is not None:
            db.session.commit()
            return done(_("Created the team %(name)s.", name=team.name), "admin.teams")
    return render_template("admin/team.html", form=form, team=None), form_status(form)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def team(team_id: int):
    """Rename a team and set its members and approvers."""
    current = or_404(team_service.get_team(team_id))
    form = _team_form(current)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form, lambda: team_service.update_team(actor, current, form.team_data())
        )
        if changed is not None:
            db.session.commit()
            return done(_("Saved the team %(name)s.", name=current.name), "admin.teams")
    if not form.is_submitted():
        form.members.data = [user.id for user in current.members]
        form.approvers.data = [user.id for user in current.approvers]
    return render_template("admin/team.html", form=form, team=current), form_status(
        form
    )


def _team_form(team: Team | None) -> TeamForm:
    return TeamForm(
        obj=team,
        team=team,
        members=team_service.eligible_members(team),
        approvers=team_service.eligible_approvers(team),
    )
