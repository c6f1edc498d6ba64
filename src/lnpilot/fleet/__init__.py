"""A fleet of nodes (issue 25): one scheduler enqueues each node's cycle, any number of job
workers run them against one shared store, one cycle per node at a time (docs/scale.md)."""
