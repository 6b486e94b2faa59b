"""Experiments on the hotpotato model: definitions, sweeps, stored results, figures and CLI.

Nothing here is imported by ``model/``. Importing this package is cheap: the simulation,
pandas, pyarrow and matplotlib are imported by the modules that need them.
"""

__all__: list[str] = []
