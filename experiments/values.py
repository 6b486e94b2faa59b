"""Parsing of ``KEY=VALUE`` settings and of ``none`` values.

Values are TOML literals (``true``, ``0.4``, ``24``, ``"text"``, ``[0.1, 0.2]``); a bare
word that is not a TOML literal is taken as a string, and ``none`` (any case) means
"no value" (Python ``None``), which TOML itself cannot express. ``true`` and ``false`` are
read in any case (``True``, ``FALSE``); no other word is a boolean: ``yes``, ``on`` or
``1`` stay a string or a number, which a switch knob refuses.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from experiments.errors import InputError

__all__ = ["parse_assignment", "parse_literal", "none_to_null"]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_literal(text: str) -> Any:
    """Parse one TOML literal; ``none``/``null`` give ``None``, ``true``/``false`` in any
    case a boolean, other bare words stay strings."""
    stripped = text.strip()
    word = stripped.lower()
    if word in ("none", "null"):
        return None
    if word in ("true", "false"):
        return word == "true"
    try:
        value = tomllib.loads(f"v = {stripped}")["v"]
    except tomllib.TOMLDecodeError:
        return stripped
    return none_to_null(value)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE`` into the key and its parsed value.

    Raises
    ------
    InputError
        When the text has no ``=`` or the key is not an identifier.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not _KEY.match(key):
        raise InputError(f"--set: {text!r} is not KEY=VALUE (e.g. --set obs_share=0.4)")
    return key, parse_literal(value)


def none_to_null(value: Any) -> Any:
    """Replace the string ``"none"`` (any case) by ``None``, inside lists and tables too."""
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    if isinstance(value, list):
        return [none_to_null(v) for v in value]
    if isinstance(value, dict):
        return {k: none_to_null(v) for k, v in value.items()}
    return value
