"""Execution: shadow / pilot / live, transaction log, rollback, rebalancing."""
