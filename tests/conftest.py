"""Shared fixtures: the built extracts (make test builds them before pytest runs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from equity import build, config

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def extracts_dir() -> Path:
    """The project's extracts, built if missing or stale (as `make test` does)."""
    if build.is_stale():
        build.build()
    return config.EXTRACTS_DIR


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
