"""The extracts' fingerprint: reused for a second (a page asks for it once per query), fresh
after that or after this process's own ingest, and never shared between folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from equity import config
from ui import cache


@pytest.fixture
def folder(tmp_path: Path, extracts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "extracts"
    copy.mkdir()
    shutil.copy(extracts_dir / "areas.parquet", copy / "areas.parquet")
    monkeypatch.setattr(config, "EXTRACTS_DIR", copy)
    cache.forget_extracts_version()
    return copy


def test_a_changed_file_is_seen_after_a_second_or_at_once_after_forgetting(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    before = cache.extracts_version()
    assert "areas.parquet" in before
    os.utime(folder / "areas.parquet", ns=(1, 1))  # as a rebuild by another process would
    assert cache.extracts_version() == before  # within the second: the memo
    clock[0] += cache._VERSION_SECONDS + 0.01
    after = cache.extracts_version()
    assert after != before
    os.utime(folder / "areas.parquet", ns=(2, 2))
    cache.forget_extracts_version()  # what the upload panel does after an ingest
    assert cache.extracts_version() != after


def test_each_folder_has_its_own_fingerprint(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cache.extracts_version()
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setattr(config, "EXTRACTS_DIR", other)
    assert cache.extracts_version() == "" != first  # an empty folder, not the memo of another
