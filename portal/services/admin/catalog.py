"""Activity types and ticket categories, named in Italian and English.

They are never deleted: deactivating one hides it from new time entries and
ticket edits while the entries and tickets that use it keep it. The code is
fixed once created, because billing rules refer to activity codes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import ActivityType, Category, User
from portal.services.admin import AdminFieldError
from portal.services.audit import changed_fields, record_event, snapshot

logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", re.ASCII)
ACTIVITY_FIELDS = [
    "code",
    "name_it",
    "name_en",
    "is_billable",
    "is_on_site",
    "is_active",
    "position",
]
CATEGORY_FIELDS = ["code", "name_it", "name_en", "is_active"]


@dataclass(frozen=True)
class ActivityData:
    """The values an admin sets for one activity type. Only creation reads code."""

    name_it: str
    name_en: str
    code: str = ""
    is_billable: bool = True
    # Work at the customer's site, which the contract's call-out fee applies to.
    is_on_site: bool = False
    is_active: bool = True
    position: int = 0


@dataclass(frozen=True)
class CategoryData:
    """The values an admin sets for one category. Only creation reads code."""

    name_it: str
    name_en: str
    code: str = ""
    is_active: bool = True


def list_activity_types() -> list[ActivityType]:
    """Return every activity type in the order agents see them."""
    query = sa.select(ActivityType).order_by(ActivityType.position, ActivityType.id)
    return list(db.session.scalars(query))


def list_categories() -> list[Category]:
    """Return every category, ordered by English name.

    NOTE: Category has no position column, so categories cannot be reordered.
    """
    query = sa.select(Category).order_by(sa.func.lower(Category.name_en), Category.id)
    return list(db.session.scalars(query))


def create_activity_type(actor: User, data: ActivityData) -> ActivityType:
    """Create an activity type and audit it."""
    _check_code(ActivityType, data.code)
    activity = ActivityType(code=data.code)
    _apply_activity(activity, data)
    db.session.add(activity)
    _flush_unique_code(ActivityType, data.code)

    record_event(actor, "created", activity, None, snapshot(activity, ACTIVITY_FIELDS))
    return activity


def update_activity_type(
    actor: User, activity: ActivityType, data: ActivityData
) -> ActivityType:
    """Change an activity type's names, flags and position, and audit the changes.

    Marking an activity on-site adds the call-out fee to work not billed yet.
    """
    before = snapshot(activity, ACTIVITY_FIELDS)
    _apply_activity(activity, data)
    db.session.flush()

    before, after = changed_fields(before, snapshot(activity, ACTIVITY_FIELDS))
    if after:
        record_event(actor, "updated", activity, before, after)
    return activity


def create_category(actor: User, data: CategoryData) -> Category:
    """Create a ticket category and audit it."""
    _check_code(Category, data.code)
    category = Category(code=data.code)
    _apply_category(category, data)
    db.session.add(category)
    _flush_unique_code(Category, data.code)

    record_event(actor, "created", category, None, snapshot(category, CATEGORY_FIELDS))
    return category


def update_category(actor: User, category: Category, data: CategoryData) -> Category:
    """Change a category's names and active flag, and audit the changes."""
    before = snapshot(category, CATEGORY_FIELDS)
    _apply_category(category, data)
    db.session.flush()

    before, after = changed_fields(before, snapshot(category, CATEGORY_FIELDS))
    if after:
        record_event(actor, "updated", category, before, after)
    return category


def _apply_activity(activity: ActivityType, data: ActivityData) -> None:
    activity.name_it = data.name_it
    activity.name_en = data.name_en
    activity.is_billable = data.is_billable
    activity.is_on_site = data.is_on_site
    activity.is_active = data.is_active
    activity.position = data.position


def _apply_category(category: Category, data: CategoryData) -> None:
    category.name_it = data.name_it
    category.name_en = data.name_en
    category.is_active = data.is_active


def _check_code(model: type[ActivityType] | type[Category], code: str) -> None:
    if not CODE_PATTERN.match(code):
        raise AdminFieldError(
            "code",
            _(
                "Use lower-case letters, digits and single hyphens or underscores "
                "for the code, e.g. remote-support."
            ),
        )
    query = sa.select(model.id).where(model.code == code)
    if db.session.scalar(query.limit(1)) is not None:
        raise AdminFieldError(
            "code",
            _("The code %(code)s is already used. Choose another code.", code=code),
        )


def _flush_unique_code(model: type[ActivityType] | type[Category], code: str) -> None:
    """Flush, turning a concurrent insert of the same code into a field error."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        logger.info("%s code %s rejected: %s", model.__tablename__, code, error)
        _check_code(model, code)
        raise
