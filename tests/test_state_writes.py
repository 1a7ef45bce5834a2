"""ui/state.py is the one writer of session state: every other module of the app only reads it."""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
WRITERS = ("pop", "popitem", "setdefault", "update", "clear", "__setitem__", "__delitem__", "__setattr__",
           "__delattr__")  # the methods (called, or passed on as a callback) that change session state


def session_state_names(tree):
    """The names a module binds to ``st.session_state`` (as ``ss = st.session_state``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = zip(target.elts, node.value.elts) if isinstance(target, ast.Tuple) and isinstance(
                    node.value, ast.Tuple) else [(target, node.value)]
                names.update(t.id for t, v in pairs if isinstance(t, ast.Name) and is_session_state(v, set()))
    return names


def is_session_state(node, names):
    """Whether ``node`` is ``<module>.session_state`` or a name bound to it."""
    return (isinstance(node, ast.Attribute) and node.attr == "session_state") or (
        isinstance(node, ast.Name) and node.id in names)


def root(node):
    """What a chain of subscripts and attributes starts from: ``ss`` of ``ss[a]["b"].c``."""
    while isinstance(node, (ast.Subscript, ast.Attribute)) and not is_session_state(node, set()):
        node = node.value
    return node


def session_writes(source):
    """The lines (number, text) of ``source`` that write session state: an assignment (plain, augmented,
    annotated) or ``del`` of anything reached from it, or a writing method of it (``WRITERS``)."""
    tree = ast.parse(source)
    names = session_state_names(tree)
    found = []
    for node in ast.walk(tree):
        targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete))
                   else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
        targets = [e for t in targets for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
        if any(isinstance(t, (ast.Subscript, ast.Attribute)) and is_session_state(root(t), names)
               for t in targets):
            found.append(node)
        elif isinstance(node, ast.Attribute) and node.attr in WRITERS and is_session_state(node.value, names):
            found.append(node)
    lines = source.splitlines()
    return sorted((n.lineno, lines[n.lineno - 1].strip()) for n in found)


def test_no_module_but_state_writes_session_keys():
    writes = {path.relative_to(ROOT).as_posix(): session_writes(path.read_text())
              for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))] if path.name != "state.py"}
    assert {path: lines for path, lines in writes.items() if lines} == {}


def test_the_check_finds_every_kind_of_write():
    source = """
import streamlit as st
ss, other = st.session_state, 1
st.session_state["a"] = 1
ss["a"] += 1
ss["views"][3]["a"] = 2
ss.key = 3
del ss["a"]
ss.pop("a", None)
x = ss.setdefault("a", {})
st.session_state.update(a=1)
st.selectbox("Layer", key="a", on_change=st.session_state.pop, args=("b",))
y = ss["a"]
z = ss.get("a")
w = st.session_state["a"]["b"]
"""
    assert [n for n, _ in session_writes(source)] == list(range(4, 13))
