"""Configuration, migrations, CSRF and language selection."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import PROJECT_ROOT, ConfigurationError
from portal.models import Role


def test_production_refuses_development_secret(monkeypatch):
    monkeypatch.setenv("CONSUNTIVO_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_short_secret(monkeypatch):
    monkeypatch.setenv("CONSUNTIVO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigurationError):
        create_app()


def test_production_starts_with_real_secret(monkeypatch):
    monkeypatch.setenv("CONSUNTIVO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_postgres_url_gets_psycopg_dialect(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1/db")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_migrations_have_single_head():
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_migrations_downgrade_one_step_and_upgrade(app, db):
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        downgrade(revision="-1")
        with db.engine.connect() as connection:
            version = connection.scalar(
                sa.text("SELECT version_num FROM alembic_version")
            )
        assert version != head
    finally:
        upgrade()
    with db.engine.connect() as connection:
        version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert version == head


def test_migrations_downgrade_to_empty_and_back(app, db):
    try:
        downgrade(revision="base")
        tables = sa.inspect(db.engine).get_table_names()
        assert set(tables) <= {"alembic_version"}
    finally:
        upgrade()
    tables = sa.inspect(db.engine).get_table_names()
    assert "time_entries" in tables


def test_migrated_schema_matches_models(app, db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect the expression index on lower(email).
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        warnings.simplefilter("ignore", UserWarning)
        context = MigrationContext.configure(connection)
        differences = [
            diff
            for diff in compare_metadata(context, db.metadata)
            # Expression indexes (lower(email)) are not reflected on SQLite.
            if not (
                diff[0] in ("add_index", "remove_index") and "lower" in str(diff[1])
            )
        ]
    assert differences == []


def test_email_index_survives_migrations(app, db):
    names = {index["name"] for index in _indexes(db.engine, "users")}
    assert "uq_users_email_lower" in names


def _indexes(engine, table):
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=:t"
                ),
                {"t": table},
            )
        else:
            rows = connection.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE tablename=:t"),
                {"t": table},
            )
        return [{"name": row[0]} for row in rows]


def test_post_without_csrf_token_is_rejected(app, client, login_as):
    login_as(Role.AGENT)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/logout")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert client.get("/agent/").status_code == 200


def test_htmx_header_token_is_accepted(client, csrf_enabled, make_user):
    from tests.conftest import PASSWORD

    user = make_user(Role.AGENT)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 303


def test_language_follows_browser_for_anonymous(client):
    italian = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9"})
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="it"' in italian.get_data(as_text=True)
    assert 'lang="en"' in english.get_data(as_text=True)


def test_language_follows_profile_over_browser(client, login_as):
    login_as(Role.AGENT, language="it")
    response = client.get("/profile", headers={"Accept-Language": "en"})
    assert 'lang="it"' in response.get_data(as_text=True)


def test_profile_changes_language_and_zone(client, login_as, db):
    user = login_as(Role.AGENT, language="it")
    response = client.post(
        "/profile", data={"language": "en", "timezone": "America/New_York"}
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.language == "en"
    assert user.timezone == "America/New_York"


def test_profile_rejects_unknown_zone(client, login_as):
    login_as(Role.AGENT)
    response = client.post("/profile", data={"language": "en", "timezone": "Mars/Base"})
    assert response.status_code == 422
