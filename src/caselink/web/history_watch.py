"""The server's watch on the history: on start and every CASELINK_HISTORY_CHECK_SECONDS it
checks the newest events (and signs a checkpoint when a key is configured); while the history
cannot be trusted, every page says so and every change is refused, so nothing more is
appended to a broken chain."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import Request
from starlette.exceptions import HTTPException

from caselink.domain.errors import DomainError
from caselink.services import history
from caselink.services.context import Context

log = logging.getLogger("caselink.web")

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Signing in and out, and saying why one consults records, change no report and no history:
# people must still be able to sign in and read a server that refuses every change.
_ALWAYS_ALLOWED = frozenset({"/login", "/logout", "/justification"})


class HistoryWatch:
    """What the last check found: None while the history is whole."""

    def __init__(self, ctx: Context, every_seconds: float) -> None:
        self._ctx, self._every = ctx, every_seconds
        self.problem: str | None = None

    def check(self) -> None:
        try:
            problem = history.keep_watch(self._ctx)
        except DomainError as exc:  # an unreadable key: the history cannot be anchored
            problem = str(exc)
        if problem != self.problem:
            if problem:
                log.error("history cannot be trusted, refusing changes: %s", problem)
            else:
                log.warning("history checks again: changes allowed")
        self.problem = problem

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Check once before serving, then every period in the background until shutdown."""
        await asyncio.to_thread(self.check)

        async def loop() -> None:
            while True:
                await asyncio.sleep(self._every)
                await asyncio.to_thread(self.check)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def refuse_changes_while_broken(request: Request) -> None:
    """A dependency of every route: a change is refused (503) while the history is broken."""
    watch: HistoryWatch | None = getattr(request.app.state, "history_watch", None)
    if (
        watch is not None
        and watch.problem
        and request.method not in _READS
        and request.url.path not in _ALWAYS_ALLOWED
    ):
        raise HTTPException(
            503,
            "caselink refuses changes: the history cannot be trusted "
            f"({watch.problem}). An administrator must run `caselink history verify`.",
        )


def history_problem(request: Request) -> str | None:
    """What every page's banner shows, if anything."""
    watch: HistoryWatch | None = getattr(request.app.state, "history_watch", None)
    return None if watch is None else watch.problem
