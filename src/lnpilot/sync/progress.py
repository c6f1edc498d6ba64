"""Progress of a sync run: a Rich display on a terminal, nothing otherwise (or with ``--json``)."""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn


class SyncProgress(Protocol):
    def start(self, kind: str) -> None: ...

    def total(self, kind: str, total: int) -> None: ...

    def advance(self, kind: str, amount: int) -> None: ...

    def finish(self, kind: str, summary: str) -> None: ...


class NullProgress:
    def __enter__(self) -> NullProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def start(self, kind: str) -> None:
        return None

    def total(self, kind: str, total: int) -> None:
        return None

    def advance(self, kind: str, amount: int) -> None:
        return None

    def finish(self, kind: str, summary: str) -> None:
        return None


class RichProgress:
    """One line per kind of data: a spinner while it runs, a bar for paged forwards, then a summary."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[summary]}"),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._progress.stop()

    def start(self, kind: str) -> None:
        self._tasks[kind] = self._progress.add_task(kind, total=None, summary="")

    def total(self, kind: str, total: int) -> None:
        self._progress.update(self._tasks[kind], total=total)

    def advance(self, kind: str, amount: int) -> None:
        self._progress.advance(self._tasks[kind], amount)

    def finish(self, kind: str, summary: str) -> None:
        task = self._tasks[kind]
        current = self._progress.tasks[task]
        total = current.total if current.total is not None else 1
        self._progress.update(task, total=total, completed=total, summary=summary)


def make_progress(console: Console, enabled: bool) -> RichProgress | NullProgress:
    """Rich progress only on an interactive terminal; pipes and ``--json`` get plain output."""
    return RichProgress(console) if enabled and console.is_terminal else NullProgress()
