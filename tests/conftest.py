"""Shared test fixtures: where the official vectors live, and a loopback HTTP server."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import Server
from tests.world import World, build_world

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


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The demo's world (tests/world.py), built once per session."""
    return build_world(tmp_path_factory.mktemp("world"), now=datetime.now(UTC))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a socket fails the test: the verify path is offline."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the verify path tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield
