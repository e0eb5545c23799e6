"""Keeps cards and lists current while the service runs.

`standing.sweep` judges every institution again; this runs it when the
service starts and then every `standing_sweep_minutes`. Where several
processes serve one database each sweeps: the rows are locked while judged,
so the second finds nothing left to change. Deployments that would rather
run it from cron set the interval to 0 and call `xiaowai standing sweep`.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from server import standing
from server.settings import Settings

logger = logging.getLogger("xiaowai.standing")


@contextlib.asynccontextmanager
async def sweeping(settings: Settings) -> AsyncIterator[None]:
    """Sweep in the background for as long as the block runs."""
    if not settings.standing_sweep_minutes:
        yield
        return

    task = asyncio.create_task(_keep_sweeping(settings), name="standing sweep")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _keep_sweeping(settings: Settings) -> None:
    thresholds = standing.Thresholds.of(settings)
    while True:
        try:
            judged = await standing.sweep(thresholds)
            logger.info("standing sweep: %d institutions judged", judged)
        except Exception:
            # A failed sweep (the database restarting, say) is retried at the
            # next interval; the service itself carries on.
            logger.exception("standing sweep failed")
        await asyncio.sleep(settings.standing_sweep_minutes * 60)
