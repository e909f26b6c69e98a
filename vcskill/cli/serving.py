"""`vcskill serve`: the verification page and web API."""

from __future__ import annotations

from pathlib import Path

import click

from vcskill.cli.app import (
    handle_errors,
    main,
)


@main.command("serve")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Sync cache to verify against (from `vcskill sync`).")
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path),
              help="A registry file instead of a cache (needs --trust-root).")
@click.option("--trust-root", envvar="VCSKILL_TRUST_ROOT", metavar="FILE|sha256:HEX",
              help="The regulator's root, with --registry [env VCSKILL_TRUST_ROOT].")
@click.option("--status-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Status list credentials [default with --cache: those it mirrored].")
@click.option("--allow-expired-registry", is_flag=True,
              help="Decide with a registry past its expiry (the page says so).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback is reachable by others.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes that verify in parallel, sharing the port (one per core).")
@click.option("--root-path", default="", metavar="PREFIX",
              help="The path prefix a reverse proxy serves the page under, e.g. /verify-skills.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A host name employers reach the page by (repeatable; *.example.cn for "
                   "subdomains) [default: this machine, and --host if it is one address].")
@click.option("--issuer-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Open the VC API's POST /credentials/issue, signing with this key, for "
                   "holders of the token in VCSKILL_ISSUE_TOKEN.")
@click.option("--allow-test-contexts", is_flag=True,
              help="Also accept the W3C examples contexts the official test suites use "
                   "(conformance runs only).")
@click.option("--quiet", is_flag=True, help="Do not log requests.")
@handle_errors
def serve_command(cache: Path | None, registry: Path | None, trust_root: str | None,
                  status_dir: Path | None, allow_expired_registry: bool, host: str, port: int,
                  workers: int, root_path: str, allowed_hosts: tuple[str, ...],
                  issuer_key: Path | None, allow_test_contexts: bool, quiet: bool) -> None:
    """The employer's verification page: scan or upload a QR code, or paste a credential.

    Works offline from the sync cache; no asset is loaded from the internet. Integrators
    POST to /api/verify, or to the W3C VC API's /credentials/verify.

    \b
    Example:
      vcskill sync https://registry.example.gov.cn/ --cache ~/.cache/vcskill --trust-root ...
      vcskill serve --cache ~/.cache/vcskill --port 8080 --workers 2
    """
    from click.core import ParameterSource

    from vcskill.web.server import serve

    if registry is None and click.get_current_context().get_parameter_source(
            "trust_root") is ParameterSource.ENVIRONMENT:
        trust_root = None  # VCSKILL_TRUST_ROOT is for --registry; the cache pins its own
    serve(host=host, port=port, cache=cache, registry=registry, trust_root=trust_root,
          status_dir=status_dir, allow_expired_registry=allow_expired_registry,
          workers=workers, root_path=root_path.rstrip("/"),
          allowed_hosts=allowed_hosts or None, issuer_key=issuer_key,
          allow_test_contexts=allow_test_contexts, echo=click.echo, quiet=quiet)


