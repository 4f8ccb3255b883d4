from sqlalchemy import func, select

from portal.demo.commands import seed_demo
from portal.members.commands import create_user
from portal.members.models import Member, MemberStatus, Role


def test_create_user_makes_a_member_who_can_log_in(app, db_session, client):
    result = app.test_cli_runner().invoke(
        create_user,
        [
            "--email",
            "new@example.org",
            "--role",
            "entrepreneur",
            "--status",
            "salarie",
            "--password",
            "a long enough password",
            "--hours-per-week",
            "24",
            "--hourly-rate",
            "14,50",
            "--activity",
            "Traduction",
        ],
    )
    assert result.exit_code == 0, result.output
    member = db_session.scalar(select(Member).where(Member.email == "new@example.org"))
    assert member.status is MemberStatus.EMPLOYEE
    assert member.hourly_gross_rate_cents == 1450
    assert [activity.name for activity in member.activities] == ["Traduction"]
    response = client.post(
        "/login", data={"email": "new@example.org", "password": "a long enough password"}
    )
    assert response.status_code == 303


def test_create_user_refuses_a_duplicate_email_with_exit_code_2(app, entrepreneur):
    result = app.test_cli_runner().invoke(
        create_user, ["--email", entrepreneur.email, "--password", "a long enough password"]
    )
    assert result.exit_code == 2
    assert "Un membre utilise déjà cette adresse e-mail." in result.output


def test_create_user_refuses_bad_numbers_with_exit_code_2(app):
    for option, value in (
        ("--hours-per-week", "60"),
        ("--hours-per-week", "lots"),
        ("--hourly-rate", "-3"),
        ("--monthly-gross", "0"),
        ("--monthly-gross", "a lot"),
    ):
        result = app.test_cli_runner().invoke(
            create_user,
            ["--email", "x@example.org", "--password", "a long enough password", option, value],
        )
        assert result.exit_code == 2, (option, value, result.output)


def test_create_user_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(
        create_user, ["--email", "x@example.org", "--password", "short"]
    )
    assert result.exit_code == 2


def test_staff_have_no_status(app):
    result = app.test_cli_runner().invoke(
        create_user,
        [
            "--email",
            "s@example.org",
            "--role",
            "staff",
            "--status",
            "salarie",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 2


def test_seed_demo_is_safe_to_run_twice(app, db_session):
    runner = app.test_cli_runner()
    assert runner.invoke(seed_demo).exit_code == 0
    assert runner.invoke(seed_demo).exit_code == 0
    emails = set(db_session.scalars(select(Member.email)))
    assert {
        "admin@demo.coop",
        "equipe@demo.coop",
        "camille@demo.coop",
        "leo@demo.coop",
        "sam@demo.coop",
    } <= emails
    assert (
        db_session.scalar(
            select(func.count()).select_from(Member).where(Member.email == "camille@demo.coop")
        )
        == 1
    )
    camille = db_session.scalar(select(Member).where(Member.email == "camille@demo.coop"))
    assert camille.status is MemberStatus.EMPLOYEE
    assert camille.contract_hours_per_week == 24
    assert sorted(a.name for a in camille.activities) == ["Cours d'anglais", "Traduction"]
    roles = dict(db_session.execute(select(Member.email, Member.role)).all())
    assert roles["equipe@demo.coop"] is Role.STAFF and roles["admin@demo.coop"] is Role.ADMIN


def test_create_user_with_a_fixed_monthly_gross(app, db_session):
    result = app.test_cli_runner().invoke(
        create_user,
        [
            *("--email", "fixed@example.org", "--password", "a long enough password"),
            *("--status", "salarie", "--monthly-gross", "1900,50"),
        ],
    )
    assert result.exit_code == 0, result.output
    member = db_session.scalar(select(Member).where(Member.email == "fixed@example.org"))
    assert member.contract_monthly_gross_cents == 190_050


def test_each_modules_commands_are_at_the_top_of_the_portal_program(app):
    """Modules register their own commands (a blueprint each), under the names the README
    gives: `portal create-user`, not `portal members create-user`."""
    documented = {
        "init-db",
        "seed-demo",
        "create-user",
        "simulate-salary",
        "deliver-mail",
        "create-api-client",
        "list-api-clients",
        "revoke-api-client",
    }
    assert documented <= set(app.cli.commands)
    result = app.test_cli_runner().invoke(args=["list-api-clients"])
    assert result.exit_code == 0, result.output
