"""Settings: environment variables, the WARROOM_CONFIG TOML file, precedence and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.core.config import load_settings
from warroom.core.errors import ConfigError
from warroom.core.runtime import Runtime
from warroom.incidents.policy import DEFAULT_POLICY_TOML


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_variables(tmp_path):
    policy = write(tmp_path / "policy.toml", DEFAULT_POLICY_TOML)
    settings = load_settings({
        "WARROOM_DATABASE_URL": "postgresql+psycopg://u:p@db.internal/warroom",
        "WARROOM_DATA_DIR": str(tmp_path / "data"),
        "WARROOM_POLICY": str(policy),
        "WARROOM_URL": "https://warroom.example.com/",
        "WARROOM_TOKEN": "wr_secret",
    })
    assert settings.database_url == "postgresql+psycopg://u:p@db.internal/warroom"
    assert settings.data_dir == tmp_path / "data"
    assert settings.policy_file == policy
    assert settings.url == "https://warroom.example.com"  # trailing slash dropped
    assert settings.token == "wr_secret"
    assert settings.source["database_url"] == "WARROOM_DATABASE_URL"


def test_defaults_with_only_a_data_dir(tmp_path):
    settings = load_settings({"WARROOM_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'warroom.sqlite3'}"
    assert settings.policy_file is None
    assert settings.url == "http://127.0.0.1:8000"
    assert settings.token is None
    assert settings.source == {"data_dir": "WARROOM_DATA_DIR"}


def test_default_data_dir_follows_xdg_data_home(tmp_path):
    settings = load_settings({"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert settings.data_dir == tmp_path / "xdg" / "warroom"
    assert settings.database_url == f"sqlite:///{tmp_path / 'xdg' / 'warroom' / 'warroom.sqlite3'}"


def test_default_data_dir_without_xdg_is_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings({})
    assert settings.data_dir == tmp_path / ".local" / "share" / "warroom"
    assert settings.database_url.endswith("/.local/share/warroom/warroom.sqlite3")


def test_data_dir_beats_xdg(tmp_path):
    settings = load_settings({"XDG_DATA_HOME": str(tmp_path / "xdg"), "WARROOM_DATA_DIR": str(tmp_path / "d")})
    assert settings.data_dir == tmp_path / "d"


def test_empty_variables_are_ignored(tmp_path):
    settings = load_settings({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_URL": "", "WARROOM_POLICY": ""})
    assert settings.url == "http://127.0.0.1:8000" and settings.policy_file is None


def test_plain_postgresql_urls_get_the_psycopg_driver(tmp_path):
    settings = load_settings({"WARROOM_DATA_DIR": str(tmp_path),
                              "WARROOM_DATABASE_URL": "postgresql://u:s3cret@db/warroom"})
    assert settings.database_url == "postgresql+psycopg://u:s3cret@db/warroom"


def test_a_config_file(tmp_path):
    policy = write(tmp_path / "policy.toml", DEFAULT_POLICY_TOML)
    config = write(tmp_path / "warroom.toml", f"""
database_url = "sqlite:///{tmp_path / 'file.sqlite3'}"
data_dir = "{tmp_path / 'from-file'}"
policy_file = "{policy}"
url = "https://incidents.example.org"
token = "wr_from_file"
""")
    settings = load_settings({"WARROOM_CONFIG": str(config)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'file.sqlite3'}"
    assert settings.data_dir == tmp_path / "from-file"
    assert settings.policy_file == policy
    assert settings.url == "https://incidents.example.org"
    assert settings.token == "wr_from_file"
    assert set(settings.source.values()) == {"WARROOM_CONFIG"}


def test_environment_beats_the_config_file(tmp_path):
    config = write(tmp_path / "warroom.toml", f"""
