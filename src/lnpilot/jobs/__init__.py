"""Background jobs on Dramatiq over RabbitMQ (results in Redis); see docs/scale.md for the choice."""
