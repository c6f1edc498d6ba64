"""Which lock guards a node, from the settings: every path that changes the node takes it.

Apply (CLI, API, daemon), rollback (manual, automatic, API, dashboard), close and rebalance all
run through an ``Executor`` (or, for a close, ``node_guard``) whose guard is built here. See
``store.node_guard`` for what the lock covers and what nothing can cover.
"""

from __future__ import annotations

from lnpilot.backends.base import Capability, NodeBackend
from lnpilot.settings import Settings
from lnpilot.store.node_guard import NodeGuard, NodeKey
from lnpilot.store.store import Store


async def node_identity(backend: NodeBackend, settings: Settings) -> NodeKey:
    """The node's public key (a backend that cannot say is keyed by its settings). simnet derives
    its key from a seed, so two simulations may share one: its host key adds the address."""
    if Capability.GET_INFO in backend.capabilities:
        pubkey = (await backend.get_info()).pub_key
    else:
        pubkey = f"{settings.backend}:{settings.lnbits_url or settings.lnd_rest_url or 'local'}"
    host_key = pubkey
    if settings.backend == "simnet":
        host_key = f"{pubkey}@{settings.lnd_rest_url or 'lndconnect'}"
    return NodeKey(pubkey, host_key)


def node_guard(settings: Settings, backend: NodeBackend, store: Store) -> NodeGuard:
    async def key() -> NodeKey:
        return await node_identity(backend, settings)

    return NodeGuard(store, key, lock_dir=settings.lock_dir)
