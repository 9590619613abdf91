"""Platform-problem tickets: filing from a group or a private chat, the provincial desk, and
the relay of the conversation between them."""

from handlers.tickets.feature import FEATURE

__all__ = ["FEATURE"]
