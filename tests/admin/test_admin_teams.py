"""Teams: members move between teams, approvers must be able to approve."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role, Team
from tests.admin.helpers import field_errors


def _team(name: str) -> Team:
    return db.session.scalar(sa.select(Team).where(Team.name == name))


def test_create_team_with_members_and_approvers(client, admin, make_user, audit_rows):
    agent = make_user(Role.AGENT, name="Marco Rossi")
    lead = make_user(Role.APPROVER, name="Laura Bianchi")

    response = client.post(
        "/admin/teams/new",
        data={"name": "Rete", "members": [agent.id], "approvers": [lead.id]},
    )

    team = _team("Rete")
    assert response.status_code == 303
    assert [user.id for user in team.members] == [agent.id]
    assert [user.id for user in team.approvers] == [lead.id]
    [created] = audit_rows(team, "created")
    assert created.actor_id == admin.id
    assert created.after == {
        "name": "Rete",
        "member_ids": [agent.id],
        "approver_ids": [lead.id],
    }
    [moved] = audit_rows(agent, "updated")
    assert moved.before == {"team_id": None}
    assert moved.after == {"team_id": team.id}


def test_new_member_leaves_old_team(client, admin, make_user, audit_rows):
    agent = make_user(Role.AGENT, name="Marco Rossi")
    old_team = Team(name="Rete", members=[agent])
    new_team = Team(name="Sistemi")
    db.session.add_all([old_team, new_team])
    db.session.commit()

    response = client.post(
        f"/admin/teams/{new_team.id}", data={"name": "Sistemi", "members": [agent.id]}
    )

    assert response.status_code == 303
    assert agent.team_id == new_team.id
    assert old_team.members == []
    [old_event] = audit_rows(old_team, "updated")
    assert old_event.before == {"member_ids": [agent.id]}
    assert old_event.after == {"member_ids": []}
    [new_event] = audit_rows(new_team, "updated")
    assert new_event.after == {"member_ids": [agent.id]}
    [user_event] = audit_rows(agent, "updated")
    assert user_event.before == {"team_id": old_team.id}
    assert user_event.after == {"team_id": new_team.id}


def test_unticking_member_leaves_them_without_team(client, admin, make_user):
    agent = make_user(Role.AGENT)
    team = Team(name="Rete", members=[agent])
    db.session.add(team)
    db.session.commit()

    response = client.post(f"/admin/teams/{team.id}", data={"name": "Rete"})

    assert response.status_code == 303
    assert agent.team_id is None


def test_rename_team_is_audited(client, admin, audit_rows):
    team = Team(name="Rete")
    db.session.add(team)
    db.session.commit()

    client.post(f"/admin/teams/{team.id}", data={"name": "Reti e VPN"})

    assert team.name == "Reti e VPN"
    [event] = audit_rows(team, "updated")
    assert event.before == {"name": "Rete"}
    assert event.after == {"name": "Reti e VPN"}


def test_team_name_unique_any_case(client, admin):
    db.session.add(Team(name="Rete"))
    db.session.commit()

    response = client.post("/admin/teams/new", data={"name": "RETE"})

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "name") == [
        "A team named RETE already exists. Choose another name."
    ]


def test_agent_cannot_be_approver(client, admin, make_user):
    agent = make_user(Role.AGENT)

    response = client.post(
        "/admin/teams/new", data={"name": "Rete", "approvers": [agent.id]}
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "approvers") == [
        "Choose users from the list."
    ]
    assert _team("Rete") is None


def test_accounts_user_cannot_be_member(client, admin, make_user):
    accountant = make_user(Role.ACCOUNTS)

    response = client.post(
        "/admin/teams/new", data={"name": "Rete", "members": [accountant.id]}
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "members") == [
        "Choose users from the list."
    ]


def test_inactive_agent_stays_but_cannot_join(client, admin, make_user):
    stays = make_user(Role.AGENT, name="Paolo Gialli")
    team = Team(name="Rete", members=[stays])
    db.session.add(team)
    newcomer = make_user(Role.AGENT, name="Luca Verdi")
    stays.is_active_user = False
    newcomer.is_active_user = False
    db.session.commit()

    page = client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/teams/{team.id}",
        data={"name": "Rete", "members": [stays.id, newcomer.id]},
    )

    assert "Paolo Gialli" in page
    assert "Luca Verdi" not in page
    assert response.status_code == 422


def test_team_list_shows_members_and_approvers(client, admin, make_user):
    agent = make_user(Role.AGENT, name="Marco Rossi")
    lead = make_user(Role.APPROVER, name="Laura Bianchi")
    db.session.add(Team(name="Rete", members=[agent], approvers=[lead]))
    db.session.commit()

    html = client.get("/admin/teams").get_data(as_text=True)

    assert "Marco Rossi" in html
    assert "Laura Bianchi" in html


def test_unknown_team_is_404(client, admin):
    assert client.get("/admin/teams/999999").status_code == 404
