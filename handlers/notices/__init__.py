"""Notices: coordinators broadcast to groups; 收到 confirmations and delivery reports."""

from handlers.notices.feature import FEATURE

__all__ = ["FEATURE"]
