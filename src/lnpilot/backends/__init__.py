"""Node backends: one NodeBackend protocol (LND REST, LNbits)."""
