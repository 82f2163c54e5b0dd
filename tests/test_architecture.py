"""The house rules of ARCHITECTURE.md § Package map, checked on the source tree: one import namespace,
the dependency direction between packages, IO-free cores that stay IO-free, and a production wheel
that ships `artaud` alone."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]

# Lower layers never import higher ones; a package may import its own layer's modules only within
# itself. The data flows up the list (the edge, the spool, the warehouse, segments, partners), the
# console and the process layer sit on top. `artaud.errors` is the kernel every package may raise.
LAYERS: list[set[str]] = [
    {"artaud.errors"},
    {"artaud.config", "artaud.consent", "artaud.controlplane"},
    {"artaud.collector"},
    {"artaud.spool"},
    {"artaud.transport", "artaud.warehouse"},
    {"artaud.ingest", "artaud.segments"},
    {"artaud.partners", "artaud.rights"},
    {"artaud.remuneration"},
    {"artaud.admin"},
    {"artaud.compliance"},  # reads every layer's facts: the compliance file
    {"artaud"},  # runtime/: the command line, the supervisor and its roles, the wiring
]

# cores that take values and return values: no network, no database, no process, no files
IO_FREE = [
    "consent/decision.py",
    "consent/tcf.py",
    "consent/cmp.py",
    "consent/tcf_policy.py",
    "collector/hit.py",
    "collector/idsync.py",
    "collector/partner_pseudonyms.py",
    "collector/minimise.py",
    "collector/rights_ticket.py",
    "collector/rights_limit.py",
    "rights/body.py",
    "segments/rules.py",
    "segments/guards.py",
    "partners/disclosure.py",
    "partners/formats.py",
    "remuneration/distribution.py",
    "remuneration/policies.py",
    "remuneration/money.py",
    "remuneration/merkle.py",
    "remuneration/statement.py",
    "remuneration/campaigns.py",
    "admin/roles.py",
    "admin/dashboard.py",
    "admin/own_figures.py",
    "admin/cinema_forms.py",
    "admin/cinema_health.py",
    "admin/money_fr.py",
    "admin/passwords.py",
    "admin/totp.py",
    "admin/lockout.py",
    "admin/throttle.py",
    "remuneration/attribution.py",
    "remuneration/ledger.py",
    "remuneration/delivered_sql.py",
    "remuneration/statement_document.py",
    "remuneration/bank.py",
    "remuneration/sepa.py",
    "compliance/facts.py",
    "compliance/endpoints.py",
    "compliance/categories.py",
    "compliance/tag_source.py",
    "compliance/checks.py",
    "compliance/report.py",
    "compliance/document.py",
    "admin/partner_fr.py",
    "admin/segment_fr.py",
    "admin/system_fr.py",
    "admin/rights_fr.py",
]
IO_MODULES = {
    "socket", "subprocess", "sqlite3", "sqlalchemy", "chdb", "clickhouse_driver", "kafka", "flask",
    "urllib.request", "http.client", "requests", "psycopg", "shutil", "granian",
}  # fmt: skip


def owner(module: str) -> str:
    """The package of an artaud module (its layer's name)."""
    if module == "artaud.errors" or module.startswith("artaud.errors."):
        return "artaud.errors"
    parts = module.split(".")
    candidate = ".".join(parts[:2])
    return candidate if candidate in PACKAGE_DIRS else "artaud"


def layer(package: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if package in names)


def sources() -> dict[str, Path]:
    """module name -> file, for the whole artaud distribution (as setuptools maps it)."""
    found: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        base = ROOT / folder
        for path in base.glob("*.py"):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, at any depth (a lazy import inside a function counts too)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "artaud":  # `from artaud import wiring`
                found += [(node.lineno, f"artaud.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def test_every_source_folder_is_in_the_namespace_and_the_map() -> None:
    mapped = set(PACKAGE_DIRS.values()) | {"devkit"}
    folders = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"tests"}
    assert folders == mapped, "a source folder outside the artaud namespace, or a mapping without a folder"
    assert {n for names in LAYERS for n in names} == set(PACKAGE_DIRS) | {"artaud.errors"}


def test_imports_go_through_the_namespace_and_down_the_layers() -> None:
    top_level = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    wrong: list[str] = []
    checked = 0
    for module, path in sources().items():
        mine = owner(module)
        for line, target in imports(path):
            where = f"{path.relative_to(ROOT)}:{line}: {target}"
            root = target.split(".")[0]
            if root in top_level:
                wrong.append(f"{where} (import artaud.{root}…, never the folder's name)")
            elif root == "artaud_devkit":
                wrong.append(f"{where} (the production code never imports the devkit)")
            elif root == "artaud":
                theirs = owner(target)
                checked += 1
                if theirs != mine and layer(theirs) >= layer(mine):
                    wrong.append(f"{where} ({mine} may not import {theirs}: ARCHITECTURE.md § Package map)")
    assert checked > 200
    assert not wrong, "\n".join(wrong)


def test_the_layer_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The check above is not vacuous: the collector importing the warehouse is refused."""
    stray = tmp_path / "x.py"
    stray.write_text("def f():\n    from artaud.warehouse.backend import Warehouse\n")
    [(_, target)] = imports(stray)
    assert layer(owner(target)) > layer(owner("artaud.collector.app"))
    assert owner("artaud.errors") == "artaud.errors" and owner("artaud.cli") == "artaud"


@pytest.mark.parametrize("relative", IO_FREE)
def test_io_free_cores_import_no_io(relative: str) -> None:
    """Neither the core nor any artaud module it imports, transitively, imports an IO library."""
    files = {str(path.relative_to(ROOT)): path for path in sources().values()}
    by_module = sources()
    seen: set[str] = set()
    todo = [relative]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for _, target in imports(files[current]):
            assert target not in IO_MODULES and target.split(".")[0] not in IO_MODULES, (
                f"{relative} reaches {target} through {current}"
            )
            if target in by_module:
                todo.append(str(by_module[target].relative_to(ROOT)))


def test_the_production_wheel_ships_artaud_alone(tmp_path: Path) -> None:
    """`pip install .` in a clean virtualenv: `artaud` is the only top-level import; no test harness,
    simulator or benchmark is in the wheel; the data files the product reads are."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, ROOT],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("artaud-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"artaud", wheel.name.split("-py3")[0] + ".dist-info"}
    assert not [n for n in names if "devkit" in n or "/tests/" in n or "bench" in n or "testing" in n]
    for needed in (
        "artaud/config/defaults.toml",
        "artaud/collector/static/tag.js",
        "artaud/py.typed",
        "artaud/remuneration/templates/statement.html",
        "artaud/compliance/templates/compliance.html",
    ):
        assert needed in names
    assert any(n.startswith("artaud/warehouse/migrations/") and n.endswith(".sql") for n in names)

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", wheel], check=True, capture_output=True
    )
    probe = "import importlib.util as u; print([n for n in NAMES if u.find_spec(n)])"
    folders = [*sorted(PACKAGE_DIRS.values()), "devkit", "testing", "simulator", "artaud", "artaud_devkit"]
    found = subprocess.run(
        [python, "-c", f"NAMES = {folders!r}; {probe}"],
        cwd=tmp_path,  # not the repository, whose folders a bare `python` would see
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found.strip() == "['artaud']"


def test_the_image_is_built_from_the_production_distribution_alone() -> None:
    """The Dockerfile installs `.` (the wheel above) from a context without the devkit, the tests
    or the benchmarks (docker-compose.yml runs that image)."""
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"devkit", "tests", "bench", ".venv", "build"} <= ignored
    installs = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if "pip install" in line]
    assert installs and all(line.rstrip().endswith("pip install --no-cache-dir .") for line in installs)
