"""Job metrics for Prometheus: jobs by queue and state (read from RabbitMQ and the running
registry at scrape time) and each job's duration by actor and outcome (observed by the worker)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from lnpilot.jobs.engine import JobConfig
from lnpilot.metrics.registry import JOB_DURATION_BUCKETS_S, NAMESPACE, Metrics

JOB_STATES = ("waiting", "retrying", "running", "failed")


class JobStateCollector(Collector):
    """``lnpilot_jobs{queue,state}`` and ``lnpilot_job_workers{queue}``, read when scraped; a broker
    that cannot be reached leaves the samples out (never a made-up zero) and sets
    ``lnpilot_jobs_broker_up`` to 0."""

    def __init__(self, config: JobConfig) -> None:
        self.config = config

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not ask the broker; the families come with each scrape

    def collect(self) -> Iterable[Metric]:
        from lnpilot.jobs.running import running_jobs
        from lnpilot.jobs.status import queue_status

        jobs = GaugeMetricFamily(f"{NAMESPACE}_jobs", "Jobs by queue and state.", labels=["queue", "state"])
        workers = GaugeMetricFamily(
            f"{NAMESPACE}_job_workers", "Workers consuming each queue.", labels=["queue"]
        )
        up = GaugeMetricFamily(f"{NAMESPACE}_jobs_broker_up", "1 when the broker answered this scrape.")
        try:
            queues = queue_status(self.config)
            running = running_jobs(self.config.results_url, self.config.namespace)
        except Exception:  # the broker or Redis is down: say so, export no counts
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for q in queues:
            counts = {
                "waiting": q.waiting,
                "retrying": q.retrying,
                "failed": q.failed,
                "running": sum(1 for r in running if r.queue == q.queue),
            }
            for state in JOB_STATES:
                jobs.add_metric([q.queue, state], counts[state])
            workers.add_metric([q.queue], q.workers)
        yield from (jobs, workers, up)


class JobMetrics:
    def __init__(self, metrics: Metrics, config: JobConfig | None = None) -> None:
        self.duration = Histogram(
            "job_duration_seconds",
            "Time a worker spent on each job, by actor and outcome (done, skipped, failed).",
            ["actor", "outcome"],
            namespace=NAMESPACE,
            registry=metrics.registry,
            buckets=JOB_DURATION_BUCKETS_S,
        )
        if config is not None:
            metrics.registry.register(JobStateCollector(config))

    def observe(self, actor: str, outcome: str, seconds: float) -> None:
        self.duration.labels(actor, outcome).observe(seconds)
