"""Import aiogram with its pydantic models built when first used, not all at import.

``aiogram.types`` ends by calling ``model_rebuild`` on each of its ~450 models with a namespace
of every type, so that their forward references resolve. That builds every model's validator
and serializer at import, each with its own copy of the schemas it nests: about 2 s of CPU
and 100 MB here, for a bot that meets a few dozen of those types. Imported before anything
else imports aiogram, this module lets that loop only note the namespace, then puts its names
into the modules of aiogram's types and methods (where the ``TYPE_CHECKING`` imports would
have put them), so that pydantic builds each model, from the same annotations, the first time
it is used. ``tests/unit/test_aiogram_models.py`` builds every type and method this way.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

_TYPES = "aiogram.types"


def _import_deferred() -> None:
    if _TYPES in sys.modules:
        return  # imported already (and built): nothing to save
    rebuild = BaseModel.__dict__["model_rebuild"]
    namespace: dict[str, Any] = {}

    def note_namespace(cls: type[BaseModel], **options: Any) -> bool | None:
        given = options.get("_types_namespace")
        if given is not None and cls.__module__.startswith(_TYPES) and "force" not in options:
            namespace.update(given)
            return None
        depth = options.pop("_parent_namespace_depth", 2) + 1  # one frame more: this one
        return rebuild.__func__(cls, _parent_namespace_depth=depth, **options)

    BaseModel.model_rebuild = classmethod(note_namespace)  # type: ignore[method-assign,assignment]
    try:
        import aiogram.methods  # noqa: F401  (imports aiogram.types)
    finally:
        BaseModel.model_rebuild = rebuild  # type: ignore[method-assign]
    for name, module in list(sys.modules.items()):
        if name.startswith((f"{_TYPES}.", "aiogram.methods")):
            for key, value in namespace.items():
                module.__dict__.setdefault(key, value)


def _keep_response_types() -> None:
    """aiogram reads each reply as ``Response[the method's result type]``. pydantic caches such
    parametrised classes weakly, so the garbage collector drops them and the next reply builds
    the class again: 4 ms with every model built, ~70 ms with the result's models built when
    used. The bot uses a handful of result types: keep each class once made."""
    from aiogram.methods.base import Response

    parametrise = Response.__class_getitem__
    made: dict[Any, Any] = {}

    def kept(params: Any) -> Any:
        try:
            found = made.get(params)
        except TypeError:  # unhashable: not cached by pydantic either
            return parametrise(params)
        if found is None:
            found = made[params] = parametrise(params)
        return found

    Response.__class_getitem__ = kept  # type: ignore[assignment,method-assign]


def _build_update() -> None:
    """Build ``Update`` (and with it the types it nests) now: every update is read and dumped
    as one, and a class built first is reused by the others that nest it (``Response[list[
    Update]]`` would otherwise build all of it once more)."""
    from aiogram.types import Update

    Update.model_rebuild()


_import_deferred()
_keep_response_types()
_build_update()
