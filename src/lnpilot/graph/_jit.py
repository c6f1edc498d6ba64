"""numba compilation with the types of the Python function kept for mypy.

Kernels compile once per machine and are cached on disk (``cache=True``), so only the first
run after an install pays the compile time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def jit(*, parallel: bool = False) -> Callable[[F], F]:
    def wrap(func: F) -> F:
        return cast(F, numba.njit(cache=True, parallel=parallel, nogil=True)(func))

    return wrap


def thread_count() -> int:
    return int(numba.get_num_threads())
