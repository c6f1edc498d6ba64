"""The Dramatiq broker and the actors lnpilot declares on it.

RabbitMQ carries the messages (acked only after the actor returns, so a worker killed mid-job
leaves its message to be redelivered to another); Redis keeps the results the caller gathers.
Messages are JSON (Dramatiq's default encoder), never pickle: a job is data, not code.
Every queue and result key carries ``namespace``, so several deployments (or tests) can share
one broker without taking each other's jobs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.results import Results
from dramatiq.results.backends.redis import RedisBackend

from lnpilot.errors import ConfigError
from lnpilot.settings import Settings

ARENA_ACTOR = "arena_run"
FLEET_ACTOR = "node_cycle"
GRAPH_ACTOR = "graph_score"
# A node's cycle is minutes at most; a graph scoring of a large snapshot likewise.
_FLEET_TIME_LIMIT_MS = 1_800_000
_GRAPH_TIME_LIMIT_MS = 1_800_000
# Arena runs take minutes: a worker is allowed an hour per run before Dramatiq gives up on it.
_ARENA_TIME_LIMIT_MS = 3_600_000
_RESULT_TTL_MS = 24 * 3_600_000


@dataclass(frozen=True, slots=True)
class JobConfig:
    broker_url: str
    results_url: str
    namespace: str = "lnpilot"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", self.namespace):
            raise ConfigError(f"job namespace {self.namespace!r}: letters, digits, '_', '.', '-' only")
        if not self.broker_url.startswith(("amqp://", "amqps://")):
            raise ConfigError("LNPILOT_BROKER_URL: an amqp:// URL of RabbitMQ is required for jobs")
        if not self.results_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL: a redis:// URL is required for job results")

    @property
    def arena_queue(self) -> str:
        return f"{self.namespace}.arena"

    @property
    def fleet_queue(self) -> str:
        return f"{self.namespace}.fleet"

    @property
    def graph_queue(self) -> str:
        return f"{self.namespace}.graph"

    @property
    def queues(self) -> tuple[str, ...]:
        return (self.arena_queue, self.fleet_queue, self.graph_queue)


def job_config(settings: Settings, namespace: str = "lnpilot") -> JobConfig:
    """The job engine's URLs from the settings, or one ConfigError line saying which is missing."""
    if settings.broker_url is None:
        raise ConfigError(
            "LNPILOT_BROKER_URL: required for workers (e.g. amqp://guest:guest@127.0.0.1:5672/)"
        )
    if settings.redis_url is None:
        raise ConfigError("REDIS_URL: required for workers (job results are kept in Redis)")
    return JobConfig(settings.broker_url.get_secret_value(), settings.redis_url.get_secret_value(), namespace)


def _arena_run(spec: dict[str, Any]) -> dict[str, Any]:
    from lnpilot.arena.runner import run_one
    from lnpilot.jobs.codec import result_to_dict, spec_from_dict

    return result_to_dict(run_one(spec_from_dict(spec)))


def _node_cycle(node: str) -> dict[str, Any]:
    from lnpilot.fleet.cycle import run_node_cycle_sync

    return run_node_cycle_sync(node)


def _graph_score(request: dict[str, Any]) -> dict[str, Any]:
    from lnpilot.jobs.graph import score_request

    return score_request(request)


@dataclass(frozen=True, slots=True)
class Engine:
    config: JobConfig
    broker: RabbitmqBroker
    results: RedisBackend
    arena: dramatiq.Actor[[dict[str, Any]], dict[str, Any]]
    fleet: dramatiq.Actor[[str], dict[str, Any]]
    graph: dramatiq.Actor[[dict[str, Any]], dict[str, Any]]

    def close(self) -> None:
        self.broker.close()


def make_engine(config: JobConfig) -> Engine:
    """A broker with the results middleware and lnpilot's actors declared on it."""
    broker = RabbitmqBroker(url=config.broker_url)
    results = RedisBackend(url=config.results_url, namespace=f"{config.namespace}-results")  # type: ignore[no-untyped-call]
    broker.add_middleware(Results(backend=results, store_results=True, result_ttl=_RESULT_TTL_MS))  # type: ignore[no-untyped-call]
    arena: dramatiq.Actor[[dict[str, Any]], dict[str, Any]] = dramatiq.Actor(
        _arena_run,
        broker=broker,
        actor_name=ARENA_ACTOR,
        queue_name=config.arena_queue,
        priority=0,
        # A run is deterministic: a third failure is a bug, not bad luck.
        options={"store_results": True, "time_limit": _ARENA_TIME_LIMIT_MS, "max_retries": 2},
    )
    fleet: dramatiq.Actor[[str], dict[str, Any]] = dramatiq.Actor(
        _node_cycle,
        broker=broker,
        actor_name=FLEET_ACTOR,
        queue_name=config.fleet_queue,
        priority=0,
        # No retry: the scheduler enqueues the node's next cycle anyway, and a failure stays
        # visible (dead-lettered, `lnpilot jobs`). A killed worker's job is redelivered, not retried.
        options={"store_results": True, "time_limit": _FLEET_TIME_LIMIT_MS, "max_retries": 0},
    )
    graph: dramatiq.Actor[[dict[str, Any]], dict[str, Any]] = dramatiq.Actor(
        _graph_score,
        broker=broker,
        actor_name=GRAPH_ACTOR,
        queue_name=config.graph_queue,
        priority=0,
        options={"store_results": True, "time_limit": _GRAPH_TIME_LIMIT_MS, "max_retries": 1},
    )
    return Engine(config, broker, results, arena, fleet, graph)
