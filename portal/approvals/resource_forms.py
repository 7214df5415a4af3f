"""Forms of the resources section of the approval queue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from portal.approvals.forms import (
    RejectForm,
    ReverseForm,
    parse_version_pairs,
)
from portal.services.approvals import MAX_REASON_LENGTH, Decision

SELECTION_PREFIX = "resource-selection"


def resource_reject_form(resource_id: int, formdata=None) -> RejectForm:
    """Return the rejection form of one resource; ids stay unique per row."""
    return RejectForm(formdata=formdata, prefix=f"resource-reject-{resource_id}")


def resource_reverse_form(resource_id: int, formdata=None) -> ReverseForm:
    """Return the reversal form of one approved resource."""
    return ReverseForm(formdata=formdata, prefix=f"resource-reverse-{resource_id}")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ResourceSelectionForm(FlaskForm):
    """ "Approve selected" and "Reject selected" over the checked resources.

    The checkboxes sit in the rows and join the form with its form attribute;
    each sends "id:version". Build it with prefix=SELECTION_PREFIX.
    """

    reason = TextAreaField(
        _l("Reason, when rejecting the selected resources"),
        filters=[_strip],
        validators=[
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("The reason can be at most %(max)d characters long."),
            )
        ],
    )
    decision = StringField()
    selected = SelectMultipleField(validate_choice=False)

    def validate_decision(self, field: Field) -> None:
        if field.data not in set(Decision):
            raise ValidationError(f"invalid decision {field.data!r}")

    def validate_selected(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Select at least one resource."))
        try:
            parse_version_pairs(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_reason(self, field: Field) -> None:
        if self.decision.data == Decision.REJECT and not field.data:
            raise ValidationError(_l("Enter the reason for rejecting the resources."))

    @property
    def has_invalid_hidden_values(self) -> bool:
        """Whether the request was tampered with: the user cannot fix these."""
        if self.decision.errors:
            return True
        return bool(self.selected.data) and bool(self.selected.errors)

    def resource_versions(self) -> dict[int, int]:
        """Return the selected resources and the versions the approver saw."""
        return parse_version_pairs(self.selected.data or [])

    def selected_ids(self) -> set[int]:
        """Return the ids of the checked rows, ignoring invalid values."""
        ids = set()
        for value in self.selected.data or []:
            resource_id, _sep, _version = value.partition(":")
            if resource_id.isdigit():
                ids.add(int(resource_id))
        return ids
