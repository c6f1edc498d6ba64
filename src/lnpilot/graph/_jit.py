"""numba compilation with the types of the Python function kept for mypy, and a thread split.

Kernels compile once per machine and are cached on disk (``cache=True``), so only the first
run after an install pays the compile time. They are compiled serial and release the GIL
(``nogil``); ``split_sum`` runs one slice of the sources per CPU on plain threads. That keeps
the compile time low (numba's ``parallel=True`` costs tens of seconds more) and small graphs
free of thread start-up costs.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

F = TypeVar("F", bound=Callable[..., Any])
# fewer sources than this per thread and a split costs more than it saves
_MIN_ITEMS_PER_THREAD = 256


def jit(func: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True)(func))


def thread_count() -> int:
    """numba's thread setting (``NUMBA_NUM_THREADS``, default: the CPU count)."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def split_sum(
    kernel: Callable[..., npt.NDArray[np.float64]], args: tuple[Any, ...], items: int
) -> npt.NDArray[np.float64]:
    """Sum of ``kernel(*args, first, step)`` over the slices ``first = 0..step-1`` of ``items``."""
    workers = max(1, min(thread_count(), items // _MIN_ITEMS_PER_THREAD))
    if workers == 1:
        return kernel(*args, 0, 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(lambda first: kernel(*args, first, workers), range(workers)))
    total: npt.NDArray[np.float64] = np.sum(parts, axis=0)
    return total
