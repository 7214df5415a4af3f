"""Prepaid hour packages (monte ore): draw billed minutes, oldest package first.

build_lines prices every billed minute at its hourly rate. For a contract with
packages, the caller bills the overage through overage_amount instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from portal.services.billing_rules.errors import BillingRuleError
from portal.services.billing_rules.money import (
    line_amount,
    require_decimal,
    require_minutes,
)
from portal.services.billing_rules.rounding import EntryBilling

# Percentages of a package's minutes whose consumption triggers an alert.
ALERT_THRESHOLDS = (75, 90, 100)


@dataclass(frozen=True)
class PrepaidPackage:
    """A package of minutes bought in advance.

    It pays for work dated from purchase_date through expiry_date, both
    included. consumed_minutes is what earlier statements drew from it.
    """

    id: int
    minutes_bought: int
    purchase_date: date
    expiry_date: date
    price: Decimal
    consumed_minutes: int = 0

    def __post_init__(self) -> None:
        require_minutes(self.minutes_bought, f"minutes_bought of package {self.id}")
        require_minutes(self.consumed_minutes, f"consumed_minutes of package {self.id}")
        require_decimal(self.price, f"price of package {self.id}")
        if self.minutes_bought == 0:
            raise ValueError(f"package {self.id} must contain at least one minute")
        if self.consumed_minutes > self.minutes_bought:
            raise ValueError(
                f"package {self.id} cannot have consumed {self.consumed_minutes} "
                f"of its {self.minutes_bought} minutes"
            )
        if self.expiry_date < self.purchase_date:
            raise ValueError(f"package {self.id} expires before its purchase date")

    @property
    def remaining_minutes(self) -> int:
        return self.minutes_bought - self.consumed_minutes

    def covers(self, work_date: date) -> bool:
        """Tell whether the package can pay for work done on work_date."""
        return self.purchase_date <= work_date <= self.expiry_date


@dataclass(frozen=True)
class Draw:
    """Minutes of one entry paid by one package, or overage when package_id is None."""

    entry_id: int
    package_id: int | None
    minutes: int


@dataclass(frozen=True)
class PackageUsage:
    """One package's balance before and after a consume call.

    new_thresholds are the ALERT_THRESHOLDS first reached in this call, so
    each alert is sent once across statements. is_expired is as of the
    as_of date, when any closing balance left is forfeit.
    """

    package_id: int
    minutes_bought: int
    opening_balance: int
    consumed: int
    closing_balance: int
    new_thresholds: tuple[int, ...]
    is_expired: bool


@dataclass(frozen=True)
class Consumption:
    """The minutes a statement drew from the packages and the overage beyond them.

    packages_after are the packages with consumed_minutes updated: pass them
    to the next consume call.
    """

    usages: tuple[PackageUsage, ...]
    draws: tuple[Draw, ...]
    overage_minutes: int
    packages_after: tuple[PrepaidPackage, ...]


def consume(
    packages: Iterable[PrepaidPackage],
    billed_entries: Iterable[EntryBilling],
    as_of: date,
) -> Consumption:
    """Draw the entries' billed minutes from the packages, oldest package first.

    Entries are taken by work date, then entry id, whatever their input
    order. Each is paid by the packages that cover its work date, ordered by
    purchase date and then id, and is split across packages when one runs
    out. What no package covers is overage. as_of is the statement date, and
    no entry may be dated after it.

    NOTE: packages pay billed minutes one for one, so an after-hours
    multiplier does not make an hour draw more than 60 minutes.
    """
    packages = sorted(packages, key=lambda package: (package.purchase_date, package.id))
    entries = sorted(
        billed_entries, key=lambda entry: (entry.work_date, entry.entry_id)
    )
    _check_consume_input(packages, entries, as_of)

    balances = {package.id: package.remaining_minutes for package in packages}
    draws: list[Draw] = []
    for entry in entries:
        draws.extend(_draw_entry(entry, packages, balances))

    packages_after = tuple(
        replace(package, consumed_minutes=package.minutes_bought - balances[package.id])
        for package in packages
    )
    return Consumption(
        usages=tuple(
            _usage(before, after, as_of)
            for before, after in zip(packages, packages_after, strict=True)
        ),
        draws=tuple(draws),
        overage_minutes=sum(draw.minutes for draw in draws if draw.package_id is None),
        packages_after=packages_after,
    )


def overage_amount(overage_minutes: int, overage_rate: Decimal | None) -> Decimal:
    """Return the price of the overage minutes at the hourly overage rate."""
    require_minutes(overage_minutes, "overage_minutes")
    if overage_minutes == 0:
        return Decimal("0.00")
    if overage_rate is None:
        raise BillingRuleError(
            BillingRuleError.NO_OVERAGE_RATE, minutes=str(overage_minutes)
        )
    return line_amount(overage_minutes, overage_rate, per=60)


def _draw_entry(
    entry: EntryBilling, packages: list[PrepaidPackage], balances: dict[int, int]
) -> list[Draw]:
    draws = []
    needed = entry.billed_minutes
    for package in packages:
        if needed == 0:
            break
        drawn_minutes = min(needed, balances[package.id])
        if drawn_minutes and package.covers(entry.work_date):
            balances[package.id] -= drawn_minutes
            needed -= drawn_minutes
            draws.append(Draw(entry.entry_id, package.id, drawn_minutes))

    if needed:
        draws.append(Draw(entry.entry_id, None, needed))
    return draws


def _usage(before: PrepaidPackage, after: PrepaidPackage, as_of: date) -> PackageUsage:
    reached = tuple(
        threshold
        for threshold in ALERT_THRESHOLDS
        if before.consumed_minutes * 100
        < threshold * before.minutes_bought
        <= after.consumed_minutes * 100
    )
    return PackageUsage(
        package_id=before.id,
        minutes_bought=before.minutes_bought,
        opening_balance=before.remaining_minutes,
        consumed=after.consumed_minutes - before.consumed_minutes,
        closing_balance=after.remaining_minutes,
        new_thresholds=reached,
        is_expired=before.expiry_date < as_of,
    )


def _check_consume_input(
    packages: list[PrepaidPackage], entries: list[EntryBilling], as_of: date
) -> None:
    package_ids = [package.id for package in packages]
    if len(set(package_ids)) != len(package_ids):
        raise ValueError(f"package ids must be unique, got {package_ids}")

    entry_ids = [entry.entry_id for entry in entries]
    if len(set(entry_ids)) != len(entry_ids):
        raise ValueError("entry ids must be unique")

    late = [entry.entry_id for entry in entries if entry.work_date > as_of]
    if late:
        raise ValueError(f"entries {late} are dated after the statement date {as_of}")
