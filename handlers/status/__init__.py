"""Project status updates: the registry of projects (commands and sheet import), progress
updates read from chat (#进展, /update, step by step in private) with corrections, and the
parser's CLI (``shanlin status parse`` / ``parse-test``)."""

from handlers.status.feature import FEATURE

__all__ = ["FEATURE"]
