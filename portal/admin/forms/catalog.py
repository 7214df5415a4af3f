"""Forms of activity types and ticket categories."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.admin.fields import strip
from portal.services.admin.catalog import ActivityData, CategoryData

MAX_POSITION = 9999


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class _NamedItemForm(FlaskForm):
    """Code and the Italian and English names, shared by both catalog forms."""

    code = StringField(
        _l("Code"),
        filters=[_lower],
        validators=[
            DataRequired(_l("Enter a code, e.g. remote-support.")),
            Length(max=40),
        ],
        description=_l("Fixed once created, because billing rules refer to it."),
    )
    name_it = StringField(
        _l("Italian name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the Italian name.")), Length(max=100)],
    )
    name_en = StringField(
        _l("English name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the English name.")), Length(max=100)],
    )
    is_active = BooleanField(_l("Active (offered for new work)"), default=True)

    def __init__(self, *args, fixed_code: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if fixed_code:
            # An existing item keeps its code, so the field is neither shown
            # nor read.
            del self.code


class ActivityTypeForm(_NamedItemForm):
    is_billable = BooleanField(_l("Billable by default"), default=True)
    is_on_site = BooleanField(_l("On-site work (call-out fee applies)"))
    position = IntegerField(
        _l("Position in lists"),
        default=0,
        validators=[
            InputRequired(_l("Enter a position, e.g. 10.")),
            NumberRange(
                min=0,
                max=MAX_POSITION,
                message=_l("Enter a position from 0 to %(max)d.", max=MAX_POSITION),
            ),
        ],
    )

    def activity_data(self) -> ActivityData:
        """Return the values of a valid form."""
        return ActivityData(
            code=self.code.data if "code" in self else "",
            name_it=self.name_it.data,
            name_en=self.name_en.data,
            is_billable=self.is_billable.data,
            is_on_site=self.is_on_site.data,
            is_active=self.is_active.data,
            position=self.position.data,
        )


class CategoryForm(_NamedItemForm):
    def category_data(self) -> CategoryData:
        """Return the values of a valid form."""
        return CategoryData(
            code=self.code.data if "code" in self else "",
            name_it=self.name_it.data,
            name_en=self.name_en.data,
            is_active=self.is_active.data,
        )
