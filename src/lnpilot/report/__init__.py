"""Reports people read: what was decided and why, executed, rolled back, earned (``lnpilot report``)."""
