"""Fee, overage and prepaid package items that billing models add to labour.

- Prepaid: labour draws the packages oldest first, and the minutes they do
  not cover are one overage item.
- Monthly fee: one fee item per month, labour included up to the fee's hours,
  the rest one overage item.
Time and materials adds nothing: its labour items carry their amounts.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import (
    BillingModel,
    Contract,
    ItemKind,
    Statement,
    StatementItem,
    StatementStatus,
)
from portal.services import billing_rules as rules
from portal.services import prepaid
from portal.services.statements.errors import PricingError
from portal.services.statements.labels import (
    fee_description,
    kind_labels,
    overage_description,
)
from portal.services.statements.priced import (
    ONE,
    DrawRow,
    PackageMovement,
    PricedItem,
)
from portal.services.statements.selection import Selection


def model_items(
    contract: Contract,
    draft: rules.StatementDraft,
    selection: Selection,
    language: str,
) -> tuple[list[PricedItem], tuple[PackageMovement, ...], tuple[DrawRow, ...]]:
    """Return the fee and overage items, package movements and draws of a model."""
    if contract.billing_model == BillingModel.PREPAID:
        return _prepaid_items(contract, draft, selection.period_end, language)
    if contract.billing_model == BillingModel.MONTHLY_FEE:
        return _monthly_fee_items(contract, draft, selection, language), (), ()
    return [], (), ()


def _overage_item(contract: Contract, minutes: int, language: str) -> PricedItem:
    rate = contract.overage_rate
    return PricedItem(
        kind=ItemKind.OVERAGE,
        contract_name=contract.name,
        activity=kind_labels(language)[ItemKind.OVERAGE],
        description=overage_description(contract.billing_model, language),
        billed_minutes=minutes,
        unit_price=rate,
        amount=rules.overage_amount(minutes, rate),
    )


def _prepaid_items(
    contract: Contract, draft: rules.StatementDraft, period_end: date, language: str
) -> tuple[list[PricedItem], tuple[PackageMovement, ...], tuple[DrawRow, ...]]:
    """Draw the labour's billed minutes from the packages, oldest first."""
    billings = [billing for billing in draft.entries if billing.billed_minutes > 0]
    consumption = rules.consume(prepaid.engine_packages(contract), billings, period_end)

    items = []
    if consumption.overage_minutes:
        items.append(_overage_item(contract, consumption.overage_minutes, language))

    work_dates = {billing.entry_id: billing.work_date for billing in billings}
    draws = tuple(
        DrawRow(draw.package_id, draw.entry_id, work_dates[draw.entry_id], draw.minutes)
        for draw in consumption.draws
        if draw.package_id is not None
    )
    return items, _package_movements(contract, consumption, period_end), draws


def _package_movements(
    contract: Contract, consumption: rules.Consumption, period_end: date
) -> tuple[PackageMovement, ...]:
    """Return the packages this statement drew from or that still have minutes.

    A package bought after the period or expired before it is left out unless
    it was drawn, so old empty packages do not fill every statement.
    """
    period_start = period_end.replace(day=1)
    packages = {package.id: package for package in contract.packages}
    movements = []
    for usage in consumption.usages:
        package = packages[usage.package_id]
        in_period = package.purchase_date <= period_end and (
            package.expiry_date >= period_start
        )
        if usage.consumed == 0 and not (usage.closing_balance > 0 and in_period):
            continue
        movements.append(
            PackageMovement(
                package_id=package.id,
                package_name=package.name,
                purchase_date=package.purchase_date,
                expiry_date=package.expiry_date,
                minutes_bought=package.minutes_bought,
                opening_minutes=usage.opening_balance,
                consumed_minutes=usage.consumed,
                closing_minutes=usage.closing_balance,
            )
        )
    return tuple(movements)


def _monthly_fee_items(
    contract: Contract,
    draft: rules.StatementDraft,
    selection: Selection,
    language: str,
) -> list[PricedItem]:
    """Return the month's fee, unless already billed, and the overage beyond it."""
    fee_billed, used_minutes = earlier_fee_use(
        selection.customer.id, selection.month, contract.name
    )
    items = []
    # NOTE: a contract valid for only part of the month bills the whole fee
    # and all its included minutes, because contracts define no proration.
    if not fee_billed:
        if contract.monthly_fee is None:
            raise PricingError(
                contract.name,
                _("the contract bills a monthly fee but has no fee amount."),
            )
        included = contract.monthly_included_minutes or 0
        items.append(
            PricedItem(
                kind=ItemKind.MONTHLY_FEE,
                contract_name=contract.name,
                activity=kind_labels(language)[ItemKind.MONTHLY_FEE],
                description=fee_description(selection.month, included, language),
                quantity=ONE,
                unit_price=contract.monthly_fee,
                amount=rules.line_amount(1, contract.monthly_fee),
            )
        )

    allowance = rules.monthly_allowance(
        draft.total_billed_minutes,
        contract.monthly_included_minutes or 0,
        used_minutes,
    )
    if allowance.overage_minutes:
        if contract.overage_rate is None:
            raise rules.BillingRuleError(
                rules.BillingRuleError.NO_FEE_OVERAGE_RATE,
                minutes=str(allowance.overage_minutes),
            )
        items.append(_overage_item(contract, allowance.overage_minutes, language))
    return items


def earlier_fee_use(
    customer_id: int, month: date, contract_name: str
) -> tuple[bool, int]:
    """Tell whether an issued statement of the month billed the contract's fee.

    Also return the included minutes those statements used: their labour
    minutes minus their overage minutes.

    NOTE: statement items record the contract's name, not its id, so two
    contracts of one customer with the same name share one monthly fee.
    """
    query = (
        sa.select(StatementItem.kind, StatementItem.billed_minutes)
        .join(Statement, StatementItem.statement_id == Statement.id)
        .where(
            Statement.customer_id == customer_id,
            Statement.period_start == month,
            Statement.status == StatementStatus.ISSUED,
            StatementItem.contract_name == contract_name,
        )
    )
    fee_billed = False
    used = 0
    for kind, minutes in db.session.execute(query):
        if kind == ItemKind.MONTHLY_FEE:
            fee_billed = True
        elif kind == ItemKind.LABOUR:
            used += minutes
        elif kind == ItemKind.OVERAGE:
            used -= minutes
    return fee_billed, max(used, 0)
