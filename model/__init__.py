"""hotpotato's simulation: the ledger, clearing, markets, agents and the Mesa model.

``model.HotPotatoModel`` is the Mesa model; ``model.run.simulate`` runs one to its horizon.
Nothing here imports from ``experiments``.
"""

from typing import Any

__all__ = ["HotPotatoModel"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``import model.clearing`` does not pull in Mesa.
    if name == "HotPotatoModel":
        from model.hotpotato import HotPotatoModel

        return HotPotatoModel
    raise AttributeError(name)
