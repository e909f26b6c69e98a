"""Shared test fixtures: where the official vectors live, and a loopback HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import Server

VECTORS = Path(__file__).parent / "vectors"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def vectors() -> Path:
    return VECTORS


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A static HTTP server on 127.0.0.1 serving ``tmp_path / "site"``, stopped afterwards."""
    srv = Server(tmp_path / "site")
    srv.start()
    yield srv
    srv.stop()
