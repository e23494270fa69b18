"""Helpers shared by test modules (importable as ``support``; conftest is not importable)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

CliRunner = Callable[..., subprocess.CompletedProcess[str]]
