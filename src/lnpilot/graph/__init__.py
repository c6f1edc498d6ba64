"""Public graph: ingestion of snapshots and per-node network analytics (pure)."""
