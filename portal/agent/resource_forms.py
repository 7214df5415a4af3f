"""The agent's form for one resource: kilometres, material or a call-out."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from portal.agent.forms import (
    WorkDateField,
    parse_whole_number,
    strip_text,
    valid_client_token,
)
from portal.services.billing_rules.lines import ResourceKind
from portal.services.entries import (
    MAX_DESCRIPTION_LENGTH,
    MAX_INTERNAL_NOTE_LENGTH,
    EntryDataError,
    check_work_date,
)
from portal.services.resources import (
    FORM_KINDS,
    DecimalInputError,
    ResourceData,
    kind_label,
    parse_decimal_input,
)

# Long enough for any valid amount; longer text is rejected before parsing.
MAX_NUMBER_TEXT = 30


def new_resource_prefix() -> str:
    return "resource"


def edit_resource_prefix(resource_id: int) -> str:
    return f"resource-{resource_id}"


class ResourceForm(FlaskForm):
    """Log or change one resource. The unit price is read for materials only."""

    kind = SelectField(_l("Kind"), validate_choice=False)
    quantity = StringField(
        _l("Quantity"),
        filters=[strip_text],
        validators=[Length(max=MAX_NUMBER_TEXT)],
    )
    unit_price = StringField(
        _l("Unit price (EUR)"),
        filters=[strip_text],
        validators=[Length(max=MAX_NUMBER_TEXT)],
    )
    description = TextAreaField(
        _l("Description for the customer"),
        filters=[strip_text],
        validators=[Length(max=MAX_DESCRIPTION_LENGTH)],
    )
    work_date = WorkDateField(_l("Date"))
    internal_note = TextAreaField(
        _l("Internal note"),
        filters=[strip_text],
        validators=[Length(max=MAX_INTERNAL_NOTE_LENGTH)],
    )
    client_token = HiddenField(filters=[valid_client_token])
    version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            SelectChoice(kind.value, kind_label(kind)) for kind in FORM_KINDS
        ]
        self.parsed_quantity: Decimal | None = None
        self.parsed_unit_price: Decimal | None = None

    @property
    def chosen_kind(self) -> ResourceKind | None:
        try:
            return ResourceKind(self.kind.data)
        except ValueError:
            return None

    @property
    def shows_unit_price(self) -> bool:
        """Whether the unit price field is shown: for materials only."""
        return self.chosen_kind == ResourceKind.MATERIAL

    def validate_kind(self, field: SelectField) -> None:
        if self.chosen_kind not in FORM_KINDS:
            raise ValidationError(_l("Choose a kind of resource from the list."))

    def validate_quantity(self, field: StringField) -> None:
        if not field.data:
            raise ValidationError(_l("Enter the quantity, for example 12,5."))
        try:
            self.parsed_quantity = parse_decimal_input(field.data)
        except DecimalInputError as error:
            if error.too_many_decimals:
                raise ValidationError(
                    _l("Enter the quantity with at most two decimals.")
                ) from None
            if error.is_negative:
                raise ValidationError(
                    _l("The quantity must be greater than zero.")
                ) from None
            raise ValidationError(
                _l("Enter the quantity as a number, for example 12,5 or 12.5.")
            ) from None

    def validate_unit_price(self, field: StringField) -> None:
        if not self.shows_unit_price:
            return
        if not field.data:
            raise ValidationError(_l("Enter the unit price of the material."))
        try:
            self.parsed_unit_price = parse_decimal_input(field.data)
        except DecimalInputError as error:
            if error.too_many_decimals:
                raise ValidationError(
                    _l("Enter the unit price with at most two decimals.")
                ) from None
            if error.is_negative:
                raise ValidationError(
                    _l("The unit price cannot be negative.")
                ) from None
            raise ValidationError(
                _l("Enter the unit price as a number, for example 4,50 or 4.50.")
            ) from None

    def validate_work_date(self, field: WorkDateField) -> None:
        if field.process_errors:
            return  # The date could not be read; its message is already shown.
        try:
            check_work_date(current_user, field.data)
        except EntryDataError as error:
            raise ValidationError(error.message) from None

    def resource_data(self) -> ResourceData:
        """Return the validated values. Call it only after validate() passed."""
        kind = self.chosen_kind
        assert kind is not None and self.parsed_quantity is not None
        return ResourceData(
            kind=kind,
            quantity=self.parsed_quantity,
            work_date=self.work_date.data,
            description=self.description.data or "",
            unit_price=self.parsed_unit_price,
            internal_note=self.internal_note.data or "",
            client_token=self.client_token.data or None,
        )

    def expected_version(self) -> int | None:
        """Return the version the edit form was loaded at, or None."""
        return parse_whole_number(self.version.data)

    def add_error(self, error: EntryDataError) -> None:
        """Show a rule the service rejected beside the field it belongs to."""
        field = getattr(self, error.field, None)
        target = field if field is not None else self.quantity
        target.errors = [*target.errors, error.message]

    def focus_field_id(self) -> str:
        """Return the id of the first field with an error, else the kind's."""
        for field in self:
            if field.errors:
                return field.id
        return self.kind.id
