"""The public surface of ``vcskill`` is exactly ``__all__``, and every name resolves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vcskill

EXPECTED = {
    "__version__", "Verifier", "Accept", "Policy", "VerificationReport", "Check", "CheckId",
    "Outcome",
    "CredentialSummary", "Limits", "ContextStore", "IssueRequest", "IssueResult", "issue_one",
    "sign_credential", "ProofFormat", "SkillCredential", "KeyAlgorithm", "PrivateKey",
    "PublicKey", "KeyFile", "read_key_file", "write_key_file", "SkillLevel", "Occupation",
    "LEVELS", "Error", "Code", "VerificationError", "DirectoryStatusSource",
    "MemoryStatusSource",
}


def test_all_is_the_curated_surface() -> None:
    assert set(vcskill.__all__) == EXPECTED
    assert len(vcskill.__all__) == len(EXPECTED)
    assert set(vcskill._EXPORTS) == EXPECTED - {"__version__"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(vcskill, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        vcskill.NoSuchThing  # noqa: B018


def test_importing_the_package_does_not_load_the_json_ld_stack() -> None:
    # the CLI imports vcskill for --version and --help: that must stay cheap
    code = "import sys, vcskill; print('pyld' in sys.modules, 'cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


# The layers of docs/architecture.md ("Layout"), lowest first. A module may import its own
# subpackage and any lower layer, never a higher one or a sibling of its own layer: issuing and
# verifying share everything below them and nothing with each other.
LAYERS: dict[str, int] = {
    "errors": 0,
    "limits": 1, "common": 1,
    "linkeddata": 2,
    "keys": 3,
    "model": 4,
    "proofs": 5,
    "status": 6,
    "qr": 7, "statuslist": 7,  # statuslist: an alias of status.statuslist, just above it
    "issuing": 8, "verifying": 8,
    "web": 9, "demo": 9,
    "cli": 10,
}
WIRING = {"web", "demo", "cli"}  # the only parts that know did_registry
# The one door up from the library: Verifier.from_cache reads the sync cache, did_registry's
# format, importing it only when called (docs/architecture.md, "Dependencies between modules").
DOORS = {("vcskill.verifying.verifier", "did_registry.sources")}


def _imports(root: str) -> dict[str, set[str]]:
    """Every vcskill and did_registry module imported by each module under ``root``,
    including imports made inside functions (they are dependencies too)."""
    import ast

    found: dict[str, set[str]] = {}
    base = Path(vcskill.__file__).parent.parent
    for source in sorted((base / root).rglob("*.py")):
        name = ".".join(source.relative_to(base).with_suffix("").parts).removesuffix(".__init__")
        found[name] = set()
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found[name] |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found[name] |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        found[name] = {n for n in found[name] if n.split(".")[0] in ("vcskill", "did_registry")}
    return found


def _part(module: str) -> str:
    """The layer part of a vcskill module: ``vcskill.keys.did`` is ``keys``."""
    return module.split(".")[1]


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {_part(m) for m in _imports("vcskill") if m != "vcskill"}
    assert parts == set(LAYERS)


def test_each_layer_imports_only_the_layers_below_it() -> None:
    offenders = []
    for module, imported in _imports("vcskill").items():
        if module == "vcskill":
            continue  # the facade: lazy re-exports of the public API
        part = _part(module)
        for name in imported:
            if name == "vcskill" or name.startswith("vcskill.__"):
                if part not in WIRING:
                    offenders.append(f"{module} imports the facade {name}")
                continue
            if name.startswith("did_registry"):
                if part not in WIRING and (module, name.rsplit(".", 1)[0]) not in DOORS \
                        and (module, name) not in DOORS:
                    offenders.append(f"{module} imports {name}: only {sorted(WIRING)} may")
                continue
            other = _part(name)
            if other != part and LAYERS[other] >= LAYERS[part]:
                offenders.append(f"{module} (layer {LAYERS[part]}) imports {name} "
                                 f"(layer {LAYERS[other]})")
    assert offenders == []


def test_the_registry_builds_on_the_library_not_on_its_front_ends() -> None:
    """did_registry implements the verifier's TrustRegistry interface: it may use the layers up
    to verifying, never issuing or the command line, page or demo that wire it in."""
    offenders = [f"{module} imports {name}"
                 for module, imported in _imports("did_registry").items()
                 for name in imported
                 if name.startswith("vcskill.") and _part(name) in WIRING | {"issuing"}]
    assert offenders == []


def test_no_two_modules_import_each_other_even_indirectly() -> None:
    graph = _imports("vcskill") | _imports("did_registry")
    edges = {module: {n for n in imported if n in graph and n != module
                      and not module.startswith(n + ".")}  # a package's own __init__
             for module, imported in graph.items()}
    edges.pop("vcskill")  # the facade imports lazily, on attribute access only
    cycles: set[str] = set()

    def walk(module: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(module, ())):
            if nxt in path:
                loop = path[path.index(nxt):]
                first = loop.index(min(loop))  # each cycle once, from its smallest name
                cycles.add(" -> ".join(loop[first:] + loop[:first] + [min(loop)]))
            elif nxt not in seen:
                seen.add(nxt)
                walk(nxt, [*path, nxt])

    for start in sorted(edges):
        seen = {start}
        walk(start, [start])
    assert sorted(cycles) == []


def test_no_invariant_is_guarded_by_assert_in_library_code() -> None:
    """``python -O`` removes ``assert``: an invariant the library relies on raises
    ``InternalError`` instead, so it holds however Python is run."""
    import ast

    base = Path(vcskill.__file__).parent.parent
    offenders = [f"{source.relative_to(base)}:{node.lineno}"
                 for root in ("vcskill", "did_registry")
                 for source in sorted((base / root).rglob("*.py"))
                 for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Assert)]
    assert offenders == []


def test_the_old_status_list_path_is_the_same_module_surface() -> None:
    """The W3C suites' adapter imports vcskill.statuslist by name (kept as an alias)."""
    import vcskill.status.statuslist as home
    import vcskill.statuslist as alias

    assert alias.__all__ == home.__all__
    assert all(getattr(alias, name) is getattr(home, name) for name in home.__all__)
