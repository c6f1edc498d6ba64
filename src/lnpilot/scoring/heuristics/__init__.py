"""The eight heuristics, one module each; every one returns a 0-100 ``HeuristicScore`` or says
what it is missing (``score=None``)."""
