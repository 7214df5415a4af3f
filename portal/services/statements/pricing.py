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
    Ticket,
    TimeEntry,
    User,
)
from portal.services import billing_rules as rules
from portal.services import billing_terms
from portal.services.billing_rules.after_hours import Band
from portal.services.statements.billing_models import model_items
from portal.services.statements.detail import DetailLine
from portal.services.statements.errors import (
    EarlierMonthUnbilledError,
    NoContractError,
    PricingError,
    StatementBlockedError,
)
from portal.services.statements.labels import (
    customer_agent_name,
    describe_bands,
    kind_labels,
)
from portal.services.statements.periods import month_end
from portal.services.statements.priced import (
    ONE,
    ZERO,
    ContractBill,
    PricedItem,
    Pricing,
    vat_settings,
)
from portal.services.statements.selection import Selection, earliest_unbilled_month

logger = logging.getLogger(__name__)

DEFAULT_CURRENCY = "EUR"


@dataclass
class _ContractWork:
    contract: Contract
    entries: list[TimeEntry] = field(default_factory=list)
    resources: list[ResourceEntry] = field(default_factory=list)


def price_selection(
    selection: Selection, language: str, *, check_billing_order: bool = True
) -> Pricing:
    """Price the selection, with labels in language, the statement's language.

    Raise StatementBlockedError, with a message for accounts, when work has
    no contract or a contract's terms cannot price it. With
    check_billing_order, a prepaid contract with unbilled work in an earlier
    month raises EarlierMonthUnbilledError too.
    """
    groups = _group_by_contract(selection)
    bills: list[ContractBill] = []
    billed_by_entry: dict[int, int] = {}
    call_out_lines: list[DetailLine] = []
    for work in groups:
        if check_billing_order and work.contract.billing_model == BillingModel.PREPAID:
            _check_earlier_months_billed(work.contract, selection)
        bill, billed, call_outs = _price_contract(work, selection, language)
        billed_by_entry.update(billed)
        call_out_lines += call_outs
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
        lines=tuple(
            _detail_lines(selection, billed_by_entry, call_out_lines, language)
        ),
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
) -> tuple[ContractBill, dict[int, int], list[DetailLine]]:
    """Price one contract's work into its bill.

    Also return each entry's billed minutes and a detail line for each
    automatic call-out, which has no resource entry to copy.
    """
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
    call_outs = _automatic_call_out_lines(work, draft, language)
    return bill, billed, call_outs


def _automatic_call_out_lines(
    work: _ContractWork, draft: rules.StatementDraft, language: str
) -> list[DetailLine]:
    """Return a detail line per call-out the engine added for on-site work.

    A call-out line whose ticket and day have a logged call-out resource
    comes from that resource, which has its own detail line. The agent is
    the one of the first on-site entry logged for that ticket and day.
    """
    logged = {
        (resource.ticket.key, resource.work_date)
        for resource in work.resources
        if resource.kind == rules.ResourceKind.CALL_OUT
    }
    on_site = [entry for entry in work.entries if entry.activity_type.is_on_site]
    first_visit: dict[tuple[str, date], TimeEntry] = {}
    for entry in sorted(on_site, key=lambda entry: entry.id):
        first_visit.setdefault((entry.ticket.key, entry.work_date), entry)

    lines = []
    label = kind_labels(language)[ItemKind.CALL_OUT]
    for line in draft.resource_lines:
        visit = (line.ticket_key, line.work_date)
        if line.kind != rules.ResourceKind.CALL_OUT or visit in logged:
            continue
        entry = first_visit[visit]
        lines.append(
            DetailLine(
                kind=ItemKind.CALL_OUT,
                time_entry_id=None,
                resource_entry_id=None,
                ticket_key=entry.ticket.key,
                ticket_title=entry.ticket.title,
                work_date=line.work_date,
                agent_name=customer_agent_name(
                    work.contract, entry.agent.name, language
                ),
                activity=label,
                description="",
                minutes=0,
                raw_minutes=0,
                quantity=line.quantity,
            )
        )
    return lines


def _check_earlier_months_billed(contract: Contract, selection: Selection) -> None:
    """Raise EarlierMonthUnbilledError when earlier prepaid work is still unbilled."""
    earliest = earliest_unbilled_month(selection.customer, selection.month, contract)
    if earliest is not None:
        logger.info(
            "customer %s: contract %s has unbilled work in %s, before %s",
            selection.customer.id,
            contract.id,
            earliest.isoformat(),
            selection.month.isoformat(),
        )
        raise EarlierMonthUnbilledError(contract.name, earliest)


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
    selection: Selection,
    billed: dict[int, int],
    call_outs: list[DetailLine],
    language: str,
) -> list[DetailLine]:
    """Return one detail line per billed entry, resource and automatic call-out.

    Lines go ticket by ticket. Each line freezes the agent's name only where
    the contract billing it shows names to the customer, and "The support
    team" elsewhere.
    """
    labels = kind_labels(language)

    def agent_name(ticket: Ticket, work_date: date, agent: User) -> str:
        contract = billing_terms.entry_contract(ticket, work_date)
        return customer_agent_name(contract, agent.name, language)

    lines = [
        DetailLine(
            kind=ItemKind.LABOUR,
            time_entry_id=entry.id,
            resource_entry_id=None,
            ticket_key=entry.ticket.key,
            ticket_title=entry.ticket.title,
            work_date=entry.work_date,
            agent_name=agent_name(entry.ticket, entry.work_date, entry.agent),
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
            agent_name=agent_name(resource.ticket, resource.work_date, resource.agent),
            activity=labels[ItemKind(resource.kind.value)],
            description=resource.description,
            minutes=0,
            raw_minutes=0,
            quantity=resource.quantity,
        )
        for resource in selection.resources
    ]
    lines += call_outs
    # Time before resources within a ticket, each by date and id.
    return sorted(
        lines,
        key=lambda line: (
            line.ticket_key,
            line.kind != ItemKind.LABOUR,
            line.work_date,
            line.time_entry_id or line.resource_entry_id or 0,
        ),
    )
