"""The team form: name, members and approvers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.admin.fields import CheckboxListField, strip
from portal.admin.labels import role_label
from portal.models import Team, User
from portal.services.admin.teams import TeamData


def _member_choice(user: User, team: Team | None) -> SelectChoice:
    """Label a member checkbox with the role and, if elsewhere, the current team."""
    if user.team is not None and (team is None or user.team_id != team.id):
        label = _l(
            "%(name)s (%(role)s, now in %(team)s)",
            name=user.name,
            role=role_label(user.role),
            team=user.team.name,
        )
    else:
        label = _l("%(name)s (%(role)s)", name=user.name, role=role_label(user.role))
    return SelectChoice(user.id, str(label))


class TeamForm(FlaskForm):
    """Name, members and approvers of one team."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the team's name.")), Length(max=120)],
    )
    members = CheckboxListField(_l("Members"))
    approvers = CheckboxListField(_l("Approvers"))

    def __init__(
        self,
        *args,
        team: Team | None,
        members: list[User],
        approvers: list[User],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members.choices = [_member_choice(user, team) for user in members]
        self.approvers.choices = [
            SelectChoice(user.id, f"{user.name} ({role_label(user.role)})")
            for user in approvers
        ]

    def team_data(self) -> TeamData:
        """Return the values of a valid form."""
        return TeamData(
            name=self.name.data,
            member_ids=frozenset(self.members.data or []),
            approver_ids=frozenset(self.approvers.data or []),
        )
