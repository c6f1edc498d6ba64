"""Run one live batch against a simnet in a fresh process (the kill test's victim).

argv[1] is a JSON object: url, cert, macaroon (path), db, now, changes [[chan_id, channel_point, policy]].
With LNPILOT_CRASH_AT set the process dies at that step (lnpilot.execution.crash).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from lnpilot.backends.lnd import LndRestBackend
from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.verify import policy_from
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog


async def main(spec: dict[str, object]) -> int:
    macaroon = Path(str(spec["macaroon"])).read_bytes().hex()
    backend = LndRestBackend(str(spec["url"]), macaroon, Path(str(spec["cert"])))
    store = await Store.open_url(f"sqlite+aiosqlite:///{spec['db']}")
    try:
        changes = []
        for chan_id, point, policy in spec["changes"]:  # type: ignore[attr-defined]
            parsed = policy_from(policy)
            assert parsed is not None
            changes.append(PolicyChange(int(chan_id), str(point), parsed))
        now = int(str(spec["now"]))
        executor = Executor(backend, SqlTransactionLog(store), backoff_s=0.0, clock=lambda: now)
        batch = await executor.apply(changes, Mode.LIVE)
        print(json.dumps(batch.to_dict()))
        return 0 if batch.ok else 1
    finally:
        await store.close()
        await backend.aclose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(json.loads(sys.argv[1]))))
