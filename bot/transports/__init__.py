"""Framework adapters. Each ``run_polling`` gets ``deliver`` from the composition root: it wraps
the framework's messenger (rate budgets) and runs the outbox sender while the bot polls."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from handlers.core.ports import Messenger

Deliver = Callable[[Messenger], AbstractAsyncContextManager[Messenger]]
