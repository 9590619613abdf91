"""The rate budgets hold under any mix of traffic, on virtual time (no test sleeps for real)."""

from __future__ import annotations

import random
from collections import defaultdict

from handlers.core.model import AnswerCallback, BotInfo, Delivered, Outgoing, SendMessage
from handlers.core.ports import SendError
from handlers.core.ratelimit import RateLimitedMessenger, RateLimiter
from tests.support.virtual_time import VirtualTime

EPSILON = 1e-9


def most_in_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` inside any half-open window of this length."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window - EPSILON:
            start += 1
        best = max(best, end - start + 1)
    return best


async def send_all(
    time: VirtualTime, limiter: RateLimiter, chats: list[int]
) -> list[tuple[int, float]]:
    sent: list[tuple[int, float]] = []

    async def one(chat_id: int) -> None:
        await limiter.acquire(chat_id)
        sent.append((chat_id, time.now))

    await time.run(*(one(chat) for chat in chats))
    return sent


async def test_budgets_are_never_exceeded_under_mixed_traffic() -> None:
    time = VirtualTime()
    limiter = RateLimiter(time.clock, time.sleep)
    rng = random.Random(4)
    privates = list(range(1001, 1011))
    groups = [-4000 - i for i in range(30)]
    broadcast = [-9000 - i for i in range(300)]
    chats = [rng.choice(privates + groups) for _ in range(600)] + broadcast
    rng.shuffle(chats)

    sent = await send_all(time, limiter, chats)

    assert len(sent) == len(chats)
    assert most_in_window([t for _, t in sent], 1.0) <= 25
    by_chat: dict[int, list[float]] = defaultdict(list)
    for chat_id, t in sent:
        by_chat[chat_id].append(t)
    for chat_id, times in by_chat.items():
        assert most_in_window(times, 1.0) <= 1, chat_id
        if chat_id < 0:
            assert most_in_window(times, 60.0) <= 18, chat_id
            assert most_in_window(times, 10.0) <= 5, chat_id  # 3 at once, then 1 per 4 s


async def test_a_broadcast_to_500_groups_goes_at_the_overall_budget() -> None:
    time = VirtualTime()
    limiter = RateLimiter(time.clock, time.sleep)

    sent = await send_all(time, limiter, [-1000 - i for i in range(500)])

    assert most_in_window([t for _, t in sent], 1.0) <= 25
    assert max(t for _, t in sent) <= 500 / 25  # and no slower than the budget


async def test_a_429_in_a_busy_chat_pauses_only_that_chat() -> None:
    time = VirtualTime()
    limiter = RateLimiter(time.clock, time.sleep, jitter=lambda: 0.2)
    await send_all(time, limiter, [-1, -1])  # the group had messages: its own limit is plausible
    limiter.too_many_requests(-1, retry_after=10)
    paused_at = time.now

    sent = dict(await send_all(time, limiter, [-1, -2]))

    assert sent[-2] < paused_at + 1
    assert sent[-1] >= paused_at + 10.2


async def test_a_429_in_a_quiet_chat_pauses_everything() -> None:
    time = VirtualTime()
    limiter = RateLimiter(time.clock, time.sleep, jitter=lambda: 0.2)
    await send_all(time, limiter, [-1])  # one message only: only the overall limit was hit
    limiter.too_many_requests(-1, retry_after=3)
    paused_at = time.now

    sent = await send_all(time, limiter, [-2, 1005])

    assert min(t for _, t in sent) >= paused_at + 3.2


class FloodedMessenger:
    """Answers the first message with 429, then accepts everything."""

    def __init__(self) -> None:
        self.performed: list[Outgoing] = []
        self.refused = False

    async def bot_info(self) -> BotInfo:
        return BotInfo(1, "bot")

    async def perform(self, action: Outgoing) -> Delivered:
        if isinstance(action, SendMessage) and not self.refused:
            self.refused = True
            raise SendError("Too Many Requests: retry after 2", permanent=False, retry_after=2)
        self.performed.append(action)
        return Delivered(1)


async def test_direct_replies_wait_out_a_429_and_button_answers_are_not_counted() -> None:
    time = VirtualTime()
    limiter = RateLimiter(time.clock, time.sleep, jitter=lambda: 0.1)
    inner = FloodedMessenger()
    messenger = RateLimitedMessenger(inner, limiter)

    await time.run(messenger.perform(SendMessage(1001, "您好")))
    answered_at = time.now
    await time.run(*(messenger.perform(AnswerCallback(f"cb{i}")) for i in range(50)))

    assert [type(a) for a in inner.performed] == [SendMessage] + [AnswerCallback] * 50
    assert answered_at >= 2.1
    assert time.now == answered_at  # answering button presses waited for no budget
