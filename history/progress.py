"""Progress bars for long commands: shown on a terminal (stderr is a TTY), silent in a pipe or a test."""
from __future__ import annotations

import sys
from typing import Iterable, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T], *, total: int | None = None, desc: str = "", unit: str = "it",
             enabled: bool | None = None) -> Iterable[T]:
    """``iterable`` wrapped in a tqdm bar on stderr when it is a terminal (``enabled`` forces either way)."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return iterable
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)
