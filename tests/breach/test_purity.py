"""The breach engine is pure: no module of phiward.breach imports Django (STYLE.md)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import phiward.breach

PACKAGE = Path(phiward.breach.__file__).parent
MODULES = sorted(f"phiward.breach.{info.name}" for info in pkgutil.iter_modules([str(PACKAGE)]))


def test_no_module_imports_django() -> None:
    """Scan every module's imports (including ones inside functions)."""
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] in ("django", "ninja", "allauth")
            ]
    assert offenders == []


def test_importing_the_package_loads_no_django() -> None:
    """Import every module in a fresh interpreter; Django must not be in sys.modules."""
    code = (
        "import importlib, sys\n"
        f"for name in {[*MODULES, 'phiward.breach']!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
    assert {"phiward.breach.facts", "phiward.breach.cli"} <= set(MODULES)
