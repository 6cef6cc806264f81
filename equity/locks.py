"""One lock for everything that writes the extracts folder: the build and ingest.

The build replaces data/extracts whole (a new folder swapped in), so a lock file inside it
would vanish with the old folder and an ingest writing meanwhile would land in the retired
copy and be lost. The lock file therefore sits beside the folder (data/.extracts.lock).
filelock works on every OS (fcntl is POSIX only); a wait longer than the timeout becomes one
clear message instead of a hang.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

# Long enough for a full build (a few minutes on a slow machine); tests set it lower.
DEFAULT_TIMEOUT_SECONDS = float(os.environ.get("EQUITY_LOCK_TIMEOUT", "900"))


class ExtractsBusy(Exception):
    """Another build or ingest held the extracts lock for longer than the timeout."""


def lock_path(extracts_dir: str | os.PathLike) -> Path:
    """The lock file beside the extracts folder (one per folder name)."""
    folder = Path(extracts_dir).resolve()
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def extracts_lock(extracts_dir: str | os.PathLike, timeout: float | None = None) -> Iterator[None]:
    """Hold the extracts lock; raise ExtractsBusy after `timeout` seconds of waiting."""
    path = lock_path(extracts_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout
    lock = FileLock(path, timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise ExtractsBusy(
            f"{extracts_dir} is busy: another build or ingest has held its lock ({path}) for "
            f"over {wait:g} s — wait for it to finish and try again (if none is running, "
            "delete the lock file)"
        ) from None
    try:
        yield
    finally:
        lock.release()
