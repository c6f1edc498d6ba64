"""Queue depth as RabbitMQ reports it: jobs waiting, waiting to be retried, dead-lettered, workers.

A job a worker is running is neither waiting nor failed (RabbitMQ holds it unacknowledged until
the worker finishes, and gives it to another worker if that one dies).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pika
import pika.exceptions

from lnpilot.jobs.engine import JobConfig


@dataclass(frozen=True, slots=True)
class QueueStatus:
    queue: str
    waiting: int
    retrying: int  # Dramatiq's delay queue (<queue>.DQ): failed once, retried after a backoff
    failed: int  # dead-lettered (<queue>.XQ): out of retries
    workers: int


def _depth(channel: pika.adapters.blocking_connection.BlockingChannel, name: str) -> tuple[int, int]:
    try:
        frame = channel.queue_declare(queue=name, passive=True)
    except pika.exceptions.ChannelClosedByBroker:  # 404: never declared, so empty
        return 0, 0
    return int(frame.method.message_count), int(frame.method.consumer_count)


def queue_status(config: JobConfig) -> list[QueueStatus]:
    # A queue never declared answers 404 to the passive declare, which pika logs as a warning.
    logging.getLogger("pika.channel").setLevel(logging.ERROR)
    connection = pika.BlockingConnection(pika.URLParameters(config.broker_url))
    try:
        out = []
        for queue in config.queues:
            counts = []
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                channel = connection.channel()  # a failed passive declare closes its channel
                counts.append(_depth(channel, name))
                if channel.is_open:
                    channel.close()
            (waiting, workers), (retrying, _), (failed, _) = counts
            out.append(QueueStatus(queue, waiting, retrying, failed, workers))
        return out
    finally:
        connection.close()
