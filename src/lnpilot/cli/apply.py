"""``lnpilot apply``, ``lnpilot transactions``, ``lnpilot rollback TX_ID``.

``apply`` without ``--execute`` is shadow: it records what it would do and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.table import Table

from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.errors import InvalidInputError
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.settings import Settings

app = typer.Typer()
T = TypeVar("T")


def _run(settings: Settings, body: Callable[[Executor], Awaitable[T]]) -> T:
    """Open the store and the backend, build the executor on the node's clock (read once for the
    command, the rule the API and the daemon follow: ``execution.node_clock``), run ``body``."""
    from lnpilot.backends.factory import make_backend
    from lnpilot.execution.node_clock import node_now
    from lnpilot.store import Store
    from lnpilot.store.repos.transaction_log import SqlTransactionLog

    async def main() -> T:
        backend = make_backend(settings)
        try:
            store = await Store.open(settings)
            try:
                clock = (await node_now(settings, backend)).now
                executor = Executor.from_settings(settings, backend, SqlTransactionLog(store), clock=clock)
                return await body(executor)
            finally:
                await store.close()
        finally:
            await backend.aclose()

    return asyncio.run(main())


@app.command("apply")
def apply(
    execute: bool = typer.Option(False, "--execute", help="Really send changes (default: shadow)."),
    mode: str | None = typer.Option(None, "--mode", help="pilot or live (default: execution.mode)."),
    channel: list[str] = typer.Option([], "--channel", help="Only these channels (chan_id, scid, point)."),
    stop_on_error: bool = typer.Option(False, "--stop-on-error", help="Stop the batch at the first failure."),
    profile: str | None = typer.Option(None, "--profile", help="Decision profile (default: settings)."),
    source: str = typer.Option(
        "node", "--from", help="Views from the node (live) or from the store (after lnpilot sync)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    at: int | None = typer.Option(
        None, "--at", min=0, max=9_000_000_000, help="Shadow only: decide as of this Unix time."
    ),
) -> None:
    """Decide, validate and execute; without --execute only record what would be done."""
    settings = settings_from_env()
    chosen = Mode.SHADOW
    if execute:
        chosen = Mode.parse(mode or settings.execution.mode)
        if chosen is Mode.SHADOW:
            raise InvalidInputError("--execute needs --mode pilot or --mode live (or execution.mode)")
    elif mode is not None:
        raise InvalidInputError("--mode only applies with --execute; without it apply runs in shadow")
    if execute and at is not None:
        # A what-if time would let a real run judge its cooldowns and daily limits on a made-up clock.
        raise InvalidInputError("--at is for shadow runs; a real apply acts at the node's now")

    async def body(executor: Executor) -> dict[str, Any]:
        from lnpilot.execution.pipeline import decide_and_apply

        return await decide_and_apply(
            settings,
            executor,
            chosen,
            executor.now() if at is None else at,
            channels=channel or None,  # no --channel: every channel
            profile=profile,
            stop_on_error=stop_on_error,
            source=source,
            record_as="cli",
        )

    report = _run(settings, body)
    if as_json:
        print_json(report)
        return
    from lnpilot.cli.render import changes_lines

    for line in changes_lines(report):  # old -> new for every proposed change, sent or not
        print(line)
    table = Table("chan_id", "kind", "status", "detail", title=f"apply ({report['mode']})")
    for row in report["results"]:
        table.add_row(row["chan_id"], row["kind"], row["status"], row["detail"])
    if report["results"]:
        console.print(table)
    skipped = sum(1 for d in report["decisions"] if not d["verdict"]["approved"] or d["type"] == "no_action")
    tx = f"transaction {report['tx_id']}" if report["tx_id"] is not None else "no transaction (nothing sent)"
    console.print(
        f"{len(report['results'])} action(s), {skipped} decision(s) without action; {tx}", markup=False
    )
    if not report["ok"]:
        raise typer.Exit(1)


def _tx_dict(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "mode": record.mode,
        "status": record.status.value,
        "note": record.note,
        "items": [
            {
                "chan_id": str(i.chan_id),
                "channel_point": i.channel_point,
                "requested": i.requested_policy,
                "backup": i.backup_policy,
                "result": i.result,
            }
            for i in record.items
        ],
    }


@app.command("transactions")
def transactions(
    limit: int = typer.Option(20, "--limit", min=1, max=10_000, help="How many of the newest to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The transaction log, newest first."""
    settings = settings_from_env()
    from lnpilot.store import Store
    from lnpilot.store.repos.transaction_log import SqlTransactionLog

    async def main() -> list[dict[str, Any]]:
        store = await Store.open(settings)
        try:
            return [_tx_dict(r) for r in await SqlTransactionLog(store).recent(limit=limit)]
        finally:
            await store.close()

    rows = asyncio.run(main())
    if as_json:
        print_json(rows)
        return
    from lnpilot.cli.render import local_time

    table = Table("id", "created", "mode", "status", "channels", "note", title="transactions")
    for row in rows:
        statuses = ", ".join(f"{i['chan_id']}:{(i['result'] or {}).get('status', '?')}" for i in row["items"])
        table.add_row(
            str(row["id"]), local_time(row["created_at"]), row["mode"], row["status"], statuses, row["note"]
        )
    console.print(table)


@app.command("rollback")
def rollback(
    tx_id: int | None = typer.Argument(None, help="The transaction to undo."),
    auto: bool = typer.Option(
        False, "--auto", help="Instead: judge every watched change and roll back the harmful ones."
    ),
    force: bool = typer.Option(
        False, "--force", help="Restore even over later changes of the same channels (marked on the log)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Restore the backed-up policies of the channels a transaction changed, verified by read-back."""
    settings = settings_from_env()
    if (tx_id is None) == (not auto):
        raise InvalidInputError("give either a TX_ID or --auto")
    if auto:
        _auto_rollback(settings, as_json)
        return

    async def body(executor: Executor) -> dict[str, Any]:
        assert tx_id is not None
        result = await executor.rollback(tx_id, force=force)
        return result.to_dict()

    report = _run(settings, body)
    if as_json:
        print_json(report)
    else:
        for row in report["results"]:
            console.print(f"{row['chan_id']}: {row['status']} ({row['detail']})", markup=False)
        done = "complete" if report["complete"] else "INCOMPLETE"
        console.print(f"rollback of transaction {tx_id}: {done}", markup=False)
    if not report["complete"]:
        raise typer.Exit(1)


def _auto_rollback(settings: Settings, as_json: bool) -> None:
    async def body(executor: Executor) -> list[dict[str, Any]]:
        from lnpilot.execution.watch import check_auto_rollbacks_from_settings

        async with executor.guarded("rollback --auto"):  # judged and restored under the node's lock
            await executor.reconcile()
            outcomes = await check_auto_rollbacks_from_settings(executor, settings, executor.now())
        return [
            {
                "tx_id": o.tx_id,
                "chan_id": str(o.chan_id),
                "verdict": o.assessment.verdict.value,
                "reason": o.assessment.reason,
                "rollback": None if o.rollback is None else o.rollback.to_dict(),
            }
            for o in outcomes
        ]

    rows = _run(settings, body)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(
            f"tx {row['tx_id']} channel {row['chan_id']}: {row['verdict']} ({row['reason']})", markup=False
        )
    if not rows:
        console.print("no change whose watch window has ended", markup=False)
