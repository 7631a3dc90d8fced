"""torch and transformers are imported only where they are used: the torch backend (service/engines/torch_backend)
and the converter (service/engines/converter.py). Every other module of the service must import without them, so
that the CTranslate2 backend serves with neither installed."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ROOT / "service"
HEAVY = ("torch", "transformers")
# Modules that may import them at module level, and which therefore nothing else may import at module level.
ALLOWED = ("service.engines.torch_backend", "service.engines.converter")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of every import that runs when the module is imported: the module body, class bodies and
    if/try/with blocks, not function bodies nor `if TYPE_CHECKING:` blocks."""
    found: list[tuple[int, str]] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.If):
            pending.extend(node.orelse if _is_type_checking(node.test) else [*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
            pending.extend(statement for handler in node.handlers for statement in handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            pending.extend(node.body)
    return found


def violations(name: str, source: str) -> list[str]:
    """The module-level imports of module `name` that would bring torch or transformers along."""
    if name.startswith(ALLOWED):
        return []
    bad = []
    for line, imported in top_level_imports(ast.parse(source)):
        root = imported.split(".")[0]
        if root in HEAVY or imported.startswith(ALLOWED):
            bad.append(f"{name}:{line} imports {imported}")
    return bad


def test_no_module_outside_the_torch_backend_imports_torch_or_transformers_at_load() -> None:
    modules = sorted(SERVICE.rglob("*.py"))
    assert len(modules) > 40  # the walk sees the whole package
    found = [bad for path in modules for bad in violations(module_name(path), path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import torch",
        "from transformers import AutoTokenizer",
        "import transformers.utils as u",
        "try:\n    import torch\nexcept ImportError:\n    pass",
        "class A:\n    from torch import nn",
        "from service.engines.torch_backend.seq2seq import Seq2SeqEngine",
        "from service.engines.converter import convert",
        "if True:\n    import torch",
    ],
)
def test_the_walk_catches_every_kind_of_module_level_import(source: str) -> None:
    assert violations("service.example", source)


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    import torch",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from torch import Tensor",
        "import torchvision_lookalike_name as t",
        "from service.engines.ct2 import CT2Engine",
    ],
)
def test_the_walk_lets_lazy_and_unrelated_imports_pass(source: str) -> None:
    assert violations("service.example", source) == []
    assert violations("service.engines.torch_backend.seq2seq", "import torch") == []


@pytest.mark.slow  # a fresh interpreter importing the serving modules: a second or two
def test_the_serving_modules_import_without_torch_or_transformers() -> None:
    # Imports of them fail in this interpreter, as on the runtime install, where neither is installed.
    program = (
        "import sys\n"
        "sys.modules.update(torch=None, transformers=None)\n"
        "import service.cli, service.api.app, service.engines.factory, service.engines.ct2, service.batch\n"
        "print(sorted(name for name in ('torch', 'transformers') if sys.modules.get(name) is not None))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
