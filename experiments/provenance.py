"""Provenance for ``manifest.json``: the code version and the versions of key packages."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["code_version", "package_versions", "PACKAGES"]

PACKAGES = (
    "hotpotato",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "matplotlib",
    "networkx",
    "dask",
    "distributed",
    "typer",
)
"""Distributions whose versions every manifest records."""

_ROOT = Path(__file__).resolve().parents[1]


def code_version() -> str:
    """``git describe --always --dirty`` of the project, else the installed package version."""
    try:
        done = subprocess.run(
            ["git", "-C", str(_ROOT), "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return f"git {done.stdout.strip()}"
    try:
        return f"hotpotato {metadata.version('hotpotato')}"
    except metadata.PackageNotFoundError:
        return "unknown"


def package_versions() -> dict[str, str]:
    """Versions of Python and of ``PACKAGES`` ("not installed" when absent)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
