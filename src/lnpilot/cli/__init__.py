"""The ``lnpilot`` command line (Typer + Rich). Each command group lives in its own module."""

# ``lnpilot --node NAME ...``: the fleet node every command's settings describe (None: LNPILOT_NODE,
# else the top-level node). Kept here, not in a command module: ``--help`` must import none.
selected_node: str | None = None
