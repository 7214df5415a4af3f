"""Round logged minutes into billed minutes, per entry or per ticket and day."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time

from portal.services.billing_rules.money import require_minutes

ALLOWED_INCREMENTS = frozenset({1, 5, 6, 10, 15, 30, 60})


class RoundingDirection(enum.StrEnum):
    UP = "up"
    NEAREST = "nearest"
    DOWN = "down"


class RoundingScope(enum.StrEnum):
    # Each entry is rounded on its own.
    PER_ENTRY = "per_entry"
    # The entries of one ticket on one day are summed and rounded once.
    PER_TICKET_DAY = "per_ticket_day"


@dataclass(frozen=True)
class RoundingRule:
    """A contract's rule for turning logged minutes into billed minutes.

    minimum_minutes is the least that any non-zero billing unit is billed: an
    entry under PER_ENTRY, the day's total of a ticket under PER_TICKET_DAY.
    """

    increment_minutes: int = 1
    direction: RoundingDirection = RoundingDirection.UP
    scope: RoundingScope = RoundingScope.PER_ENTRY
    minimum_minutes: int = 0

    def __post_init__(self) -> None:
        if self.increment_minutes not in ALLOWED_INCREMENTS:
            raise ValueError(
                f"increment_minutes must be one of {sorted(ALLOWED_INCREMENTS)}, "
                f"got {self.increment_minutes!r}"
            )
        require_minutes(self.minimum_minutes, "minimum_minutes")
        # Accept the stored string values ("up", "per_entry") as well.
        object.__setattr__(self, "direction", RoundingDirection(self.direction))
        object.__setattr__(self, "scope", RoundingScope(self.scope))


@dataclass(frozen=True)
class BillableEntry:
    """A time entry as the billing rules see it.

    start_time is the local wall-clock time on work_date at which the work
    began, or None when the agent logged only a duration.
    """

    id: int
    ticket_key: str
    work_date: date
    start_time: time | None
    activity_code: str
    agent_level: str | None
    raw_minutes: int
    is_billable: bool = True

    def __post_init__(self) -> None:
        require_minutes(self.raw_minutes, f"raw_minutes of entry {self.id}")


@dataclass(frozen=True)
class EntryBilling:
    """The minutes one entry was worked and billed, e.g. 20 worked, 30 billed."""

    entry_id: int
    ticket_key: str
    work_date: date
    raw_minutes: int
    billed_minutes: int
    is_billable: bool


def billed_minutes(raw_minutes: int, rule: RoundingRule) -> int:
    """Round one amount of minutes by the rule and apply its minimum charge."""
    require_minutes(raw_minutes, "raw_minutes")
    if raw_minutes == 0:
        return 0

    increment = rule.increment_minutes
    whole_increments, remainder = divmod(raw_minutes, increment)
    rounds_up = rule.direction == RoundingDirection.UP or (
        # An exact half rounds up (3 of 6 bills 6). Of 15, 7 rounds down, 8 up.
        rule.direction == RoundingDirection.NEAREST and remainder * 2 >= increment
    )
    if remainder and rounds_up:
        whole_increments += 1
    rounded = whole_increments * increment

    return max(rounded, rule.minimum_minutes)


def distribute_minutes(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    """Split total minutes over entry ids in proportion to their weights.

    Uses the largest-remainder method: each id gets the floor of its exact
    share, and the minutes left over go one each to the largest remainders,
    the lower entry id first on a tie. The parts always add up to total.
    """
    require_minutes(total, "total")
    for entry_id, weight in weights.items():
        require_minutes(weight, f"weight of entry {entry_id}")
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        if total:
            raise ValueError(f"cannot distribute {total} minutes over zero weight")
        return dict.fromkeys(weights, 0)

    shares: dict[int, int] = {}
    remainders: dict[int, int] = {}
    for entry_id, weight in weights.items():
        shares[entry_id], remainders[entry_id] = divmod(total * weight, weight_sum)

    left_over = total - sum(shares.values())
    by_remainder = sorted(
        weights, key=lambda entry_id: (-remainders[entry_id], entry_id)
    )
    for entry_id in by_remainder[:left_over]:
        shares[entry_id] += 1
    return shares


def allocate_billed_minutes(
    entries: Iterable[BillableEntry], rule: RoundingRule
) -> tuple[EntryBilling, ...]:
    """Return each entry's billed minutes under the rule, sorted by entry id.

    Non-billable entries bill zero and do not count towards a ticket's day.
    Under PER_TICKET_DAY the rounded day total is distributed back to the
    entries with distribute_minutes, so the entries add up to it exactly.
    """
    entries = sorted(entries, key=lambda entry: entry.id)
    _check_unique_ids(entries)

    billed: dict[int, int] = {}
    if rule.scope == RoundingScope.PER_ENTRY:
        for entry in entries:
            if entry.is_billable:
                billed[entry.id] = billed_minutes(entry.raw_minutes, rule)
    else:
        days: dict[tuple[str, date], dict[int, int]] = defaultdict(dict)
        for entry in entries:
            if entry.is_billable:
                days[entry.ticket_key, entry.work_date][entry.id] = entry.raw_minutes
        for weights in days.values():
            day_total = billed_minutes(sum(weights.values()), rule)
            billed.update(distribute_minutes(day_total, weights))

    return tuple(
        EntryBilling(
            entry_id=entry.id,
            ticket_key=entry.ticket_key,
            work_date=entry.work_date,
            raw_minutes=entry.raw_minutes,
            billed_minutes=billed.get(entry.id, 0),
            is_billable=entry.is_billable,
        )
        for entry in entries
    )


def _check_unique_ids(entries: list[BillableEntry]) -> None:
    seen: set[int] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValueError(f"entry id {entry.id} appears more than once")
        seen.add(entry.id)
