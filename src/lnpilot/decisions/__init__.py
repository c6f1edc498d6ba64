"""DecisionEngine: per-channel decisions under risk profiles (pure)."""
