"""Users and roles as data (schema 7): ``safet user`` and the argon2 hashes behind the login."""

from __future__ import annotations

import io
import sqlite3

import pytest

from safet_tui.cli.main import main
from safet_tui.service.errors import ServiceError
from safet_tui.service.users import Person, Users


@pytest.fixture
def users(tmp_path):
    u = Users(str(tmp_path / "team.db"))
    yield u
    u.close()


def test_a_user_logs_in_with_their_secret_only_and_it_is_stored_hashed(users, tmp_path):
    users.add("ana", "seller", "correct horse", accounts=("Northwind Goods",))
    users.add("ivan", "amazon", "investigator 7")
    assert users.check("ana", "correct horse") == Person("ana", "seller", ("Northwind Goods",))
    assert users.check("ivan", "investigator 7") == Person("ivan", "amazon")
    assert users.check("ana", "investigator 7") is None
    assert users.check("nobody", "correct horse") is None
    assert users.check("ana'; --", "x") is None
    stored = sqlite3.connect(tmp_path / "team.db").execute("SELECT secret_hash FROM desk_user").fetchall()
    assert all(h.startswith("$argon2id$") and "correct horse" not in h for (h,) in stored)


def test_names_roles_and_secrets_are_checked(users):
    with pytest.raises(ServiceError, match="role 'root'"):
        users.add("ana", "root", "correct horse")
    with pytest.raises(ServiceError, match="not allowed"):
        users.add("../etc", "seller", "correct horse")  # names become folder names
    with pytest.raises(ServiceError, match="too short"):
        users.add("ana", "seller", "short")
    users.add("ana", "seller", "correct horse")
    with pytest.raises(ServiceError, match="already a user ana"):
        users.add("ana", "amazon", "correct horse")


def test_passwd_and_remove(users):
    users.add("ana", "seller", "correct horse")
    users.set_secret("ana", "battery staple")
    assert users.check("ana", "correct horse") is None and users.check("ana", "battery staple")
    users.remove("ana")
    assert users.check("ana", "battery staple") is None and users.all() == []
    with pytest.raises(ServiceError, match="no user ana"):
        users.remove("ana")


def test_the_user_command_reads_a_password_from_stdin_or_makes_a_token(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "team.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main(["--db", db, "--create", "user", "add", "ana", "--role", "amazon"]) == 0
    assert main(["user", "add", "bot", "--token", "--db", db]) == 0
    token = capsys.readouterr().out.split("(shown once): ")[1].strip()
    assert main(["user", "list", "--db", db]) == 0
    assert capsys.readouterr().out.splitlines() == ["ana\tamazon\t(all accounts)", "bot\tseller\t(all accounts)"]
    users = Users(db)
    try:
        assert users.check("ana", "correct horse").role == "amazon" and users.check("bot", token)
    finally:
        users.close()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "passwd", "ana", "--db", db]) == 1
    assert "no password on standard input" in capsys.readouterr().err
    assert main(["user", "remove", "ghost", "--db", db]) == 1
    assert "there is no user ghost" in capsys.readouterr().err


def test_on_postgresql_you_are_who_you_log_in_as():
    from safet_tui.service.users import identity_on_server, server_login

    assert server_login("postgresql://ana:pw@db.example/team", {}) == "ana"
    assert server_login("postgresql://db.example/team", {"PGUSER": "ivan"}) == "ivan"
    ana, ivan = Person("ana", "seller"), Person("ivan", "amazon")
    assert identity_on_server("ana", None, "seller", ana) == "ana"
    assert identity_on_server("ivan", "ivan", "amazon", ivan) == "ivan"
    with pytest.raises(ServiceError, match=r"you are who you log in as \(ana\): --user ivan does not apply"):
        identity_on_server("ana", "ivan", "seller", ivan)
    with pytest.raises(ServiceError, match="ana may not act as amazon"):
        identity_on_server("ana", None, "amazon", ana)
    with pytest.raises(ServiceError, match="may not act as amazon"):
        identity_on_server("team", None, "amazon", None)  # a login that is no user: seller at most
    # a desk safet serve started acts as the visitor it names, within that user's role
    assert identity_on_server("safet_server", "ivan", "amazon", ivan, served=True) == "ivan"
    with pytest.raises(ServiceError):
        identity_on_server("safet_server", "ana", "amazon", ana, served=True)
