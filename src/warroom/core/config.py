"""Settings from environment variables, optionally from a TOML file named by WARROOM_CONFIG.

Environment variables win over the file. Every problem is reported at start, naming the setting.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from warroom.core.errors import ConfigError

# setting name in the TOML file -> environment variable
SETTINGS = {
    "database_url": "WARROOM_DATABASE_URL",
    "data_dir": "WARROOM_DATA_DIR",
    "policy_file": "WARROOM_POLICY",
    "url": "WARROOM_URL",
    "token": "WARROOM_TOKEN",
    "smtp_host": "WARROOM_SMTP_HOST",
    "smtp_port": "WARROOM_SMTP_PORT",
    "smtp_user": "WARROOM_SMTP_USER",
    "smtp_password": "WARROOM_SMTP_PASSWORD",
    "smtp_starttls": "WARROOM_SMTP_STARTTLS",
    "smtp_from": "WARROOM_SMTP_FROM",
    "outbox_max_age": "WARROOM_OUTBOX_MAX_AGE",
}
BOOLEANS = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False,
            "off": False}
SUPPORTED_DRIVERS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    sender: str = "warroom@localhost"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    policy_file: Path | None = None
    url: str = "http://127.0.0.1:8000"
    token: str | None = None
    smtp: SmtpSettings | None = None
    outbox_max_age: timedelta = timedelta(hours=24)
    source: dict[str, str] = field(default_factory=dict, compare=False)


def default_data_dir(env: dict[str, str]) -> Path:
    xdg = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "warroom"


def _read_config_file(path_text: str) -> dict[str, str]:
    path = Path(path_text).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("WARROOM_CONFIG", f"file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("WARROOM_CONFIG", f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(SETTINGS))
    if unknown:
        raise ConfigError(
            "WARROOM_CONFIG",
            f"unknown setting {unknown[0]!r} in {path}; allowed: {', '.join(SETTINGS)}",
        )
    for key, value in data.items():
        if not isinstance(value, str):
            raise ConfigError(key, f"must be a string in {path}, got {type(value).__name__}")
    return data


def validate_database_url(url: str) -> str:
    # Imported here so the CLI's client commands, which never open a database, start quickly.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("WARROOM_DATABASE_URL", f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() not in SUPPORTED_DRIVERS:
        raise ConfigError(
            "WARROOM_DATABASE_URL",
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DB",
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername not in (
            "postgresql", "postgresql+psycopg"):
        raise ConfigError("WARROOM_DATABASE_URL",
                          f"driver {parsed.drivername!r} is not shipped; use postgresql+psycopg://")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain postgresql:// would pick psycopg2, which we do not ship; psycopg 3 is the driver.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    values: dict[str, str] = {}
    source: dict[str, str] = {}
    if env.get("WARROOM_CONFIG"):
        for key, value in _read_config_file(env["WARROOM_CONFIG"]).items():
            values[key], source[key] = value, "WARROOM_CONFIG"
    for key, var in SETTINGS.items():
        if env.get(var):
            values[key], source[key] = env[var], var

    data_dir = Path(values["data_dir"]).expanduser() if "data_dir" in values else default_data_dir(env)
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError("WARROOM_DATA_DIR", f"{data_dir} exists and is not a directory")

    database_url = values.get("database_url") or f"sqlite:///{data_dir / 'warroom.sqlite3'}"
    database_url = validate_database_url(database_url)

    policy_file = None
    if values.get("policy_file"):
        policy_file = Path(values["policy_file"]).expanduser()
        if not policy_file.is_file():
            raise ConfigError("WARROOM_POLICY", f"policy file not found: {policy_file}")

    url = values.get("url", "http://127.0.0.1:8000").rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError("WARROOM_URL", f"must start with http:// or https://, got {url!r}")

    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        policy_file=policy_file,
        url=url,
        token=values.get("token"),
        smtp=_smtp(values),
        outbox_max_age=_duration(values.get("outbox_max_age", "24h"), "WARROOM_OUTBOX_MAX_AGE"),
        source=source,
    )


def _duration(text: str, setting: str) -> timedelta:
    from warroom.incidents.policy import parse_duration

    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise ConfigError(setting, str(exc)) from None
    if value <= timedelta(0):
        raise ConfigError(setting, "must be longer than zero")
    return value


def _smtp(values: dict[str, str]) -> SmtpSettings | None:
    """Outgoing mail: None (mail messages wait, then dead-letter) until WARROOM_SMTP_HOST is set."""
    if not values.get("smtp_host"):
        return None
    port_text = values.get("smtp_port", "587")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("WARROOM_SMTP_PORT", f"must be a port number, got {port_text!r}")
    starttls_text = values.get("smtp_starttls", "true").strip().lower()
    if starttls_text not in BOOLEANS:
        raise ConfigError("WARROOM_SMTP_STARTTLS", f"must be true or false, got {starttls_text!r}")
    sender = values.get("smtp_from", "warroom@localhost")
    if "@" not in sender:
        raise ConfigError("WARROOM_SMTP_FROM", f"must be an e-mail address, got {sender!r}")
    return SmtpSettings(host=values["smtp_host"], port=int(port_text), user=values.get("smtp_user"),
                        password=values.get("smtp_password"), starttls=BOOLEANS[starttls_text],
                        sender=sender)
