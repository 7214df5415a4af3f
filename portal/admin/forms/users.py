"""Forms of the user pages: the list filter, the account form, deactivation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.admin.fields import (
    IdSelectField,
    blank_to_none,
    language_choices,
    strip,
    timezone_choices,
)
from portal.admin.labels import ROLE_LABELS
from portal.models import Customer, Role, Team
from portal.services.admin.users import UserData, UserFilter
from portal.services.approvals import TIME_LOGGING_ROLES
from portal.services.contract_terms_admin import MAX_LEVEL_LENGTH, normalise_level

MAX_REASON_LENGTH = 500
MAX_QUERY_LENGTH = 100
ACTIVE_FILTERS = {"active": True, "inactive": False}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserFilterForm(FlaskForm):
    """Search, role and state filters of the user list, read from the query string."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Name or e-mail"),
        filters=[strip],
        validators=[Optional(), Length(max=MAX_QUERY_LENGTH)],
        render_kw={"maxlength": MAX_QUERY_LENGTH},
    )
    role = SelectField(_l("Role"), validate_choice=False)
    state = SelectField(
        _l("State"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("active", _l("Active")),
            SelectChoice("inactive", _l("Inactive or invited")),
        ],
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("All roles")), *role_choices()]

    def validate_role(self, field: SelectField) -> None:
        if field.data and field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose a role from the list."))

    def validate_state(self, field: SelectField) -> None:
        if field.data and field.data not in ACTIVE_FILTERS:
            raise ValidationError(_l("Choose a state from the list."))

    def user_filter(self) -> UserFilter:
        """Return the filter of a valid form."""
        return UserFilter(
            role=Role(self.role.data) if self.role.data else None,
            active=ACTIVE_FILTERS.get(self.state.data or ""),
            query=self.q.data or "",
        )


class UserForm(FlaskForm):
    """Account data of one user, for creating and editing."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the user's name.")), Length(max=120)],
    )
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the user's e-mail address.")),
            Email(_l("Enter a valid e-mail address, e.g. mario.rossi@example.com.")),
            Length(max=254),
        ],
    )
    role = SelectField(_l("Role"), validate_choice=False)
    customer_id = IdSelectField(
        _l("Customer"), invalid_message=_l("Choose a customer from the list.")
    )
    team_id = IdSelectField(
        _l("Team"), invalid_message=_l("Choose a team from the list.")
    )
    level = StringField(
        _l("Level (optional)"),
        filters=[normalise_level],
        validators=[
            Length(
                max=MAX_LEVEL_LENGTH,
                message=_l("Enter a level of at most 40 characters."),
            )
        ],
    )
    language = SelectField(_l("Language"), choices=language_choices())
    timezone = SelectField(
        _l("Time zone"), default="Europe/Rome", validate_choice=False
    )

    def __init__(
        self,
        *args,
        customers: list[Customer],
        teams: list[Team],
        levels: list[str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Suggestions for the level input, so agents of one level match its rates.
        self.level_suggestions = levels or []
        self.role.choices = role_choices()
        self.customer_id.choices = [
            SelectChoice("", _l("None (staff)")),
            *[SelectChoice(str(item.id), item.name) for item in customers],
        ]
        self.team_id.choices = [
            SelectChoice("", _l("No team")),
            *[SelectChoice(str(team.id), team.name) for team in teams],
        ]
        self.timezone.choices = timezone_choices()

    def validate_role(self, field: SelectField) -> None:
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose a role from the list."))

    def validate_timezone(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a time zone from the list."))

    def validate_customer_id(self, field: IdSelectField) -> None:
        if self.role.data == Role.CUSTOMER.value and field.data is None:
            raise ValidationError(_l("Choose the customer this user belongs to."))
        if self.role.data != Role.CUSTOMER.value and field.data is not None:
            raise ValidationError(
                _l(
                    "Only customer users belong to a customer. Clear the customer "
                    "or choose the role Customer."
                )
            )

    def validate_level(self, field: StringField) -> None:
        roles = {role.value for role in TIME_LOGGING_ROLES}
        if field.data and self.role.data not in roles:
            raise ValidationError(
                _l(
                    "Only agents, approvers and admins log time, so only they have "
                    "a level. Clear the level."
                )
            )

    def validate_team_id(self, field: IdSelectField) -> None:
        roles = {role.value for role in TIME_LOGGING_ROLES}
        if field.data is not None and self.role.data not in roles:
            raise ValidationError(
                _l(
                    "Only agents, approvers and admins log time, so only they "
                    "join a team."
                )
            )

    def user_data(self) -> UserData:
        """Return the values of a valid form."""
        return UserData(
            name=self.name.data,
            email=self.email.data.lower(),
            role=Role(self.role.data),
            language=self.language.data,
            timezone=self.timezone.data,
            customer_id=self.customer_id.data,
            team_id=self.team_id.data,
            level=self.level.data or "",
        )


class AccountActionForm(FlaskForm):
    """Deactivate, reactivate or invite again, with an optional reason."""

    reason = StringField(
        _l("Reason (optional)"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=MAX_REASON_LENGTH)],
    )
