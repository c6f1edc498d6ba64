"""PolicyValidator: limits, cooldowns, rate limits, blacklist (pure)."""
