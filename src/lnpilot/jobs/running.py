"""Which jobs are running right now, where: a Redis hash each worker keeps up to date.

RabbitMQ knows a running job only as "unacknowledged"; this registry names it (actor, node,
worker pid and host, start time) for ``lnpilot jobs`` and the metrics. A worker killed mid-job
leaves its entry behind until the job is redelivered (same message id, overwritten, then removed)
or, failing that, until readers see its pid gone (same host) or its start past the time limit.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
import redis
from dramatiq.broker import MessageProxy

# Entries older than this are stale whatever they say (the longest job time limit).
STALE_AFTER_S = 3600.0


def running_key(namespace: str) -> str:
    return f"{namespace}:jobs:running"


@dataclass(frozen=True, slots=True)
class RunningJob:
    message_id: str
    actor: str
    queue: str
    label: str  # the fleet node, or the actor for jobs without one
    pid: int
    host: str
    started_at: float


def _label(message: MessageProxy) -> str:
    if message.args and isinstance(message.args[0], str):
        return message.args[0]  # node_cycle(node)
    return message.actor_name


class RunningJobs(dramatiq.Middleware):
    """Worker middleware: record each job while it runs; report its duration and outcome."""

    def __init__(
        self,
        redis_url: str,
        namespace: str,
        on_done: Callable[[str, str, float], None] | None = None,
    ) -> None:
        self._redis = redis.Redis.from_url(redis_url)
        self._key = running_key(namespace)
        self._on_done = on_done
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        started = time.time()
        self._started[message.message_id] = time.monotonic()
        entry = {
            "actor": message.actor_name,
            "queue": message.queue_name,
            "label": _label(message),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": started,
        }
        self._redis.hset(self._key, message.message_id, json.dumps(entry))

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        self._redis.hdel(self._key, message.message_id)
        began = self._started.pop(message.message_id, None)
        if began is not None and self._on_done is not None:
            skipped = isinstance(result, dict) and result.get("status") == "skipped"
            outcome = "failed" if exception is not None else "skipped" if skipped else "done"
            self._on_done(message.actor_name, outcome, time.monotonic() - began)

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self._redis.hdel(self._key, message.message_id)
        self._started.pop(message.message_id, None)

    def close(self) -> None:
        self._redis.close()


def _alive(entry: RunningJob, now: float) -> bool:
    if now - entry.started_at > STALE_AFTER_S:
        return False
    if entry.host != socket.gethostname():
        return True  # another machine's process: trust the entry until it is stale
    try:
        os.kill(entry.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_jobs(redis_url: str, namespace: str) -> list[RunningJob]:
    """The jobs running now, oldest first (entries of dead workers left out)."""
    client = redis.Redis.from_url(redis_url)
    try:
        raw: dict[bytes, bytes] = client.hgetall(running_key(namespace))  # type: ignore[assignment]
    finally:
        client.close()
    now = time.time()
    out = []
    for message_id, value in raw.items():
        data = json.loads(value)
        job = RunningJob(
            message_id=message_id.decode() if isinstance(message_id, bytes) else str(message_id),
            actor=str(data["actor"]),
            queue=str(data["queue"]),
            label=str(data["label"]),
            pid=int(data["pid"]),
            host=str(data["host"]),
            started_at=float(data["started_at"]),
        )
        if _alive(job, now):
            out.append(job)
    return sorted(out, key=lambda j: j.started_at)
