"""Activity types and ticket categories: create, rename, reorder, deactivate."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, Category
from portal.services.entries import active_activity_types
from tests.admin.helpers import data_values, field_errors

ACTIVITY = {
    "code": "on-site",
    "name_it": "Intervento on-site",
    "name_en": "On-site visit",
    "is_billable": "y",
    "is_active": "y",
    "position": "20",
}


def _activity(code: str) -> ActivityType | None:
    return db.session.scalar(sa.select(ActivityType).where(ActivityType.code == code))


def test_create_activity_type(client, admin, audit_rows):
    response = client.post("/admin/activity-types/new", data=ACTIVITY)

    activity = _activity("on-site")
    assert response.status_code == 303
    assert activity.position == 20
    assert activity.is_billable is True
    [event] = audit_rows(activity, "created")
    assert event.after == {
        "code": "on-site",
        "name_it": "Intervento on-site",
        "name_en": "On-site visit",
        "is_billable": True,
        "is_on_site": False,
        "is_active": True,
        "position": 20,
    }


def test_code_is_lower_cased_and_checked(client, admin, activity):
    upper = client.post(
        "/admin/activity-types/new", data={**ACTIVITY, "code": " On-Site "}
    )
    taken = client.post(
        "/admin/activity-types/new", data={**ACTIVITY, "code": activity.code}
    )
    spaces = client.post(
        "/admin/activity-types/new", data={**ACTIVITY, "code": "on site"}
    )

    assert upper.status_code == 303
    assert _activity("on-site") is not None
    assert taken.status_code == 422
    assert field_errors(taken.get_data(as_text=True), "code") == [
        f"The code {activity.code} is already used. Choose another code."
    ]
    assert spaces.status_code == 422
    assert (
        "lower-case letters" in field_errors(spaces.get_data(as_text=True), "code")[0]
    )


def test_edit_activity_keeps_code(client, admin, activity, audit_rows):
    response = client.post(
        f"/admin/activity-types/{activity.id}",
        data={**ACTIVITY, "code": "hacked", "name_en": "Remote help", "position": "5"},
    )

    assert response.status_code == 303
    assert activity.code.startswith("remote-")
    assert activity.name_en == "Remote help"
    [event] = audit_rows(activity, "updated")
    assert event.before == {
        "name_it": "Assistenza remota",
        "name_en": "Remote support",
        "position": 0,
    }
    assert event.after == {
        "name_it": "Intervento on-site",
        "name_en": "Remote help",
        "position": 5,
    }


def test_deactivated_activity_leaves_quick_log(app, client, admin, activity):
    form = {**ACTIVITY, "name_it": activity.name_it, "name_en": activity.name_en}
    del form["is_active"]

    response = client.post(f"/admin/activity-types/{activity.id}", data=form)

    assert response.status_code == 303
    assert activity.is_active is False
    with app.test_request_context():
        assert activity not in active_activity_types()


def test_activity_position_checked(client, admin):
    response = client.post(
        "/admin/activity-types/new", data={**ACTIVITY, "position": "-1"}
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "position") == [
        "Enter a position from 0 to 9999."
    ]


def test_activity_names_required(client, admin):
    response = client.post(
        "/admin/activity-types/new", data={**ACTIVITY, "name_it": " ", "name_en": ""}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "name_it") == ["Enter the Italian name."]
    assert field_errors(html, "name_en") == ["Enter the English name."]


def test_catalog_lists_activities_by_position(client, admin):
    db.session.add_all(
        [
            ActivityType(code="b", name_it="B", name_en="B", position=20),
            ActivityType(
                code="a", name_it="A", name_en="A", position=10, is_active=False
            ),
        ]
    )
    db.session.commit()

    html = client.get("/admin/catalog").get_data(as_text=True)

    assert data_values(html, "activity") == ["a", "b"]
    assert "Inactive" in html


def test_create_and_deactivate_category(client, admin, audit_rows):
    created = client.post(
        "/admin/categories/new",
        data={
            "code": "backup",
            "name_it": "Backup",
            "name_en": "Backups",
            "is_active": "y",
        },
    )
    category = db.session.scalar(sa.select(Category).where(Category.code == "backup"))

    edited = client.post(
        f"/admin/categories/{category.id}",
        data={"name_it": "Backup", "name_en": "Backups"},
    )

    assert created.status_code == 303
    assert edited.status_code == 303
    assert category.is_active is False
    [event] = audit_rows(category, "updated")
    assert event.before == {"is_active": True}
    assert event.after == {"is_active": False}


def test_category_code_unique(client, admin):
    db.session.add(Category(code="network", name_it="Rete", name_en="Network"))
    db.session.commit()

    response = client.post(
        "/admin/categories/new",
        data={"code": "network", "name_it": "Rete 2", "name_en": "Network 2"},
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "code") == [
        "The code network is already used. Choose another code."
    ]


def test_unknown_catalog_items_are_404(client, admin):
    assert client.get("/admin/activity-types/999999").status_code == 404
    assert client.get("/admin/categories/999999").status_code == 404
