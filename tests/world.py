"""The demo's world, built once per test session: a registry with issuers approved,
suspended and removed, the centre's ledger with one credential revoked, status lists, and a
sync cache made from them. Shared by the page, re-spelling and corpus tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class World:
    """The demo's files, and a sync cache made from them."""

    dir: Path
    cache: Path

    @property
    def registry(self) -> Path:
        return self.dir / "registry.json"

    @property
    def root(self) -> Path:
        return self.dir / "regulator" / "registry" / "root.json"

    @property
    def status(self) -> Path:
        return self.dir / "status"

    def credential(self, name: str) -> bytes:
        return (self.dir / name).read_bytes()


def fill_cache(world_dir: Path, cache: Path, *, now: datetime) -> None:
    """What `vcskill sync` leaves: the verified registry with its pinned root and state,
    and the issuers' status lists."""
    from did_registry.cache import Cache, status_file_name
    from did_registry.pinning import parse_trust_anchor
    from did_registry.registry import Registry

    document = (world_dir / "registry.json").read_bytes()
    anchor = parse_trust_anchor(str(world_dir / "regulator" / "registry" / "root.json"))
    registry = Registry.load(document, trusted_root=anchor.root_for(document), now=now)
    store = Cache(cache)
    with store.lock():
        store.save_registry(document, registry, url="https://registry.example.cn/",
                            etag=None, fetched_at=now)
        for path in sorted((world_dir / "status").glob("1-*.json")):
            url = json.loads(path.read_text(encoding="utf-8"))["id"]
            store.save_status_list(url, path.read_bytes())
    assert (cache / "status" / status_file_name(url)).is_file()


def build_world(base: Path, *, now: datetime) -> World:
    """Run the demo in ``base / "demo"`` and fill a cache from it."""
    from vcskill.demo import run_demo

    assert run_demo(base / "demo", echo=lambda _line: None)
    fill_cache(base / "demo", base / "cache", now=now)
    return World(base / "demo", base / "cache")
