"""Settings from the environment or a ``.env`` file (pydantic-settings).

A bad or missing value stops the process with one line naming the variable (exit status 2).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers.core.config import CoreConfig

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///shanlin.sqlite3"
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class SettingsError(Exception):
    """One line for the operator, naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, alias="BOT_TOKEN")
    framework: Literal["aiogram", "ptb"] = Field(default="aiogram", alias="SHANLIN_FRAMEWORK")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    telegram_api_base: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_BASE")
    # every Bot API call and file download goes through it: http://… or socks5://…
    telegram_proxy: SecretStr | None = Field(default=None, alias="TELEGRAM_PROXY")
    provincial_admins: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="PROVINCIAL_ADMINS"
    )
    desk_chat_id: int | None = Field(default=None, alias="DESK_CHAT_ID")
    timezone: str = Field(default="Asia/Shanghai", alias="TIMEZONE")
    # a deadline written as a date alone (6月30日) means this time of that day
    end_of_day: time = Field(default=time(18, 0), alias="DEADLINE_END_OF_DAY")
    # the provincial desk's working hours on working days: ticket service levels count them
    desk_hours: str = Field(default="09:00-18:00", alias="DESK_HOURS")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits:letters)")
        return value

    @field_validator("framework", mode="before")
    @classmethod
    def _framework_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            if value.startswith(("postgres://", "postgresql://")):
                return "postgresql+asyncpg://" + value.split("://", 1)[1]
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, e.g. http://127.0.0.1:8081")
        return value.rstrip("/")

    @field_validator("telegram_proxy", mode="before")
    @classmethod
    def _proxy(cls, value: object) -> object:
        if isinstance(value, str | SecretStr):
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if not text.strip():
                return None
            check_proxy_url(text.strip())
            return text.strip()
        return value

    @field_validator("provincial_admins", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value) if p]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 1234,5678")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("end_of_day", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        if isinstance(value, str) and not re.fullmatch(r"\s*\d{1,2}:\d{2}\s*", value):
            raise ValueError("must be a time of day like 18:00")
        return value

    @field_validator("desk_hours")
    @classmethod
    def _desk_hours(cls, value: str) -> str:
        if not re.fullmatch(r"\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*", value):
            raise ValueError("must be opening and closing times like 09:00-18:00")
        try:
            opens, closes = _hours(value)
        except ValueError as error:
            raise ValueError("must be opening and closing times like 09:00-18:00") from error
        if not opens < closes:
            raise ValueError("must open before it closes, e.g. 09:00-18:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("is not a known time zone, e.g. Asia/Shanghai") from error
        return value

    def core_config(self) -> CoreConfig:
        return CoreConfig(
            self.provincial_admins,
            ZoneInfo(self.timezone),
            self.desk_chat_id,
            self.end_of_day,
            _hours(self.desk_hours),
        )

    def proxy(self) -> str | None:
        """The proxy URL for Telegram (with its password: never log it; see proxy_display)."""
        return self.telegram_proxy.get_secret_value() if self.telegram_proxy else None

    def token(self) -> str:
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN is not set: get a token from @BotFather (see README)")
        return self.bot_token.get_secret_value()


def _hours(text: str) -> tuple[time, time]:
    """(09:00, 18:00) from "09:00-18:00"."""
    opens, closes = (time.fromisoformat(part.strip().zfill(5)) for part in text.split("-"))
    return opens, closes


PROXY_SCHEMES = ("http", "socks5")


def check_proxy_url(url: str) -> None:
    """ValueError unless ``url`` is http:// or socks5:// with a host and a port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        port = None
        parts = urlsplit("")
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname or port is None:
        raise ValueError(
            "must be http://[user:password@]host:port or socks5://[user:password@]host:port"
        )


def proxy_display(url: str) -> str:
    """The proxy URL as it may be logged: its password hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or SettingsError naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]) if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        if variable == "bot_token" or variable == "BOT_TOKEN":
            raise SettingsError(f"BOT_TOKEN: {message}") from None
        raise SettingsError(f"{variable}: {message}") from None
