"""aiogram imported with its models built when first used (bot/transports/aiogram_models.py):
every type and method still builds, from the same annotations, as an eager import builds it."""

import re
import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    from bot.transports import aiogram_models
    from pydantic import BaseModel
    import aiogram.methods as methods
    import aiogram.types as types
    from aiogram.methods.base import Response, TelegramMethod

    assert not types.Message.__pydantic_complete__  # not built at import
    failed = []
    for module in (types, methods):
        for name in module.__all__:
            model = getattr(module, name)
            if not isinstance(model, type) or not issubclass(model, BaseModel):
                continue
            if model is TelegramMethod:
                continue  # abstract: an eager import cannot build it either
            try:
                model.model_rebuild(raise_errors=True)
                fields = {key: str(info.annotation) for key, info in model.model_fields.items()}
                print(name, sorted(fields.items()))
                if module is methods and issubclass(model, TelegramMethod):
                    Response[model.__returning__].__pydantic_validator__.validate_python(
                        {"ok": False, "description": "x"}
                    )
            except Exception as error:
                failed.append(f"{name}: {error}")
    assert not failed, failed
    """
)
EAGER = CHECK.replace("from bot.transports import aiogram_models\n", "").replace(
    "assert not types.Message.__pydantic_complete__  # not built at import\n", ""
)


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return re.sub(r" at 0x[0-9a-f]+", "", done.stdout)  # where objects are differs per run


def test_every_aiogram_type_and_method_builds_when_first_used_as_at_import() -> None:
    assert run(CHECK) == run(EAGER)
