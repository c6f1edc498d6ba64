"""Domain types shared by every area: frozen, unit-suffixed, no I/O."""
