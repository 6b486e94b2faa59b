"""The one exception type for bad user input."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad user input: the message is one line naming the field and what is allowed.

    The CLI prints it on stderr and exits with code 2 before anything is written.
    """
