"""simnet: a simulated routing node that speaks LND's REST protocol."""
