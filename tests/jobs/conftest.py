"""RabbitMQ (and Redis) for job tests: a fresh namespace per test, its queues deleted afterwards."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from lnpilot.jobs.engine import JobConfig

DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672/"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("LNPILOT_TEST_RABBITMQ_URL", DEFAULT_BROKER)
    if not _reachable(url):
        message = f"RabbitMQ not reachable at {urlsplit(url).hostname}:{urlsplit(url).port}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}; CI=true")
        pytest.skip(message)
    return url


@pytest.fixture
def job_config(broker_url: str, redis_url: str) -> Iterator[JobConfig]:
    namespace = f"lnpilot-test-{uuid.uuid4().hex[:10]}"
    config = JobConfig(broker_url, redis_url, namespace)
    yield config
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        channel = connection.channel()
        for queue in config.queues:
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(queue=queue + suffix)
    finally:
        connection.close()
