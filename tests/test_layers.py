"""The layering that import-linter cannot see (`lint-imports` checks the rest,
in `make lint` and CI): the domain never reads Flask's request globals, and
no module hides an import inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.nodb

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "cases", "escalation", "register", "evaluation", "channels", "app")
# core may ask whether a request is being served (core/sqlite.py: a GET
# begins as a reader); the domain never depends on one.
DOMAIN = ("cases", "escalation", "register", "evaluation")
# Names that exist only while a request is served.
REQUEST_GLOBALS = {
    "flask": {"request", "g", "session"},
    "flask_login": {"current_user", "login_user", "logout_user"},
}


def _modules(packages: tuple[str, ...]):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8"))


def test_the_domain_reads_no_request_globals():
    found = [
        f"{path}:{node.lineno} imports {node.module}.{alias.name}"
        for path, tree in _modules(DOMAIN)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in REQUEST_GLOBALS
        for alias in node.names
        if alias.name in REQUEST_GLOBALS[node.module]
    ]
    assert found == []


def _function_level_imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                    yield inner, inner.module
                elif isinstance(inner, ast.Import):
                    for alias in inner.names:
                        yield inner, alias.name


def test_no_module_imports_the_project_inside_a_function():
    found = [
        f"{path}:{node.lineno} imports {module}"
        for path, tree in _modules(PACKAGES)
        for node, module in _function_level_imports(tree)
        if module.split(".")[0] in PACKAGES
    ]
    assert found == []
