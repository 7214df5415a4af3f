"""The filter form of the audit log browser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.admin.fields import strip
from portal.admin.labels import OBJECT_TYPE_LABELS
from portal.extensions import db
from portal.i18n import user_zone
from portal.models import User
from portal.services.admin.audit_log import AuditFilter

# The value of the actor choice for events without a user: commands and jobs.
SYSTEM_ACTOR = "system"
# AuditEvent.object_id is a 32-bit INTEGER column.
MAX_OBJECT_ID = 2**31 - 1
MIN_YEAR = 2000
MAX_YEAR = 2999


def object_type_choices() -> list[SelectChoice]:
    """Return every table name that can be audited, labelled and sorted by label."""
    tables = set(OBJECT_TYPE_LABELS) | {
        mapper.class_.__tablename__ for mapper in db.Model.registry.mappers
    }
    labelled = [(str(OBJECT_TYPE_LABELS.get(name, name)), name) for name in tables]
    return [SelectChoice(name, label) for label, name in sorted(labelled)]


class AuditFilterForm(FlaskForm):
    """Actor, object, action and local date range of the audit log."""

    class Meta:
        csrf = False

    actor = SelectField(_l("User"), validate_choice=False)
    object_type = SelectField(_l("Object type"), validate_choice=False)
    object_id = IntegerField(
        _l("Object id"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_OBJECT_ID, message=_l("Enter a positive id.")),
        ],
    )
    action = StringField(
        _l("Action"),
        filters=[strip],
        validators=[Optional(), Length(max=60)],
        render_kw={"list": "audit-actions", "placeholder": _l("e.g. approved")},
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_from(self, field: DateField) -> None:
        _check_year(field.data)

    def __init__(self, *args, actors: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor.choices = [
            SelectChoice("", _l("All users")),
            SelectChoice(SYSTEM_ACTOR, _l("System (no user)")),
            *[
                SelectChoice(str(user.id), f"{user.name} <{user.email}>")
                for user in actors
            ],
        ]
        self.object_type.choices = [
            SelectChoice("", _l("All objects")),
            *object_type_choices(),
        ]

    def validate_actor(self, field: SelectField) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Choose a user from the list."))

    def validate_object_type(self, field: SelectField) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Choose an object type from the list."))

    def validate_object_id(self, field: IntegerField) -> None:
        if field.data is not None and not self.object_type.data:
            raise ValidationError(
                _l("Choose the object type too: ids are numbered per type.")
            )

    def validate_date_to(self, field: DateField) -> None:
        _check_year(field.data)
        start: date | None = self.date_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def audit_filter(self) -> AuditFilter:
        """Return the filter of a valid form, with the dates as UTC instants."""
        actor = self.actor.data or ""
        return AuditFilter(
            actor_id=int(actor) if actor.isdigit() else None,
            system_only=actor == SYSTEM_ACTOR,
            object_type=self.object_type.data or None,
            object_id=self.object_id.data,
            action=self.action.data or None,
            start=_local_midnight(self.date_from.data),
            end=_local_midnight(self.date_to.data, days_after=1),
        )


def _check_year(day: date | None) -> None:
    if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(
            _l("Enter a date between %(min)d and %(max)d.", min=MIN_YEAR, max=MAX_YEAR)
        )


def _local_midnight(day: date | None, days_after: int = 0) -> datetime | None:
    """Return the UTC instant a local day starts, in the signed-in user's zone."""
    if day is None:
        return None
    local = datetime.combine(day + timedelta(days=days_after), time(0))
    return local.replace(tzinfo=user_zone()).astimezone(UTC)
