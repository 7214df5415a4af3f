"""Names of bands and item kinds, copied into statements in their language."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import format_hmm
from portal.models import BillingModel, Contract, ItemKind
from portal.services.billing_rules.after_hours import Band
from portal.services.customer_view import agent_label, visibility_of
from portal.services.statements.periods import month_label

# Labels copied into statements are in the statement's language, while
# errors stay in the language of the user who asked for the preview.


def _locale(language: str | None) -> AbstractContextManager:
    return force_locale(language) if language else nullcontext()


def band_labels(language: str | None = None) -> dict[str, str]:
    """Return the after-hours band names in language, or the user's language."""
    with _locale(language):
        return {
            Band.HOLIDAY.value: _("public holiday"),
            Band.SUNDAY.value: _("Sunday"),
            Band.SATURDAY.value: _("Saturday"),
            Band.NIGHT.value: _("night"),
            Band.EVENING.value: _("evening"),
        }


def kind_labels(language: str | None = None) -> dict[ItemKind, str]:
    """Return the item kinds' names in language, or the user's language."""
    with _locale(language):
        return {
            ItemKind.LABOUR: _("Labour"),
            ItemKind.OVERAGE: _("Overage"),
            ItemKind.MONTHLY_FEE: _("Monthly fee"),
            ItemKind.CALL_OUT: _("Call-out"),
            ItemKind.MILEAGE: _("Mileage"),
            ItemKind.MATERIAL: _("Material"),
            ItemKind.ADJUSTMENT: _("Adjustment"),
        }


def describe_bands(bands: str, language: str | None = None) -> str:
    """Return the names of comma-separated band values, e.g. "Saturday"."""
    labels = band_labels(language)
    return ", ".join(labels[band] for band in bands.split(",") if band)


def overage_description(model: BillingModel, language: str) -> str:
    with _locale(language):
        if model == BillingModel.PREPAID:
            return _("Time beyond the prepaid hours")
        return _("Time beyond the hours included in the monthly fee")


def fee_description(month: date, included_minutes: int, language: str) -> str:
    with _locale(language):
        return _(
            "%(month)s, includes %(time)s of work",
            month=month_label(month, language),
            time=format_hmm(included_minutes),
        )


def customer_agent_name(
    contract: Contract | None, agent_name: str, language: str
) -> str:
    """Return the agent's name as the contract lets the customer see it.

    A contract with portal_shows_agent_names false gets "The support team" in
    language instead, the label the customer's portal shows for its work.
    """
    with _locale(language):
        return agent_label(visibility_of(contract), agent_name)
