from portal.models import Role


def test_login_lands_agent_on_tickets(client, login_as):
    login_as(Role.AGENT)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agent/")


def test_anonymous_redirected_to_login(client):
    response = client.get("/agent/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
