"""The layers of ARCHITECTURE.md: imports point down only (app -> ui -> playground -> nn_core), and the NumPy
library a notebook imports needs nothing but NumPy and pandas.  The class store (classroom/), beside
playground/, is called from ui/ only and needs nothing of the app but SQLAlchemy."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LAYERS = ("app", "ui", "playground", "nn_core")  # each may import those after it, never those before
THIRD_PARTY = {  # what each layer may import beyond the standard library and the layers below it
    "nn_core": {"numpy", "pandas"},
    "playground": {"numpy", "pandas"},
}


def layer_of(path):
    """The layer a file of the app belongs to (``app`` for app.py)."""
    return path.stem if path.parent == ROOT else path.relative_to(ROOT).parts[0]


def imported(path):
    """The top-level packages a module imports (a relative import is its own layer's)."""
    tops = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            tops.add(layer_of(path) if node.level else node.module.split(".")[0])
    return tops


def problems(path):
    """What ``path`` imports that its layer may not: a layer above it, or a package outside its allowance."""
    layer = layer_of(path)
    above = set(LAYERS[:LAYERS.index(layer)])
    allowed = THIRD_PARTY.get(layer)
    found = []
    for top in sorted(imported(path) - {layer, "__future__"}):
        if top in above:
            found.append(f"{top} (a layer above {layer})")
        elif allowed is not None and top not in LAYERS and top not in sys.stdlib_module_names and top not in allowed:
            found.append(f"{top} (not for {layer}: {', '.join(sorted(allowed))} and the standard library only)")
    return found


FILES = [ROOT / "app.py"] + sorted(p for layer in LAYERS[1:] for p in (ROOT / layer).glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_and_the_library_needs_only_numpy_and_pandas(path):
    assert problems(path) == []


@pytest.mark.parametrize("path", sorted((ROOT / "classroom").glob("*.py")), ids=lambda p: p.name)
def test_the_class_store_imports_no_layer_and_only_sqlalchemy(path):
    outside = imported(path) - {"classroom", "__future__"} - set(sys.stdlib_module_names)
    assert outside <= {"sqlalchemy"}


def test_only_ui_calls_the_class_store():
    callers = [p for p in ROOT.glob("*/*.py") if "classroom" in imported(p) and p.parent.name != "classroom"]
    assert {p.parent.name for p in callers} <= {"ui", "tests", "bench"}


def test_the_check_sees_an_upward_import_and_a_foreign_package(tmp_path, monkeypatch):
    fake = tmp_path / "nn_core"
    fake.mkdir()
    (fake / "bad.py").write_text("import streamlit\nfrom playground import params\nfrom . import losses\nimport math\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert problems(fake / "bad.py") == ["playground (a layer above nn_core)",
                                         "streamlit (not for nn_core: numpy, pandas and the standard library only)"]
