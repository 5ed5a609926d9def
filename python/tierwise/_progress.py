"""The default progress display of long calls: a tqdm bar (tqdm.auto, so a widget in
Jupyter) when tqdm is installed, nothing otherwise. The callback runs on the calling thread,
never inside the Rust workers."""

from __future__ import annotations

from typing import Callable, Optional


class _TqdmCallback:
    def __init__(self, what: str) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(desc=what, total=0, leave=False)

    def __call__(self, done: int, total: int) -> None:
        if total and self._bar.total != total:
            self._bar.total = total
            self._bar.refresh()
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def default_callback(what: str) -> Optional[Callable[[int, int], None]]:
    """A tqdm-backed callback(done, total), or None when tqdm is not installed."""
    try:
        import tqdm.auto  # noqa: F401
    except ImportError:
        return None
    return _TqdmCallback(what)
