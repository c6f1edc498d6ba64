"""The LNbits-in-front-of-simnet stack, started once per test module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lnbits.stack import Stack, start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(tmp_path_factory)
