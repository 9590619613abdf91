"""``shanlin run`` as a real process, for the tests that need one: started with an environment,
stopped with SIGTERM as a service manager stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path


async def start_run(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """``python -m bot run`` with ``env`` over this process's environment."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=cwd, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop(process: asyncio.subprocess.Process, timeout: float = 60) -> str:  # noqa: ASYNC109
    """SIGTERM, then what it logged; killed if it does not end within ``timeout``."""
    process.send_signal(signal.SIGTERM)
    try:
        _, rest = await asyncio.wait_for(process.communicate(), timeout=timeout)
    finally:
        await kill(process)
    return rest.decode()


async def kill(process: asyncio.subprocess.Process) -> None:
    """Make sure ``process`` is gone (a test that failed half-way leaves none behind)."""
    if process.returncode is None:
        process.kill()
        await process.wait()
