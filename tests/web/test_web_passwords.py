"""Passwords: argon2, length rules, rehashing, and setting them with the CLI from stdin."""

from __future__ import annotations

import sys

import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD, csrf_of
from sqlalchemy import select
from typer.testing import CliRunner

from warroom.cli.main import main
from warroom.core.errors import Invalid
from warroom.users import passwords
from warroom.users.models import User


def _stored_hash(world, email: str) -> str | None:
    with world.runtime.db.read_session() as db:
        return db.scalar(select(User.password_hash).where(User.email == email))


def test_passwords_are_argon2_hashes_with_a_minimum_length(world, web, responder):
    web.set_password(responder)
    stored = _stored_hash(world, responder.email)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with world.runtime.db.write_session() as session:
        ctx = world.runtime.system_context(session)
        user = session.merge(responder.user)
        with pytest.raises(Invalid) as error:
            passwords.set_password(ctx, user, "short pass")  # 10 characters
        assert error.value.field == "password" and "12" in error.value.message
        passwords.set_password(ctx, user, "x" * 12)


def test_an_outdated_hash_is_replaced_on_sign_in(world, web, responder):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with world.runtime.db.write_session() as session:
        session.merge(responder.user).password_hash = weak
    assert web.anonymous().sign_in(responder.email).status_code == 303
    stored = _stored_hash(world, responder.email)
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)
    assert web.anonymous().sign_in(responder.email).status_code == 303


def test_a_user_may_not_set_someone_elses_password(world, responder, admin):
    from warroom.core.errors import Forbidden

    with world.runtime.db.write_session() as session:
        rita, ada = session.merge(responder.user), session.merge(admin.user)
        with pytest.raises(Forbidden):
            passwords.set_password(world.context(session, rita), ada, "a new password 1")
        passwords.set_password(world.context(session, rita), rita, "my own password")
        passwords.set_password(world.context(session, ada), rita, "set by the admin")


def _cli(database_url: str, tmp_path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    env = {"WARROOM_DATABASE_URL": database_url, "WARROOM_DATA_DIR": str(tmp_path), "WARROOM_CONFIG": None,
           "COLUMNS": "200"}
    code = 0
    with CliRunner().isolation(input=input, env=env) as (out, err, _):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        sys.stdout.flush()
        sys.stderr.flush()
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_cli_sets_passwords_from_stdin(world, web, database_url, tmp_path):
    code, out, err = _cli(database_url, tmp_path, "user", "create", "sam@example.com", "--name", "Sam",
                          "--password-stdin", input=PASSWORD + "\n")
    assert code == 0, err
    assert "with a password" in out and PASSWORD not in out + err
    browser = web.anonymous()
    assert browser.sign_in("sam@example.com").status_code == 303
    assert browser.get("/").status_code == 200

    new = "another long passphrase"
    code, out, err = _cli(database_url, tmp_path, "user", "password", "sam@example.com", "--password-stdin",
                          input=new + "\r\n")
    assert code == 0, err
    assert browser.get("/").status_code == 303  # changing the password signed Sam's browsers out
    assert web.anonymous().sign_in("sam@example.com").status_code == 401
    assert web.anonymous().sign_in("sam@example.com", new).status_code == 303


def test_cli_refuses_a_short_password_and_changes_nothing(world, web, database_url, tmp_path):
    code, _, err = _cli(database_url, tmp_path, "user", "create", "tom@example.com", "--name", "Tom",
                        "--password-stdin", input="short\n")
    assert code == 1 and "at least 12 characters" in err
    with world.runtime.db.read_session() as db:
        assert db.scalar(select(User.id).where(User.email == "tom@example.com")) is None
    code, _, err = _cli(database_url, tmp_path, "user", "password", "nobody@example.com", "--password-stdin",
                        input=PASSWORD + "\n")
    assert code == 1 and "no such user" in err


def test_cli_prints_an_invite_link_that_works_once(world, web, database_url, tmp_path):
    code, _, err = _cli(database_url, tmp_path, "user", "create", "ina@example.com", "--name", "Ina")
    assert code == 0, err
    code, out, err = _cli(database_url, tmp_path, "user", "invite", "ina@example.com", "--base-url",
                          "https://warroom.example.com/")
    assert code == 0, err
    link = out.strip()
    assert link.startswith("https://warroom.example.com/invite/") and "\n" not in link
    path = link.removeprefix("https://warroom.example.com")
    browser = web.anonymous()
    form = browser.get(path)
    assert form.status_code == 200 and "Welcome, Ina" in form.text
    done = browser.post(path, {"csrf_token": csrf_of(form.text), "password": PASSWORD, "repeat_password": PASSWORD})
    assert done.status_code == 303
    assert web.anonymous().get(path).status_code == 410
    code, _, err = _cli(database_url, tmp_path, "user", "invite", "nobody@example.com")
    assert code == 1 and "nobody@example.com" in err
