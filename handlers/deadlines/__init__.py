"""Deadlines: coordinators set deadlines; reminders reach the groups on time, once."""

from handlers.deadlines.feature import FEATURE

__all__ = ["FEATURE"]
