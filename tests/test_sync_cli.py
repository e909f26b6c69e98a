"""`vcskill registry publish` → a static site on a loopback HTTP server → `vcskill sync` →
`vcskill verify --cache`, offline, through the command line.

The library-level checks of sync (every refusal, redirects, sizes, did:web addresses,
crashes) are in tests/test_sync.py; here: that the commands fit together, and that the
exit codes and error codes of docs/cli.md come out.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.loopback import Server
from tests.test_cli import assert_one_line_error, run
from tests.test_registry_cli import flags, key, ok


@dataclass
class Regulator:
    dir: Path
    reg: Path
    roots: list[Path]
    fingerprint: str
    issuer: Path
    credential: Path

    def publish(self, site: Path) -> None:
        ok(run("registry", "publish", self.reg, *flags("--key", self.roots[:2]),
               "--out", self.dir / "registry.json", "--site", site))


@pytest.fixture
def regulator(tmp_path: Path, server: Server) -> Regulator:
    roots = [key(tmp_path, f"root{i}")[0] for i in range(3)]
    reg = tmp_path / "reg"
    out = ok(run("registry", "init", reg, *flags("--root-key", roots), "--threshold", "2",
                 "--name", "人力资源社会保障部")).stdout
    fingerprint = out.split("fingerprint:")[1].split()[0]
    issuer, did, multibase = key(tmp_path, "issuer", "--name", "某评价中心")
    ok(run("registry", "issuer-add", reg, "--did", did, "--name", "某评价中心",
           "--category", "employer", "--public-key", multibase, "--scope", "6-31-01-03:L5-L3",
           "--approved-from", "2025-01-01"))
    credential = tmp_path / "c.json"
    ok(run("issue", "--key", issuer, "--name", "张三", "--occupation", "6-31-01-03",
           "--level", "L3", "--valid-from", "2026-01-15", "--out", credential))
    regulator = Regulator(tmp_path, reg, roots, fingerprint, issuer, credential)
    regulator.publish(server.site)
    return regulator


def sync(server: Server, cache: Path, *extra: str) -> object:
    return run("sync", server.url, "--cache", cache, "--allow-loopback", *extra)


def test_sync_then_verify_offline(regulator: Regulator, server: Server,
                                  tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = sync(server, cache, "--trust-root", regulator.fingerprint)
    assert first.exit_code == 0, first.stderr
    assert "registry v1 cached" in first.stdout
    server.stop()  # from here on, no network at all
    result = run("verify", regulator.credential, "--cache", cache, "--json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["registry"]["version"] == 1
    assert report["registry"]["source"].endswith("registry.json")
    server.start()


def test_the_first_sync_needs_a_trusted_root(regulator: Regulator, server: Server,
                                             tmp_path: Path) -> None:
    result = sync(server, tmp_path / "cache")
    line = assert_one_line_error(result, code="REGISTRY_MISSING")
    assert "--trust-root FILE|sha256:HEX" in line
    assert "trusted_root" not in line  # a Python parameter means nothing on the command line


def test_a_root_file_pins_as_well_as_the_fingerprint(regulator: Regulator, server: Server,
                                                     tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ok(sync(server, cache, "--trust-root", str(regulator.reg / "root.json")))
    assert run("verify", regulator.credential, "--cache", cache).exit_code == 0


def test_a_registry_of_another_root_is_refused(regulator: Regulator, server: Server,
                                               tmp_path: Path) -> None:
    other = "sha256:" + "0" * 64
    result = sync(server, tmp_path / "cache", "--trust-root", other)
    assert_one_line_error(result, code="REGISTRY_ROOT_ROTATION")


def test_an_empty_cache_cannot_decide(regulator: Regulator, tmp_path: Path) -> None:
    result = run("verify", regulator.credential, "--cache", tmp_path / "empty")
    line = assert_one_line_error(result, exit_code=3, code="REGISTRY_MISSING")
    assert "vcskill sync" in line


def test_a_rollback_on_the_server_is_refused_and_the_cache_kept(
        regulator: Regulator, server: Server, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    v1 = (server.site / "registry.json").read_bytes()
    ok(sync(server, cache, "--trust-root", regulator.fingerprint))
    regulator.publish(server.site)
    assert "v1 → v2" in ok(sync(server, cache)).stdout
    server.serve("/registry.json", v1)  # a mirror serves the old version again
    assert_one_line_error(sync(server, cache), code="REGISTRY_ROLLBACK")
    result = run("verify", regulator.credential, "--cache", cache, "--json")
    assert json.loads(result.stdout)["registry"]["version"] == 2


def test_a_tampered_cache_is_refused(regulator: Regulator, server: Server,
                                     tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ok(sync(server, cache, "--trust-root", regulator.fingerprint))
    text = (cache / "registry.json").read_text()
    (cache / "registry.json").write_text(text.replace("某评价中心", "某某评价中心"))
    result = run("verify", regulator.credential, "--cache", cache)
    assert result.exit_code == 2, result.output
    assert "REGISTRY_" in result.stderr


def test_an_expired_cache_cannot_decide_at_a_later_date(regulator: Regulator, server: Server,
                                                         tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ok(sync(server, cache, "--trust-root", regulator.fingerprint))
    late = run("verify", regulator.credential, "--cache", cache, "--at", "2099-01-01",
               "--json")
    assert late.exit_code == 3, late.stdout
    assert json.loads(late.stdout)["registry"]["expired"] is True


def test_a_mirror_is_as_good_as_the_origin(regulator: Regulator, server: Server,
                                           tmp_path: Path) -> None:
    # The registry is signed, so any host will do: copy the site and serve it elsewhere.
    mirror = Server(tmp_path / "mirror")
    shutil.copytree(server.site, mirror.site)
    mirror.start()
    try:
        cache = tmp_path / "cache"
        assert run("sync", mirror.url, "--cache", cache, "--allow-loopback", "--trust-root",
                   regulator.fingerprint).exit_code == 0
        assert run("verify", regulator.credential, "--cache", cache).exit_code == 0
    finally:
        mirror.stop()


def test_plain_http_needs_allow_loopback(regulator: Regulator, server: Server,
                                         tmp_path: Path) -> None:
    result = run("sync", server.url, "--cache", tmp_path / "cache", "--trust-root",
                 regulator.fingerprint)
    assert_one_line_error(result, code="REGISTRY_FETCH_FAILED")


def test_sync_mirrors_the_status_lists_and_verify_uses_them(tmp_path: Path,
                                                            server: Server) -> None:
    """The issuer publishes its lists at its statusUrl; sync verifies and caches them;
    verify --cache then sees a revocation offline, and a rolled-back list never wins."""
    status_url = f"http://127.0.0.1:{server.port}/status"
    root, _, _ = key(tmp_path, "root")
    issuer, did, multibase = key(tmp_path, "issuer", "--name", "某评价中心")
    reg = tmp_path / "reg"
    ok(run("registry", "init", reg, "--root-key", root, "--name", "部"))
    ok(run("registry", "issuer-add", reg, "--did", did, "--name", "某评价中心", "--category",
           "employer", "--public-key", multibase, "--scope", "6-31-01-03:L5-L3",
           "--approved-from", "2025-01-01", "--status-url", status_url))
    ok(run("registry", "publish", reg, "--key", root, "--out", tmp_path / "registry.json",
           "--site", server.site))
    ledger, credential = tmp_path / "issuer.ledger", tmp_path / "c.json"
    ok(run("issue", "--key", issuer, "--name", "张三", "--occupation", "6-31-01-03",
           "--level", "L3", "--valid-from", "2026-01-15", "--certificate-number",
           "S000011000001263000001", "--ledger", ledger, "--status-url", status_url,
           "--out", credential))
    publish = ["status", "publish", "--ledger", ledger, "--key", issuer, "--out-dir",
               server.site / "status"]
    ok(run(*publish))
    old_list = (server.site / "status" / "1-revocation.json").read_bytes()
    cache = tmp_path / "cache"
    synced = ok(run("sync", server.url, "--cache", cache, "--allow-loopback", "--trust-root",
                    str(reg / "root.json")))
    assert "2 status list(s) cached" in synced.stdout
    assert ok(run("verify", credential, "--cache", cache)).exit_code == 0

    ok(run("revoke", "--ledger", ledger, credential, "--reason", "fraudulent exam"))
    time.sleep(1.1)  # the new list's validFrom is a later second
    ok(run(*publish))
    ok(run("sync", server.url, "--cache", cache, "--allow-loopback"))
    revoked = run("verify", credential, "--cache", cache, "--json")
    assert revoked.exit_code == 1 and "CREDENTIAL_REVOKED" in revoked.stdout

    # a mirror serving the old list again (before the revocation) does not undo it
    server.serve("/status/1-revocation.json", old_list)
    again = ok(run("sync", server.url, "--cache", cache, "--allow-loopback"))
    assert "older than the cached copy" in again.stderr
    assert run("verify", credential, "--cache", cache).exit_code == 1

    # nor does a newer list, signed with the issuer's key, that clears the revocation bit
    from vcskill.issuing.signing import sign_credential
    from vcskill.keys.keyfile import read_key_file
    from vcskill.status.statuslist import Bitstring, StatusPurpose, build_status_list_credential

    key_file = read_key_file(issuer, passphrase=None)
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
    url = f"{status_url}/1-revocation.json"
    cleared = sign_credential(
        build_status_list_credential(list_url=url, issuer=did,
                                     purpose=StatusPurpose.REVOCATION, bits=Bitstring(),
                                     valid_from=later, valid_until=later + timedelta(days=1)),
        key_file.private_key, verification_method=key_file.metadata.verification_method)
    server.serve("/status/1-revocation.json", json.dumps(cleared).encode())
    refused = ok(run("sync", server.url, "--cache", cache, "--allow-loopback"))
    assert "clears revocation bits" in refused.stderr
    assert run("verify", credential, "--cache", cache).exit_code == 1
