"""Suggestions an operator acts on by hand: peers worth opening a channel to (``peers``)."""
