"""The features this bot runs, in the order /help and the menus list their commands.
A new feature is its package under handlers/ plus one line here."""

from __future__ import annotations

from handlers import deadlines, faq, groups, notices, onboarding, roles, status, tickets
from handlers.core.feature import Feature

FEATURES: tuple[Feature, ...] = (
    onboarding.FEATURE,
    groups.FEATURE,
    roles.FEATURE,
    faq.FEATURE,
    notices.FEATURE,
    deadlines.FEATURE,
    tickets.FEATURE,
    status.FEATURE,
)
