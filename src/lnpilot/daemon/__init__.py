"""The daemon loop (`lnpilot run`)."""
