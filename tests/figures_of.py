"""scripts/figures.py, loaded from its file: the docs' figures and where they come from."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "figures", Path(__file__).resolve().parents[1] / "scripts" / "figures.py"
)
assert _SPEC is not None and _SPEC.loader is not None
_MODULE = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_MODULE)
figures = _MODULE.figures
