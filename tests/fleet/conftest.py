"""The fleet tests use the job tests' RabbitMQ fixtures (a fresh namespace per test)."""

from tests.jobs.conftest import broker_url, job_config

__all__ = ["broker_url", "job_config"]
