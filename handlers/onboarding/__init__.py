"""First contact: /start, /whoami (the core itself answers /help)."""

from handlers.onboarding.commands import FEATURE

__all__ = ["FEATURE"]
