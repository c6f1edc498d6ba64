"""``lnpilot run``: the daemon loop around ``run_cycle``.

Start: open the store, ask the node who it is, take the node's lock, reconcile what an earlier
process left in flight, serve metrics. Then one cycle every ``daemon.cycle_seconds``; a failed
cycle is reported (log, metrics, throttled notification) and retried after an exponential,
capped backoff instead of ending the process. SIGTERM/SIGINT only set a flag: the running step
finishes (a started batch always completes), then the loop exits and releases everything.
Restarting resumes from the store: sync high-water marks and the reconciled transaction log.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lnpilot.daemon.backoff import Backoff
from lnpilot.daemon.clock import Clock, WallClock
from lnpilot.daemon.cycle import CycleContext, CycleReport, run_cycle
from lnpilot.daemon.lock import NodeLock, lock_path
from lnpilot.errors import LnpilotError
from lnpilot.execution.plan import Mode
from lnpilot.logctx import cycle_context
from lnpilot.logs import get_logger
from lnpilot.metrics.registry import Metrics, default_metrics
from lnpilot.settings import Settings
from lnpilot.store.node_guard import NodeGuard

if TYPE_CHECKING:
    from lnpilot.backends.base import NodeBackend
    from lnpilot.backends.lnd_htlc import HtlcSubscriber
    from lnpilot.metrics.exposition import MetricsServer
    from lnpilot.notify.notifier import Notifier
    from lnpilot.store import Store

log = get_logger(__name__)


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        backend: NodeBackend | None = None,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
        notifier: Notifier | None = None,
        mode: Mode | None = None,
    ) -> None:
        self.settings = settings
        # No clock given: the node's clock (execution.node_clock), read at the start of each cycle,
        # the same rule as the CLI and the API; the wall clock until the backend exists.
        self._own_clock = clock is None
        self.clock: Clock = clock or WallClock()
        self.metrics = metrics or default_metrics()
        self.mode = mode or Mode.parse(settings.execution.mode)
        self.stop = asyncio.Event()
        self.backoff = Backoff(settings.daemon.backoff_initial_seconds, settings.daemon.backoff_max_seconds)
        self.cycles = 0
        self.failures = 0
        self.pubkey: str | None = None
        self._backend = backend
        self._notifier = notifier
        self._store: Store | None = None
        self._lock: NodeLock | None = None
        self._guard: NodeGuard | None = None
        self._server: MetricsServer | None = None
        self._ctx: CycleContext | None = None
        self.htlc_subscriber: HtlcSubscriber | None = None
        self._htlc_task: asyncio.Task[None] | None = None
        self._htlc_stop = asyncio.Event()

    @property
    def ctx(self) -> CycleContext:
        if self._ctx is None:
            raise RuntimeError("the daemon has not been started")
        return self._ctx

    def request_stop(self) -> None:
        if not self.stop.is_set():
            log.info("daemon_stop_requested")
        self.stop.set()

    async def start(self) -> None:
        from lnpilot.backends.factory import make_backend
        from lnpilot.daemon.hooks import maybe_pausing
        from lnpilot.execution.executor import Executor
        from lnpilot.execution.observe import Observer
        from lnpilot.notify.notifier import Notifier
        from lnpilot.store import Store
        from lnpilot.store.cache import make_cache
        from lnpilot.store.repos.transaction_log import SqlTransactionLog
        from lnpilot.store.score_cache import ScoreCache

        s = self.settings
        backend = maybe_pausing(self._backend or make_backend(s))
        self._backend = backend
        if self._own_clock:
            from lnpilot.execution.node_clock import NodeClock

            self.clock = NodeClock.for_settings(s, backend)
            self._own_clock = False
        if self._notifier is None:
            self._notifier = Notifier.from_settings(s.notify, metrics=self.metrics)
        if self._store is None:
            self._store = await Store.open(s)
        await self.clock.refresh()
        with self.metrics.backend_call(s.backend):
            info = await backend.get_info()
        self.pubkey = info.pub_key
        if self._lock is None:  # a start retried after a failure below keeps what it took
            self._lock = NodeLock(lock_path(s.data_dir, info.pub_key)).acquire()
        # The node's lock on this host (any data dir) and in the database (hosts sharing the
        # store), held for the daemon's life: no other daemon, and no CLI/API apply, rollback or
        # close beside it (store.node_guard). Every step of the cycle runs under this hold.
        from lnpilot.execution.guard import node_guard

        if self._guard is None:
            self._guard = await node_guard(s, backend, self._store).acquire("daemon")
        executor = Executor(
            backend,
            SqlTransactionLog(self._store),
            pilot_channels=s.execution.pilot_channels,
            allow_close=s.limits.allow_close,
            profile=s.profile,
            clock=self.clock.now,
            observer=Observer(self.metrics, self._notifier),
            guard=self._guard,
        )
        with self.metrics.backend_call(s.backend):
            settled = await executor.reconcile()
        if settled:
            log.info("daemon_reconciled", transactions=len(settled))
        self._ctx = CycleContext(
            settings=s,
            backend_name=s.backend,
            store=self._store,
            executor=executor,
            metrics=self.metrics,
            clock=self.clock,
            mode=self.mode,
            stop=self.stop,
            scores=ScoreCache(make_cache(s)),
            notifier=self._notifier,
        )
        if s.daemon.metrics_port is not None:
            from lnpilot.metrics.exposition import start_metrics_server

            self._server = start_metrics_server(s.daemon.metrics_port, metrics=self.metrics)
        self._start_htlc_subscription(backend)
        self.metrics.set_daemon_up(True)
        log.info("daemon_started", mode=self.mode.value, node=info.pub_key[:16])

    def _start_htlc_subscription(self, backend: NodeBackend) -> None:
        """Stay subscribed to the node's HTLC events between cycles (LND REST and simnet only):
        LND never stores failed forwards, so lnpilot must listen to know them."""
        subscribe = getattr(backend, "subscribe_htlc_events", None)
        if subscribe is None or not self.settings.daemon.htlc_events or self._store is None:
            return
        from lnpilot.backends.lnd_htlc import HtlcSubscriber
        from lnpilot.sync.htlc import StoreHtlcSink

        self.htlc_subscriber = HtlcSubscriber(
            subscribe, StoreHtlcSink(self._store, clock=self.clock.now), clock=self.clock.now
        )
        self._htlc_task = asyncio.create_task(self.htlc_subscriber.run(self._htlc_stop))

    async def stop_htlc_subscription(self) -> None:
        """End the subscription (its window is closed with the reason "stopped")."""
        self._htlc_stop.set()
        if self._htlc_task is not None:
            try:
                await asyncio.wait_for(self._htlc_task, timeout=10)
            except TimeoutError:
                log.warning("htlc_subscription_stop_timed_out")
            self._htlc_task = None

    async def cycle(self) -> CycleReport | None:
        """One cycle; a failure is reported and counted, never raised (except cancellation)."""
        with cycle_context() as cycle_id:
            try:
                with self.metrics.cycle_timer():
                    report = await run_cycle(self.ctx, cycle_id)
            except Exception as exc:
                await self._report_failure(exc)
                return None
        self.cycles += 1
        self.backoff.succeeded()
        return report

    async def _report_failure(self, exc: Exception) -> None:
        self.failures += 1
        delay = self.backoff.failed()
        code = exc.code if isinstance(exc, LnpilotError) else type(exc).__name__
        if isinstance(exc, LnpilotError):
            log.warning("daemon_cycle_failed", error=code, message=str(exc), retry_in_s=delay)
        else:  # not an expected failure: keep the traceback for the operator
            log.error("daemon_cycle_failed", error=code, retry_in_s=delay, exc_info=exc)
        if self._notifier is not None:
            from lnpilot.notify.events import daemon_error

            try:
                await self._notifier.notify(daemon_error(exc, datetime.now(UTC), where="cycle"))
            except Exception as notify_exc:  # reporting must never end the loop
                log.warning("notification failed", error=type(notify_exc).__name__)

    def _install_signals(self) -> list[signal.Signals]:
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.request_stop)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                continue
            installed.append(sig)
        return installed

    async def run(
        self,
        *,
        max_cycles: int | None = None,
        on_cycle: Callable[[CycleReport | None], None] | None = None,
    ) -> int:
        """Cycle until stopped (or ``max_cycles`` attempts); 0 unless the last attempt failed."""
        installed = self._install_signals()
        attempts = 0
        last_ok = True
        try:
            if not await self._start_with_backoff(retry=max_cycles is None):
                return 1
            while not self.stop.is_set():
                done = await self.cycle()
                last_ok = done is not None
                attempts += 1
                if on_cycle is not None:
                    on_cycle(done)
                if max_cycles is not None and attempts >= max_cycles:
                    break
                wait = self.settings.daemon.cycle_seconds if last_ok else self.backoff.delay_s()
                await self.clock.wait(wait, self.stop)
        finally:
            loop = asyncio.get_running_loop()
            for sig in installed:
                loop.remove_signal_handler(sig)
            await self.close()
        return 0 if last_ok else 1

    async def _start_with_backoff(self, *, retry: bool) -> bool:
        """Start; while the node is unreachable, report and retry after the backoff (until stopped)."""
        from lnpilot.backends.base import BackendError
        from lnpilot.daemon.clock import ClockError

        while True:
            try:
                await self.start()
                return True
            except (BackendError, ClockError) as exc:
                if not retry:
                    raise
                await self._report_failure(exc)
                await self.clock.wait(self.backoff.delay_s(), self.stop)
                if self.stop.is_set():
                    return False

    async def close(self) -> None:
        self.metrics.set_daemon_up(False)
        await self.stop_htlc_subscription()
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._ctx is not None:
            await self._ctx.scores.cache.aclose()
        if self._notifier is not None:
            await self._notifier.aclose()
        if self._backend is not None:
            await self._backend.aclose()
        if self._guard is not None:
            await self._guard.release()
            self._guard = None
        if self._store is not None:
            await self._store.close()
            self._store = None
        await self.clock.aclose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        log.info("daemon_stopped", cycles=self.cycles, failures=self.failures)
