"""Forms of the customer pages: the list search, the customer and its contracts."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.admin.fields import (
    AmountField,
    blank_to_none,
    language_choices,
    strip,
    timezone_choices,
)
from portal.agent.labels import PRIORITY_LABELS
from portal.models import Contract, TicketPriority
from portal.services.admin.contracts import (
    CURRENCIES,
    MAX_HOURLY_RATE,
    ContractData,
    ContractSettings,
)
from portal.services.admin.sla_formats import (
    SlaFormatError,
    format_target_minutes,
    parse_target_minutes,
    parse_working_days,
    parse_working_hours,
)

MAX_QUERY_LENGTH = 100
# Set when a contract is created, then changed by accounts only.
FIRST_TERMS_FIELDS = ("hourly_rate", "valid_from", "valid_to")
TARGET_KINDS = ("first_response", "resolution")


class CustomerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Name or VAT number"),
        filters=[strip],
        validators=[Optional(), Length(max=MAX_QUERY_LENGTH)],
        render_kw={"maxlength": MAX_QUERY_LENGTH},
    )


class CustomerForm(FlaskForm):
    """Name, VAT number, address and document language of one customer."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the customer's name.")), Length(max=200)],
    )
    vat_number = StringField(
        _l("VAT number"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=32)],
    )
    address = StringField(
        _l("Address"),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=300)],
    )
    language = SelectField(
        _l("Language of statements and e-mails"), choices=language_choices()
    )


class ContractForm(FlaskForm):
    """One contract: name, currency, SLA calendar and targets, and first terms.

    The first terms (hourly rate and validity period) are set only when the
    contract is created: after that, accounts change them on the contract's
    billing terms page, so for_contract drops those fields.

    The SLA target fields are added below the class, two per priority, named
    <priority>_first_response and <priority>_resolution.
    """

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the contract's name.")), Length(max=200)],
    )
    hourly_rate = AmountField(
        _l("Hourly rate"),
        validators=[InputRequired(_l("Enter the hourly rate, e.g. 60,00."))],
    )
    currency = SelectField(
        _l("Currency"), choices=[SelectChoice(code) for code in CURRENCIES]
    )
    valid_from = DateField(
        _l("Valid from"),
        validators=[InputRequired(_l("Enter the first day of the contract."))],
    )
    valid_to = DateField(_l("Valid to (optional)"), validators=[Optional()])
    sla_business_hours = BooleanField(_l("SLA clocks count business hours only"))
    sla_timezone = SelectField(_l("SLA time zone"), validate_choice=False)
    sla_working_days = StringField(
        _l("SLA working days"), filters=[strip], validators=[Length(max=20)]
    )
    sla_working_hours = StringField(
        _l("SLA working hours"), filters=[strip], validators=[Length(max=100)]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sla_timezone.choices = timezone_choices()
        self._targets: dict[TicketPriority, tuple[int, int]] = {}

    @classmethod
    def for_contract(cls, contract: Contract, **kwargs) -> ContractForm:
        """Return the form filled from a stored contract, unless a post overrides.

        The form has no rate or validity fields, which accounts own.
        """
        form = cls(obj=contract, **kwargs)
        for name in FIRST_TERMS_FIELDS:
            del form[name]
        if not form.is_submitted():
            targets = {target.priority: target for target in contract.sla_targets}
            for priority, target in targets.items():
                form.target_field(
                    priority, "first_response"
                ).data = format_target_minutes(target.first_response_minutes)
                form.target_field(priority, "resolution").data = format_target_minutes(
                    target.resolution_minutes
                )
        return form

    def target_field(self, priority: TicketPriority, kind: str) -> StringField:
        return self[f"{priority.value}_{kind}"]

    def validate_hourly_rate(self, field: AmountField) -> None:
        if field.data is not None and field.data < 0:
            raise ValidationError(_l("The hourly rate cannot be negative."))
        if field.data is not None and field.data > MAX_HOURLY_RATE:
            raise ValidationError(
                _l("The hourly rate can be at most 9,999,999,999.99.")
            )

    def validate_valid_to(self, field: DateField) -> None:
        if "valid_from" not in self:
            return
        start: date | None = self.valid_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def validate_sla_timezone(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a time zone from the list."))

    def validate_sla_working_days(self, field: StringField) -> None:
        _raise_as_validation_error(parse_working_days, field.data)

    def validate_sla_working_hours(self, field: StringField) -> None:
        _raise_as_validation_error(parse_working_hours, field.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_targets() and valid

    def _validate_targets(self) -> bool:
        """Parse each priority's pair of targets: both given, or both empty."""
        valid = True
        self._targets = {}
        for priority in TicketPriority:
            fields = [self.target_field(priority, kind) for kind in TARGET_KINDS]
            texts = [(field.data or "").strip() for field in fields]
            if not any(texts):
                continue
            minutes = []
            for field, text in zip(fields, texts, strict=True):
                try:
                    minutes.append(parse_target_minutes(text))
                except SlaFormatError as error:
                    field.errors = [*field.errors, error.message]
                    valid = False
            if len(minutes) == len(TARGET_KINDS):
                self._targets[priority] = (minutes[0], minutes[1])
        return valid

    def contract_settings(self) -> ContractSettings:
        """Return the settings of a valid form, which an existing contract takes."""
        return ContractSettings(
            name=self.name.data,
            currency=self.currency.data,
            sla_business_hours=self.sla_business_hours.data,
            sla_timezone=self.sla_timezone.data,
            sla_working_days=self.sla_working_days.data,
            sla_working_hours=self.sla_working_hours.data,
            sla_targets=dict(self._targets),
        )

    def contract_data(self) -> ContractData:
        """Return the values of a valid form for a new contract."""
        settings = self.contract_settings()
        return ContractData(
            **settings.__dict__,
            hourly_rate=self.hourly_rate.data,
            valid_from=self.valid_from.data,
            valid_to=self.valid_to.data,
        )


def _raise_as_validation_error(parse, text: str | None) -> None:
    try:
        parse(text or "")
    except SlaFormatError as error:
        raise ValidationError(error.message) from error


for _priority in TicketPriority:
    for _kind, _label in (
        ("first_response", _l("First response")),
        ("resolution", _l("Resolution")),
    ):
        setattr(
            ContractForm,
            f"{_priority.value}_{_kind}",
            StringField(
                _l(
                    "%(kind)s, priority %(priority)s",
                    kind=_label,
                    priority=PRIORITY_LABELS[_priority],
                ),
                filters=[strip],
                validators=[Length(max=40)],
            ),
        )
