"""Settings from the environment or a ``.env`` file (pydantic-settings).

A bad or missing value stops the process with one line naming the variable (exit status 2).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
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
    provincial_admins: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="PROVINCIAL_ADMINS"
    )
    desk_chat_id: int | None = Field(default=None, alias="DESK_CHAT_ID")
    timezone: str = Field(default="Asia/Shanghai", alias="TIMEZONE")
    # a deadline written as a date alone (6月30日) means this time of that day
    end_of_day: time = Field(default=time(18, 0), alias="DEADLINE_END_OF_DAY")

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
            self.provincial_admins, ZoneInfo(self.timezone), self.desk_chat_id, self.end_of_day
        )

    def token(self) -> str:
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN is not set: get a token from @BotFather (see README)")
        return self.bot_token.get_secret_value()


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
