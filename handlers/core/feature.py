"""What a feature package offers the core. Each feature exports one ``FEATURE``; the
composition root lists them once and ``collect`` checks that they fit together.

A feature plugs in through:
- ``commands`` and ``callbacks`` (button data ``prefix:rest``, routed by prefix);
- ``on_text``: plain messages, each handler at a declared ``TextStage`` (one per stage);
- ``on_edit``: an edited message (True if it handled it: no other feature is asked);
- ``trackers``: told the Telegram message id of a direct reply sent with ``track=(kind, ref)``;
- ``on_settled``: told when deliveries it queued for one reference were all sent, failed or
  cancelled (``Delivery.feature`` / ``Delivery.ref``);
- ``jobs``: scheduled runs (a fixed id, a period, a function, and optionally when the next
  run will have work);
- ``on_start``: run once when the application starts (load data, provide a service);
- ``help_note``: a line under /help for the person asking (a setup still to do), or None.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from handlers.core.commands import Command, HelpNote
from handlers.core.context import Context, CoreConfig, Services
from handlers.core.model import CallbackPress, IncomingMessage
from handlers.core.ports import Clock
from storage.uow import SessionFactory, UnitOfWork

# A button press; gets the callback data after "prefix:".
CallbackHandler = Callable[[Context, CallbackPress, str], Awaitable[None]]
# A message that is not a command (text or caption); returns True if it handled it.
TextHandler = Callable[[Context, IncomingMessage], Awaitable[bool]]
# Whether a plain message is one a text route always writes for (a cheap look at its text).
WritesFor = Callable[[IncomingMessage], bool]
# Told the Telegram message id of something the bot sent with ``track=(kind, ref)``.
Tracker = Callable[[UnitOfWork, int, int], Awaitable[None]]
# Told (unit of work, reference, now) once a reference's queued deliveries have all settled;
# told again for recent references at start, so it must be safe to call more than once.
SettledHandler = Callable[[UnitOfWork, int, datetime], Awaitable[None]]


class TextStage(IntEnum):
    """Who looks at a plain message first: the lowest stage whose handler takes it wins.
    Each feature declares its stage; two features at one stage stop the start."""

    TAGGED = 10  # the writer tagged the message (#求助): the tag's feature
    PROGRESS = 15  # a progress update (#进展, or the next step of one begun in private)
    ACKNOWLEDGEMENT = 20  # 收到 / 已阅 confirming something the bot delivered
    QUESTION = 30  # a question the FAQ may answer
    REPORT = 40  # what is left, e.g. a problem report worth an offer


@dataclass(frozen=True)
class TextRoute:
    """``writes``: optional; true for messages the route recognises cheaply (its tag) and
    always writes for, so the core skips the read-only first attempt it gives chatter."""

    stage: TextStage
    handle: TextHandler
    writes: WritesFor | None = None


# What jobs and start hooks get: the database, the clock, the settings, the services.
@dataclass(frozen=True, slots=True)
class Runtime:
    sessions: SessionFactory
    clock: Clock
    config: CoreConfig
    services: Services


@dataclass(frozen=True)
class Job:
    """A scheduled run: ``run`` every ``every_seconds``, at most one at a time, never dropped
    when late (the database is the source of truth, so the next run makes up for a late one)."""

    id: str
    every_seconds: float
    run: Callable[[Runtime], Awaitable[None]]
    # When a run will next have work, if the job can tell (the demo's clock, which jumps,
    # stops at each such moment so that what is due then happens on time).
    next_due: Callable[[Runtime], Awaitable[datetime | None]] | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    callbacks: Mapping[str, CallbackHandler] = field(default_factory=dict)
    on_text: tuple[TextRoute, ...] = ()
    on_edit: TextHandler | None = None
    trackers: Mapping[str, Tracker] = field(default_factory=dict)
    on_settled: SettledHandler | None = None
    jobs: tuple[Job, ...] = ()
    on_start: Callable[[Runtime], Awaitable[None]] | None = None
    help_note: HelpNote | None = None  # a line under /help for this person (a setup to do)


class FeatureConflict(Exception):
    """Two features claim the same name, command, button prefix, tracker, job or text stage."""


@dataclass(frozen=True)
class Features:
    """The features of one application, checked to fit together, indexed for dispatch."""

    all: tuple[Feature, ...]
    commands: Mapping[str, Command]
    callbacks: Mapping[str, CallbackHandler]
    trackers: Mapping[str, Tracker]
    settled: Mapping[str, SettledHandler]
    jobs: tuple[Job, ...]
    text_routes: tuple[TextRoute, ...]  # by stage
    edit_handlers: tuple[TextHandler, ...] = ()


def collect(features: Sequence[Feature], core_commands: Sequence[Command] = ()) -> Features:
    """Index the features' extension points; a name claimed twice raises ``FeatureConflict``
    naming both claimants, so a second /help or a second "faq:" prefix cannot silently win."""
    commands: dict[str, Command] = {}
    owners: dict[tuple[str, str], str] = {}

    def claim(kind: str, key: str, owner: str) -> None:
        if (kind, key) in owners:
            raise FeatureConflict(
                f"{kind} {key!r} is claimed by both {owners[kind, key]} and {owner}"
            )
        owners[kind, key] = owner

    for command in core_commands:
        claim("command", command.name, "the core")
        commands[command.name] = command
    for feature in features:
        claim("feature", feature.name, feature.name)
        for command in feature.commands:
            claim("command", command.name, feature.name)
            commands[command.name] = command
        for kind, key_set in (
            ("button prefix", feature.callbacks),
            ("tracker", feature.trackers),
        ):
            for key in key_set:
                claim(kind, key, feature.name)
        for job in feature.jobs:
            claim("job", job.id, feature.name)
        for route in feature.on_text:
            claim("text stage", route.stage.name, feature.name)
    return Features(
        all=tuple(features),
        commands=commands,
        callbacks={k: h for f in features for k, h in f.callbacks.items()},
        trackers={k: t for f in features for k, t in f.trackers.items()},
        settled={f.name: f.on_settled for f in features if f.on_settled is not None},
        jobs=tuple(job for f in features for job in f.jobs),
        text_routes=tuple(
            sorted((r for f in features for r in f.on_text), key=lambda route: route.stage)
        ),
        edit_handlers=tuple(f.on_edit for f in features if f.on_edit is not None),
    )
