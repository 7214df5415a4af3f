"""Catalog pages: activity types and ticket categories."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.common import apply_to_form, current_admin, done, form_status, or_404
from portal.admin.forms.catalog import ActivityTypeForm, CategoryForm
from portal.extensions import db
from portal.models import ActivityType, Category
from portal.services.admin import catalog as catalog_service


@bp.get("/catalog")
def catalog():
    """List activity types and categories, active or not."""
    return render_template(
        "admin/catalog.html",
        activities=catalog_service.list_activity_types(),
        categories=catalog_service.list_categories(),
    )


@bp.route("/activity-types/new", methods=["GET", "POST"])
def new_activity_type():
    """Create an activity type."""
    form = ActivityTypeForm()
    if form.validate_on_submit():
        actor = current_admin()
        activity = apply_to_form(
            form,
            lambda: catalog_service.create_activity_type(actor, form.activity_data()),
        )
        if activity is not None:
            db.session.commit()
            return done(
                _("Created the activity type %(code)s.", code=activity.code),
                "admin.catalog",
            )
    return _render_item(form, kind="activity", item=None)


@bp.route("/activity-types/<int:activity_id>", methods=["GET", "POST"])
def activity_type(activity_id: int):
    """Edit an activity type's names, billable and on-site flags, state and position."""
    activity = or_404(db.session.get(ActivityType, activity_id))
    form = ActivityTypeForm(obj=activity, fixed_code=True)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form,
            lambda: catalog_service.update_activity_type(
                actor, activity, form.activity_data()
            ),
        )
        if changed is not None:
            db.session.commit()
            return done(
                _("Saved the activity type %(code)s.", code=activity.code),
                "admin.catalog",
            )
    return _render_item(form, kind="activity", item=activity)


@bp.route("/categories/new", methods=["GET", "POST"])
def new_category():
    """Create a ticket category."""
    form = CategoryForm()
    if form.validate_on_submit():
        actor = current_admin()
        category = apply_to_form(
            form, lambda: catalog_service.create_category(actor, form.category_data())
        )
        if category is not None:
            db.session.commit()
            return done(
                _("Created the category %(code)s.", code=category.code),
                "admin.catalog",
            )
    return _render_item(form, kind="category", item=None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category(category_id: int):
    """Edit a category's names and active flag."""
    current = or_404(db.session.get(Category, category_id))
    form = CategoryForm(obj=current, fixed_code=True)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form,
            lambda: catalog_service.update_category(
                actor, current, form.category_data()
            ),
        )
        if changed is not None:
            db.session.commit()
            return done(
                _("Saved the category %(code)s.", code=current.code), "admin.catalog"
            )
    return _render_item(form, kind="category", item=current)


def _render_item(
    form: ActivityTypeForm | CategoryForm,
    kind: str,
    item: ActivityType | Category | None,
):
    if kind == "activity":
        object_type = "activity_types"
        heading = (
            _("Activity type %(code)s", code=item.code)
            if item
            else _("New activity type")
        )
    else:
        object_type = "categories"
        heading = _("Category %(code)s", code=item.code) if item else _("New category")
    page = render_template(
        "admin/catalog_item.html",
        form=form,
        item=item,
        heading=heading,
        object_type=object_type,
    )
    return page, form_status(form)
