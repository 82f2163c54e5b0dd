"""The verification program of docs/remuneration.md and docs/remuneration.fr.md, which uses nothing
but Python's standard library, accepts the statements the code produces and refuses altered ones;
the documented example statement is the one the code produces for the worked example."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from artaud.remuneration.contributions import parse_contributions
from artaud.remuneration.distribution import distribute
from artaud.remuneration.policies import ProRata
from artaud.remuneration.statement import Published, publish, verify
from tests.doc_blocks import DOCS, blocks
from tests.remuneration.helpers import cinemas
from tests.remuneration.test_statement import SALT, forged, totals

DOCS_WITH_PROGRAM = ("remuneration.md", "remuneration.fr.md")


def example_salt(cnc: str) -> str:
    """The salts of the documented example (a real publication draws them at random)."""
    return hashlib.sha256(f"2026-11-exemple {cnc}".encode()).hexdigest()[:32]


def run_program(
    program: str, statement: object, root: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "releve.json").write_text(json.dumps(statement), encoding="utf-8")
    (tmp_path / "verify.py").write_text(program, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", "verify.py"],  # -I: nothing from artaud's environment
        input=root + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )


def test_both_docs_carry_the_same_program_and_example() -> None:
    en, fr = blocks("remuneration.md"), blocks("remuneration.fr.md")
    assert en["verify-statement"] == fr["verify-statement"]
    assert en["statement-example"] == fr["statement-example"]
    imports = {line for line in en["verify-statement"].splitlines() if line.startswith(("import", "from"))}
    assert imports == {"import hashlib", "import json"}


@pytest.mark.parametrize("doc", DOCS_WITH_PROGRAM)
def test_the_documented_example_is_what_the_code_publishes(doc: str, tmp_path: Path) -> None:
    code = blocks(doc)
    listed = parse_contributions(code["remuneration-csv"] + "\n")
    d = distribute(listed, 1234567, Fraction(1, 10), ProRata())
    published = publish("2026-11-exemple", d, listed, salt=example_salt)
    example = json.loads(code["statement-example"])
    assert example == published.statements["0120033"]
    text = (DOCS / doc).read_text()
    assert f"`{published.root}`" in text and f"--root {published.root}" in text
    done = run_program(code["verify-statement"], example, published.root, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("valide : 2026-11-exemple 0120033 25503 centimes sur 1111110\n")


@pytest.fixture(scope="module")
def published() -> Published:
    listed = cinemas(*range(1, 12), "1/3", 0)
    return publish("c-7", distribute(listed, 98765, Fraction(3, 20), ProRata()), listed)


@pytest.mark.parametrize("cinema", ["0000001", "0000006", "0000012", "0000013"])
def test_the_program_accepts_every_shape_of_path(cinema: str, published: Published, tmp_path: Path) -> None:
    """13 cinemas and the totals: 14 leaves, so lines at a left edge, in the middle, and on the
    unpaired right edge whose path skips levels."""
    statement = published.statements[cinema]
    assert verify(statement, published.root) == []
    done = run_program(blocks("remuneration.fr.md")["verify-statement"], statement, published.root, tmp_path)
    assert done.returncode == 0, done.stderr


def _shifted(leaf: object, field: int, cents: int) -> str:
    fields = str(leaf).split("\t")
    fields[field] = str(int(fields[field]) + cents)
    return "\t".join(fields)


@pytest.mark.parametrize("cinema", ["0000001", "0000006", "0000012", "0000013"])
@pytest.mark.parametrize("change", ["amount", "salt", "pot", "index", "size", "root", "path"])
@pytest.mark.parametrize("cents", [-1, 1])
def test_the_program_refuses_what_verify_refuses(
    cinema: str, change: str, cents: int, published: Published, tmp_path: Path
) -> None:
    statement = dict(published.statements[cinema])
    root = published.root
    if change == "amount":
        statement["line"] = _shifted(statement["line"], 3, abs(cents))
    elif change == "salt":
        fields = str(statement["line"]).split("\t")
        fields[4] = f"{(int(fields[4], 16) + cents) % 16**32:032x}"
        statement["line"] = "\t".join(fields)
    elif change == "pot":
        statement["totals"] = _shifted(_shifted(statement["totals"], 5, cents), 6, cents)
    elif change == "index":
        statement["line_index"] = int(str(statement["line_index"])) + cents
    elif change == "size":
        statement["tree_size"] = int(str(statement["tree_size"])) + cents
    elif change == "root":
        root = root[:-1] + ("0" if root[-1] != "0" else "1")
    else:
        path = list(statement["line_path"])  # type: ignore[call-overload]
        statement["line_path"] = path[:-1] if cents < 0 else [*path, path[0]]
    assert verify(statement, root) != []
    program = blocks("remuneration.md")["verify-statement"]
    done = run_program(program, statement, root, tmp_path)
    assert done.returncode == 1 and "AssertionError" in done.stderr, done.stderr


@pytest.mark.parametrize(
    "line",
    [
        "artaud.remuneration.line/1\t0000009\t2\t1",  # the first format, never issued: no salt
        "artaud.remuneration.line/2\t0000009\t2\t1",
        f"artaud.remuneration.line/2\t0000009\t2\t1\t{SALT.upper()}",
        f"artaud.remuneration.line/2\t0000009\t2\t1\t{SALT[:-1]}",
        f"artaud.remuneration.line/2\t0000009\t2\t1\t{SALT}\t",
    ],
)
def test_the_program_refuses_a_line_without_its_salt_even_when_the_proofs_hold(
    line: str, tmp_path: Path
) -> None:
    statement = forged(line, totals())
    root = str(statement["root"])
    assert verify(statement, root) != []
    done = run_program(blocks("remuneration.fr.md")["verify-statement"], statement, root, tmp_path)
    assert done.returncode == 1 and "AssertionError" in done.stderr, done.stderr
    good = forged(f"artaud.remuneration.line/2\t0000009\t2\t1\t{SALT}", totals())
    assert verify(good, str(good["root"])) == []
    done = run_program(blocks("remuneration.md")["verify-statement"], good, str(good["root"]), tmp_path)
    assert done.returncode == 0, done.stderr
