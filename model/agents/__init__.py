"""The agents: behaviour only. Every number they act on lives in the ledger, the asset
book or the market state; an agent holds its account id and its fixed profile."""

from model.agents.bank import Bank
from model.agents.base import Institution
from model.agents.chip_vendor import ChipVendor
from model.agents.fund import Fund
from model.agents.government import Government
from model.agents.grid import Grid
from model.agents.hyperscaler import Hyperscaler
from model.agents.lab import AILab
from model.agents.spv import SPV

__all__ = [
    "AILab",
    "Bank",
    "ChipVendor",
    "Fund",
    "Government",
    "Grid",
    "Hyperscaler",
    "Institution",
    "SPV",
]
