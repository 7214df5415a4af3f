"""Who reaches the portal, and that nothing of customer B or internal leaks out."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Role

INTERNAL_ROLES = [Role.AGENT, Role.APPROVER, Role.ACCOUNTS, Role.ADMIN]


def portal_rules(app: Flask) -> list:
    """List the portal's pages: its GET routes, not the POST-only actions."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("portal.") and "GET" in rule.methods
    ]
    assert rules, "the portal blueprint registered no routes"
    return rules


@pytest.fixture(autouse=True)
def customer_user_is_admin(world) -> None:
    """Make customer A's user a customer admin, who reaches every portal page."""
    world.customer_user.is_customer_admin = True
    db.session.commit()


def rule_values(rule, ticket_key: str, statement_id: int) -> dict:
    """Fill a portal rule's URL arguments with the given ticket or statement."""
    values = {"key": ticket_key, "statement_id": statement_id}
    unknown = rule.arguments - values.keys()
    assert not unknown, f"{rule.rule} has arguments this test cannot fill: {unknown}"
    return {name: values[name] for name in rule.arguments}


def build_url(app: Flask, rule, ticket_key: str, statement_id: int) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **rule_values(rule, ticket_key, statement_id))


def own_urls(app, world) -> list[str]:
    return [
        build_url(app, rule, world.ticket_a.key, world.statement_a.id)
        for rule in portal_rules(app)
    ]


def assert_clean(body: bytes, world, url: str) -> None:
    text = body.decode("utf-8", errors="replace")
    for marker in world.customer_b_markers:
        assert marker not in text, f"{url} shows customer B's {marker!r}"
    for marker in world.internal_note_markers:
        assert marker not in text, f"{url} shows internal note {marker!r}"
    assert "INTERNAL-NOTE-MARKER" not in text, url
    for email in world.internal_emails:
        assert email not in text, f"{url} shows internal e-mail {email!r}"


def test_every_route_clean_for_customer_a(app, customer_client, world):
    urls = own_urls(app, world)

    for url in urls:
        response = customer_client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.get_data(), world, url)


def test_every_route_clean_as_htmx(app, customer_client, world):
    for url in own_urls(app, world):
        response = customer_client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        assert_clean(response.get_data(), world, url)


def test_every_list_clean_when_searching_b(customer_client, world):
    for text in world.customer_b_markers:
        response = customer_client.get("/portal/", query_string={"q": text})
        body = response.get_data(as_text=True)
        # The search box repeats the text typed, so look for B's rows instead.
        assert f"/portal/tickets/{world.ticket_b.key}" not in body
        assert world.ticket_b.title not in body.replace(f'value="{text}"', "")


@pytest.mark.parametrize("target", ["other_customer", "missing"])
def test_foreign_or_missing_ids_404(app, customer_client, world, target):
    if target == "other_customer":
        key, statement_id = world.ticket_b.key, world.statement_b.id
    else:
        key, statement_id = "NOPE-404", world.statement_b.id + 1000

    checked = 0
    for rule in portal_rules(app):
        if not rule.arguments:
            continue
        url = build_url(app, rule, key, statement_id)
        response = customer_client.get(url)
        assert response.status_code == 404, url
        assert_clean(response.get_data(), world, url)
        checked += 1

    assert checked >= 2


def test_other_customer_ticket_and_missing_look_alike(customer_client, world):
    foreign = customer_client.get(f"/portal/tickets/{world.ticket_b.key}")
    missing = customer_client.get("/portal/tickets/NOPE-404")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data(as_text=True).replace(
        world.ticket_b.key, "X"
    ) == missing.get_data(as_text=True).replace("NOPE-404", "X")


@pytest.mark.parametrize("role", INTERNAL_ROLES)
def test_internal_roles_get_403(app, client, world, login_as, role):
    login_as(role)

    for url in own_urls(app, world):
        response = client.get(url)
        assert response.status_code == 403, f"{role} on {url}"
        assert_clean(response.get_data(), world, url)


def test_anonymous_redirected_to_login(app, client, world):
    for url in own_urls(app, world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_customer_b_sees_own_not_a(client, world, make_user, sign_in):
    sign_in(make_user("customer", customer=world.customer_b))

    tickets = client.get("/portal/").get_data(as_text=True)
    statements = client.get("/portal/statements").get_data(as_text=True)

    assert world.ticket_b.key in tickets
    assert world.ticket_a.key not in tickets
    assert world.statement_b.number in statements
    assert world.statement_a.number not in statements
    assert client.get(f"/portal/tickets/{world.ticket_a.key}").status_code == 404
    pdf = client.get(f"/portal/statements/{world.statement_a.id}/pdf")
    assert pdf.status_code == 404


def test_portal_routes_reject_post(app, customer_client, world):
    for url in own_urls(app, world):
        response = customer_client.post(url)
        assert response.status_code == 405, url
