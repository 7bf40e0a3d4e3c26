"""Fixtures of the vocabulary tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from repository.vocabularies import loader


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the shipped vocabulary files that the loader reads instead."""
    copy = tmp_path / "data"
    shutil.copytree(loader.DATA_DIR, copy)
    monkeypatch.setattr(loader, "DATA_DIR", copy)
    return copy
