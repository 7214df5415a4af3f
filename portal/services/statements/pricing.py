"""Price a statement's selection by each contract's terms, without saving.

Every billable entry is billed by the contract of its ticket and work date
(billing_terms.entry_contract). Per contract, the billing engine rounds, rates
and groups the work into items, and the contract's billing model
(statements.billing_models) decides what the labour costs. Resources are
priced in every model, and the customer's open adjustments follow the
contracts' items. Issuing freezes exactly what this module returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from portal.models import (
    Adjustment,
    BillingModel,
    Contract,
    ItemKind,
    ResourceEntry,
    TimeEntry,
)
from portal.services import billing_rules as rules
from portal.services import billing_terms
from portal.services.billing_rules.after_hours import Band
from portal.services.statements.billing_models import model_items
from portal.services.statements.detail import DetailLine
from portal.services.statements.errors import (
    NoContractError,
    PricingError,
    StatementBlockedError,
)
from portal.services.statements.labels import describe_bands, kind_labels
from portal.services.statements.periods import month_end
from portal.services.statements.priced import (
    ONE,
    ZERO,
    ContractBill,
    PricedItem,
    Pricing,
    vat_settings,
)
from portal.services.statements.selection import Selection

logger = logging.getLogger(__name__)

DEFAULT_CURRENCY = "EUR"


@dataclass
class _ContractWork:
    contract: Contract
    entries: list[TimeEntry] = field(default_factory=list)
    resources: list[ResourceEntry] = field(default_factory=list)


def price_selection(selection: Selection, language: str) -> Pricing:
    """Price the selection, with labels in language, the statement's language.

    Raise StatementBlockedError, with a message for accounts, when work has
    no contract or a contract's terms cannot price it.
    """
    groups = _group_by_contract(selection)
    bills: list[ContractBill] = []
    billed_by_entry: dict[int, int] = {}
    for work in groups:
        bill, billed = _price_contract(work, selection, language)
        billed_by_entry.update(billed)
        # A monthly fee already billed this month, with no new work, adds nothing.
        if bill.items:
            bills.append(bill)

    adjustments = tuple(
        _adjustment_item(adjustment, language) for adjustment in selection.adjustments
    )
    vat = vat_settings()
    amounts = [item.amount for bill in bills for item in bill.items]
    amounts += [item.amount for item in adjustments]
    return Pricing(
        currency=_currency(selection, bills),
        contracts=tuple(bills),
        adjustments=adjustments,
        lines=tuple(_detail_lines(selection, billed_by_entry, language)),
        vat=vat,
        totals=rules.statement_totals(amounts, vat.rate),
    )


def _group_by_contract(selection: Selection) -> list[_ContractWork]:
    """Group entries and resources by contract, adding monthly-fee contracts.

    A monthly-fee contract valid in the month bills its fee even without work.
    """
    groups: dict[int, _ContractWork] = {}

    def group_of(ticket, work_date: date) -> _ContractWork:
        contract = billing_terms.entry_contract(ticket, work_date)
        if contract is None:
            logger.info(
                "customer %s: ticket %s has work on %s without a contract",
                selection.customer.id,
                ticket.key,
                work_date.isoformat(),
            )
            raise NoContractError(selection.customer, ticket.key, work_date)
        return groups.setdefault(contract.id, _ContractWork(contract))

    for entry in selection.entries:
        group_of(entry.ticket, entry.work_date).entries.append(entry)
    for resource in selection.resources:
        group_of(resource.ticket, resource.work_date).resources.append(resource)

    for contract in selection.customer.contracts:
        if contract.billing_model == BillingModel.MONTHLY_FEE and _valid_in_month(
            contract, selection.month
        ):
            groups.setdefault(contract.id, _ContractWork(contract))

    return sorted(
        groups.values(), key=lambda work: (work.contract.valid_from, work.contract.id)
    )


def _valid_in_month(contract: Contract, month: date) -> bool:
    starts = contract.valid_from <= month_end(month)
    ends = contract.valid_to is None or contract.valid_to >= month
    return starts and ends


def _price_contract(
    work: _ContractWork, selection: Selection, language: str
) -> tuple[ContractBill, dict[int, int]]:
    """Price one contract's work into its bill and each entry's billed minutes."""
    contract = work.contract
    try:
        draft = rules.build_lines(
            [billing_terms.billable_entry(entry) for entry in work.entries],
            billing_terms.contract_terms(contract),
            is_holiday=billing_terms.is_holiday,
            resources=[_engine_resource(resource) for resource in work.resources],
        )
        fee_and_overage, packages, draws = model_items(
            contract, draft, selection, language
        )
    except rules.BillingRuleError as error:
        logger.info(
            "contract %s of customer %s cannot be priced: %s",
            contract.id,
            selection.customer.id,
            error,
        )
        raise PricingError(contract.name, error.message()) from error

    included = contract.billing_model != BillingModel.TIME_AND_MATERIALS
    entries_by_id = {entry.id: entry for entry in work.entries}
    labour = [
        _labour_item(line, contract, entries_by_id, language, included)
        for line in draft.labour_lines
    ]
    titles = {entry.ticket.key: entry.ticket.title for entry in work.entries}
    titles |= {res.ticket.key: res.ticket.title for res in work.resources}
    resources = [
        _resource_item(line, contract, titles[line.ticket_key], language)
        for line in draft.resource_lines
    ]
    fee_items = [i for i in fee_and_overage if i.kind == ItemKind.MONTHLY_FEE]
    overage_items = [i for i in fee_and_overage if i.kind == ItemKind.OVERAGE]
    bill = ContractBill(
        contract_id=contract.id,
        contract_name=contract.name,
        billing_model=contract.billing_model,
        currency=contract.currency,
        items=tuple(fee_items + labour + overage_items + resources),
        packages=packages,
        draws=draws,
    )
    billed = {billing.entry_id: billing.billed_minutes for billing in draft.entries}
    return bill, billed


def _engine_resource(resource: ResourceEntry) -> rules.Resource:
    key = resource.ticket.key
    if resource.kind == rules.ResourceKind.MILEAGE:
        return rules.Mileage(key, resource.work_date, resource.quantity)
    if resource.kind == rules.ResourceKind.CALL_OUT:
        return rules.CallOut(key, resource.work_date, resource.quantity)
    return rules.Material(
        key,
        resource.work_date,
        resource.description,
        resource.quantity,
        resource.unit_price,
    )


def _labour_item(
    line: rules.LabourLine,
    contract: Contract,
    entries_by_id: dict[int, TimeEntry],
    language: str,
    included: bool,
) -> PricedItem:
    first = entries_by_id[line.entry_ids[0]]
    # Bands are named only when they change the price.
    bands = ""
    if line.multiplier != ONE:
        bands = ",".join(band.value for band in line.bands if band != Band.NORMAL)
    return PricedItem(
        kind=ItemKind.LABOUR,
        contract_name=contract.name,
        ticket_key=line.ticket_key,
        ticket_title=first.ticket.title,
        activity=first.activity_type.label(language),
        description=describe_bands(bands, language),
        bands=bands,
        raw_minutes=line.raw_minutes,
        billed_minutes=line.billed_minutes,
        unit_price=line.hourly_rate,
        multiplier=line.multiplier,
        is_included=included,
        amount=ZERO if included else line.amount,
    )


def _resource_item(
    line: rules.ResourceLine, contract: Contract, ticket_title: str, language: str
) -> PricedItem:
    kind = ItemKind(line.kind.value)
    return PricedItem(
        kind=kind,
        contract_name=contract.name,
        ticket_key=line.ticket_key,
        ticket_title=ticket_title,
        activity=kind_labels(language)[kind],
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
    )


def _adjustment_item(adjustment: Adjustment, language: str) -> PricedItem:
    return PricedItem(
        kind=ItemKind.ADJUSTMENT,
        activity=kind_labels(language)[ItemKind.ADJUSTMENT],
        description=adjustment.reason,
        amount=adjustment.amount,
        refers_to_number=adjustment.original_statement.number,
        adjustment_id=adjustment.id,
    )


def _currency(selection: Selection, bills: Iterable[ContractBill]) -> str:
    """Return the one currency of the statement, or raise when work mixes them."""
    currencies = {bill.currency for bill in bills}
    currencies |= {
        adjustment.original_statement.currency for adjustment in selection.adjustments
    }
    if len(currencies) > 1:
        raise StatementBlockedError(
            _(
                "This month's work is billed in several currencies (%(currencies)s), "
                "but a statement has one currency. Bill the contracts of each "
                "currency to separate customers or align their currencies.",
                currencies=", ".join(sorted(currencies)),
            )
        )
    if currencies:
        return currencies.pop()
    contract = selection.customer.contract_on(selection.period_end)
    return contract.currency if contract is not None else DEFAULT_CURRENCY


def _detail_lines(
    selection: Selection, billed: dict[int, int], language: str
) -> list[DetailLine]:
    """Return one detail line per billed entry and resource, ticket by ticket."""
    labels = kind_labels(language)
    lines = [
        DetailLine(
            kind=ItemKind.LABOUR,
            time_entry_id=entry.id,
            resource_entry_id=None,
            ticket_key=entry.ticket.key,
            ticket_title=entry.ticket.title,
            work_date=entry.work_date,
            agent_name=entry.agent.name,
            activity=entry.activity_type.label(language),
            description=entry.description,
            minutes=billed.get(entry.id, 0),
            raw_minutes=entry.minutes,
        )
        for entry in selection.entries
    ]
    lines += [
        DetailLine(
            kind=ItemKind(resource.kind.value),
            time_entry_id=None,
            resource_entry_id=resource.id,
            ticket_key=resource.ticket.key,
            ticket_title=resource.ticket.title,
            work_date=resource.work_date,
            agent_name=resource.agent.name,
            activity=labels[ItemKind(resource.kind.value)],
            description=resource.description,
            minutes=0,
            raw_minutes=0,
            quantity=resource.quantity,
        )
        for resource in selection.resources
    ]
    # Time before resources within a ticket, each by date and id.
    return sorted(
        lines,
        key=lambda line: (
            line.ticket_key,
            line.resource_entry_id is not None,
            line.work_date,
            line.time_entry_id or line.resource_entry_id or 0,
        ),
    )
