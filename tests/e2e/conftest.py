"""What the end-to-end tests share: a fresh fake Bot API server for each test (a file may
override ``api`` to serve with other settings, as the ticket tests do)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import TOKEN
from tests.support.fake_bot_api import FakeBotAPI


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, bot_username="shanlin_test_bot") as server:
        yield server