data_dir = "{tmp_path / 'from-file'}"
url = "https://from-file.example.org"
token = "wr_file"
""")
    settings = load_settings({"WARROOM_CONFIG": str(config), "WARROOM_URL": "http://from-env:9000",
                              "WARROOM_DATA_DIR": str(tmp_path / "from-env")})
    assert settings.url == "http://from-env:9000"
    assert settings.data_dir == tmp_path / "from-env"
    assert settings.database_url == f"sqlite:///{tmp_path / 'from-env' / 'warroom.sqlite3'}"
    assert settings.token == "wr_file"
    assert settings.source == {"url": "WARROOM_URL", "data_dir": "WARROOM_DATA_DIR", "token": "WARROOM_CONFIG"}


def errors(env: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    return caught.value


@pytest.mark.parametrize("url", ["mysql://u:p@localhost/warroom", "oracle://scott:tiger@db/orcl"])
def test_an_unknown_database_driver_is_refused(tmp_path, url):
    error = errors({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_DATABASE_URL": url})
    assert error.setting == "WARROOM_DATABASE_URL"
    assert str(error).startswith("WARROOM_DATABASE_URL: unsupported database")
    assert "postgresql+psycopg://" in str(error)


def test_a_postgresql_driver_we_do_not_ship_is_refused(tmp_path):
    error = errors({"WARROOM_DATA_DIR": str(tmp_path),
                    "WARROOM_DATABASE_URL": "postgresql+psycopg2://u:p@localhost/warroom"})
    assert error.setting == "WARROOM_DATABASE_URL"
    assert "'postgresql+psycopg2' is not shipped; use postgresql+psycopg://" in str(error)


def test_a_database_url_that_is_not_a_url(tmp_path):
    error = errors({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_DATABASE_URL": "just some words"})
    assert error.setting == "WARROOM_DATABASE_URL" and "not a database URL" in str(error)


def test_a_missing_policy_file(tmp_path):
    error = errors({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_POLICY": str(tmp_path / "nope.toml")})
    assert error.setting == "WARROOM_POLICY"
    assert "policy file not found" in str(error) and "nope.toml" in str(error)


@pytest.mark.parametrize("url", ["warroom.example.com", "ftp://warroom.example.com"])
def test_a_bad_url(tmp_path, url):
    error = errors({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_URL": url})
    assert error.setting == "WARROOM_URL"
    assert "must start with http:// or https://" in str(error) and url in str(error)


def test_an_unknown_key_in_the_config_file(tmp_path):
    config = write(tmp_path / "warroom.toml", 'url = "http://x"\ndatabase = "sqlite:///x"\n')
    error = errors({"WARROOM_CONFIG": str(config)})
    assert error.setting == "WARROOM_CONFIG"
    assert "unknown setting 'database'" in str(error) and "database_url" in str(error)


def test_a_config_file_value_of_the_wrong_type(tmp_path):
    config = write(tmp_path / "warroom.toml", "url = 8000\n")
    error = errors({"WARROOM_CONFIG": str(config)})
    assert error.setting == "url" and "must be a string" in str(error) and "int" in str(error)


def test_a_config_file_that_is_missing_or_not_toml(tmp_path):
    assert "file not found" in str(errors({"WARROOM_CONFIG": str(tmp_path / "absent.toml")}))
    config = write(tmp_path / "warroom.toml", "url = \n")
    error = errors({"WARROOM_CONFIG": str(config)})
    assert error.setting == "WARROOM_CONFIG" and "is not valid TOML" in str(error)


def test_a_data_dir_that_is_a_file(tmp_path):
    target = write(tmp_path / "file", "")
    error = errors({"WARROOM_DATA_DIR": str(target)})
    assert error.setting == "WARROOM_DATA_DIR" and "is not a directory" in str(error)


def test_a_bad_policy_file_stops_the_runtime_from_starting(tmp_path):
    policy = write(tmp_path / "policy.toml", DEFAULT_POLICY_TOML.replace('"15m"', '"quickly"'))
    settings = load_settings({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_POLICY": str(policy)})
    with pytest.raises(ConfigError, match=r"severities\[SEV2\]\.response_target: 'quickly'"):
        Runtime.from_settings(settings)


def test_the_runtime_loads_the_policy_file(tmp_path):
    policy = write(tmp_path / "policy.toml", DEFAULT_POLICY_TOML.replace('name = "SEV4"', 'name = "SEV5"'))
    settings = load_settings({"WARROOM_DATA_DIR": str(tmp_path), "WARROOM_POLICY": str(policy)})
    runtime = Runtime.from_settings(settings)
    try:
        assert runtime.policy.names == ["SEV1", "SEV2", "SEV3", "SEV5"]
        assert runtime.db.dialect == "sqlite"
    finally:
        runtime.db.dispose()


def test_smtp_and_outbox_settings(tmp_path):
    from datetime import timedelta

    from warroom.core.config import load_settings as load

    base = {"WARROOM_DATA_DIR": str(tmp_path)}
    assert load(base).smtp is None and load(base).outbox_max_age == timedelta(hours=24)
    settings = load({**base, "WARROOM_SMTP_HOST": "mail.example.com", "WARROOM_SMTP_PORT": "2525",
                     "WARROOM_SMTP_STARTTLS": "no", "WARROOM_SMTP_FROM": "ops@example.com",
                     "WARROOM_OUTBOX_MAX_AGE": "2h"})
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.starttls) == ("mail.example.com", 2525, False)
    assert settings.outbox_max_age == timedelta(hours=2)
    assert "password" not in repr(settings.smtp) or "None" in repr(settings.smtp)
    for name, value in (("WARROOM_SMTP_PORT", "smtp"), ("WARROOM_SMTP_STARTTLS", "maybe"),
                        ("WARROOM_SMTP_FROM", "nobody"), ("WARROOM_OUTBOX_MAX_AGE", "soon")):
        with pytest.raises(ConfigError) as refused:
            load({**base, "WARROOM_SMTP_HOST": "mail.example.com", name: value})
        assert refused.value.setting == name
