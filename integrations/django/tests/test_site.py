"""The gym site with sessionpacks mounted: migrate, the command line, identity, a shared request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client, override_settings
from gymsite.gym.models import Athlete, Visit

import sessionpacks_django
from sessionpacks import PassTerms, migrate
from sessionpacks.models import Base

pytestmark = pytest.mark.django_db(transaction=True)

SITE = Path(__file__).parent


def _tables() -> set[str]:
    engine = sessionpacks_django.studio().session_factory.kw["bind"]
    return set(sa.inspect(engine).get_table_names())


def _sessionpacks_revision() -> str:
    engine = sa.create_engine(os.environ["GYMSITE_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    sa.text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(migrate.alembic_config()).get_current_head())


def test_migrate_makes_sessionpacks_tables_beside_the_sites() -> None:
    tables = _tables()
    assert "gym_athlete" in tables
    assert "gym_visit" in tables
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
    assert _sessionpacks_revision() == _head()
    # Again: nothing to do, nothing broken.
    call_command("migrate", verbosity=0)
    assert _sessionpacks_revision() == _head()


def test_migrate_back_to_zero_drops_the_tables_and_forward_brings_them_back() -> None:
    call_command("migrate", "sessionpacks_django", "zero", verbosity=0)
    assert not any(t.startswith("sessionpacks_") and t != migrate.VERSION_TABLE for t in _tables())
    call_command("migrate", "sessionpacks_django", verbosity=0)
    assert _sessionpacks_revision() == _head()


def test_makemigrations_proposes_nothing() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _run_manage(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SITE / "manage.py"), *arguments],
        capture_output=True,
        text=True,
        cwd=SITE,
        env={**os.environ, "PYTHONPATH": str(SITE)},
        timeout=120,
        check=False,
    )


def test_manage_py_sessionpacks_is_the_whole_command_line() -> None:
    helped = _run_manage("sessionpacks", "--help")
    assert helped.returncode == 0, helped.stderr
    for command in ("db", "grant", "redeem", "balance", "expire"):
        assert f"  {command}" in helped.stdout
    assert "--url TEXT" not in helped.stdout
    assert _run_manage("help", "sessionpacks").stdout == helped.stdout

    current = _run_manage("sessionpacks", "db", "current", "--json")
    assert current.returncode == 0, current.stderr
    assert json.loads(current.stdout)["up_to_date"] is True

    made = _run_manage("sessionpacks", "account", "add", "fam-1", "The Smiths", "--json")
    assert made.returncode == 0, made.stderr
    assert sessionpacks_django.studio().account_by_ref("fam-1").name == "The Smiths"

    refused = _run_manage("sessionpacks", "balance", "no-such-account")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error:")


def test_manage_py_sessionpacks_prints_the_reports() -> None:
    studio = sessionpacks_django.studio()
    account = studio.add_account("fam-r", "The Ramos")
    studio.grant(
        account.id,
        PassTerms(quantity=10, cost_basis_minor=9_000, cost_currency="EUR"),
        reason="paid at the desk",
        idempotency_key="grant-fam-r",
        actor=sessionpacks_django.Identity.staff("setup", "owner").actor,
        channel="office",
    )
    owed = _run_manage("sessionpacks", "report", "liability", "--csv")
    assert owed.returncode == 0, owed.stderr
    assert "granted without a template,EUR,10,90.00" in owed.stdout.splitlines()
    listed = _run_manage("sessionpacks", "report", "holders", "--json")
    assert "The Ramos" in [p["account_name"] for p in json.loads(listed.stdout)["passes"]]


def test_call_command_runs_core_commands() -> None:
    call_command("sessionpacks", "db", "upgrade")
    assert _sessionpacks_revision() == _head()


def _member_with_credits(ref: str) -> tuple[int, int]:
    studio = sessionpacks_django.studio()
    account = studio.add_account(ref, "Ada Lovelace")
    member = studio.add_member(account.id, "Ada Lovelace")
    service = studio.add_service(f"Spin {ref}", category="class", duration_minutes=45)
    studio.grant(
        account.id,
        PassTerms(quantity=10),
        reason="welcome pack",
        idempotency_key=f"grant-{ref}",
        actor=sessionpacks_django.Identity.staff("setup", "owner").actor,
        channel="office",
    )
    return member.id, service.id


def test_a_request_reads_the_user_writes_credits_and_writes_a_site_row() -> None:
    desk = Athlete.objects.create_user("desk", password="pw", first_name="Dana", last_name="Desk")
    desk.groups.add(Group.objects.create(name="Front desk"))
    member_id, service_id = _member_with_credits(f"acct-{uuid.uuid4().hex[:8]}")
    client = Client()
    client.force_login(desk)

    answer = client.post(
        f"/visit/{member_id}/",
        json.dumps({"service_id": service_id, "key": "visit-1"}),
        content_type="application/json",
    )

    assert answer.status_code == 200, answer.content
    redemption_id = answer.json()["redemption_id"]
    assert Visit.objects.get(athlete=desk).redemption_id == redemption_id
    (left,) = sessionpacks_django.studio().member_balance(member_id, service_id)
    assert left.units == 9
    # The same key again: the first answer, no second redemption.
    again = client.post(
        f"/visit/{member_id}/",
        json.dumps({"service_id": service_id, "key": "visit-1"}),
        content_type="application/json",
    )
    assert again.json()["redemption_id"] == redemption_id
    (left,) = sessionpacks_django.studio().member_balance(member_id, service_id)
    assert left.units == 9


def test_groups_permissions_and_superusers_map_to_roles() -> None:
    coach = Athlete.objects.create_user("coach", first_name="Cory", last_name="Coach")
    coach.groups.add(Group.objects.create(name="Coaches"))
    boss = Athlete.objects.create_user("boss")
    boss.user_permissions.add(Permission.objects.get(codename="run_studio"))
    root = Athlete.objects.create_superuser("root", password="pw")

    def who(user: Athlete) -> dict[str, object]:
        client = Client()
        client.force_login(user)
        answer = client.get("/identity/")
        assert answer.status_code == 200
        return dict(answer.json())

    assert who(coach) == {
        "kind": "staff",
        "roles": ["trainer"],
        "member_id": None,
        "display_name": "Cory Coach",
    }
    assert who(boss)["roles"] == ["owner"]
    assert who(boss)["display_name"] == "boss"
    assert who(root)["roles"] == ["owner"]


def test_a_member_is_linked_by_the_configured_attribute() -> None:
    member_id, _ = _member_with_credits(f"acct-{uuid.uuid4().hex[:8]}")
    ada = Athlete.objects.create_user("ada", sessionpacks_member_id=member_id)
    client = Client()
    client.force_login(ada)
    assert client.get("/identity/").json() == {
        "kind": "member",
        "roles": ["member"],
        "member_id": member_id,
        "display_name": "ada",
    }
    staff_page = client.get("/staff-only/")
    assert staff_page.status_code == 403
    # The office's own 403 page, in the office's words.
    assert "for the studio&#39;s staff" in staff_page.content.decode()
    assert "sp-problem" in staff_page.content.decode()


def test_anonymous_visitors_go_to_the_login_page_with_next() -> None:
    answer = Client().get("/identity/?tab=passes")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=/identity/%3Ftab%3Dpasses"


def test_a_user_without_a_role_gets_a_clear_403() -> None:
    walker = Athlete.objects.create_user("walker")
    client = Client()
    client.force_login(walker)
    answer = client.get("/identity/")
    assert answer.status_code == 403
    shown = answer.content.decode()
    assert "your account has no access to the studio&#39;s pages" in shown
    assert f">{walker.pk}<" not in shown


def test_plugins_named_in_settings_are_registered_and_decide_identity() -> None:
    plugins = {**settings.SESSIONPACKS, "PLUGINS": ["gymsite.gym.plugins.KioskAccounts"]}
    kiosk = Athlete.objects.create_user("kiosk-1")
    with override_settings(SESSIONPACKS=plugins):
        sessionpacks_django.reset()
        try:
            assert sessionpacks_django.studio() is sessionpacks_django.studio()
            client = Client()
            client.force_login(kiosk)
            assert client.get("/identity/").json()["display_name"] == "Check-in kiosk"
        finally:
            sessionpacks_django.reset()
    # Without the plugin the same user has no role.
    client = Client()
    client.force_login(kiosk)
    assert client.get("/identity/").status_code == 403


def test_a_plugin_path_that_does_not_import_is_named() -> None:
    broken = {**settings.SESSIONPACKS, "PLUGINS": ["gymsite.gym.plugins.Nothing"]}
    with override_settings(SESSIONPACKS=broken):
        sessionpacks_django.reset()
        try:
            with pytest.raises(ImproperlyConfigured, match=r"gymsite\.gym\.plugins\.Nothing"):
                sessionpacks_django.studio()
        finally:
            sessionpacks_django.reset()


def test_a_typo_in_settings_fails_when_the_app_gets_ready() -> None:
    typo = {**settings.SESSIONPACKS, "STUDIO_NAM": "Iron Gym"}
    with (
        override_settings(SESSIONPACKS=typo),
        pytest.raises(ImproperlyConfigured, match="did you mean 'STUDIO_NAME'"),
    ):
        apps.get_app_config("sessionpacks_django").ready()


def test_migrate_upgrades_tables_that_a_newer_sessionpacks_extends() -> None:
    # As if the site ran an older sessionpacks: its tables stop at an earlier revision.
    migrate.downgrade(os.environ["GYMSITE_DATABASE_URL"], "0006")
    sessionpacks_django.reset()
    assert _sessionpacks_revision() == "0006"
    call_command("migrate", verbosity=0)
    assert _sessionpacks_revision() == _head()
