"""Logging set-up. The bot token (and the proxy's password) never reaches a log line: HTTP
client loggers that print request URLs (which contain the token) are quietened, and every
formatted line, tracebacks included, is scrubbed of the secrets."""

from __future__ import annotations

import logging

# Loggers that print full request URLs at INFO (python-telegram-bot's httpx, aiohttp's access).
_URL_LOGGERS = ("httpx", "httpcore", "aiohttp.access")
# APScheduler logs every run of the once-a-second reminder job at INFO, aiogram every update
# handled ("Update id=… is handled. Duration … ms": a formatted line per message under load;
# the core logs each update's time at DEBUG, and a slow one as a WARNING, on both frameworks).
_CHATTY_LOGGERS = ("apscheduler.executors.default", "apscheduler.scheduler", "aiogram.event")


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: tuple[str, ...]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self._secrets:
            line = line.replace(secret, "<hidden>")
        return line


def setup_logging(level: int = logging.INFO, *secrets: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in (*_URL_LOGGERS, *_CHATTY_LOGGERS):
        logging.getLogger(name).setLevel(logging.WARNING)
