"""Crash detection and the crash record (tick step 10).

A crash is the first month in which any of these holds (thresholds are scenario knobs):

* the AI equity index is ``crash_drawdown`` (default 50%) or more below its peak;
* cumulative credit losses reach ``crash_credit_loss_share`` (default 10%) of the peak
  AI-related debt (debt owed by labs, hyperscalers, SPVs, the chip vendor, and NAV loans);
* a bank fails or needs a bailout.

The record holds the month, the trigger, the first month each rule held, whether or not
it called the crash (``TRIGGERS``: a drawdown is told apart from a debt crash years
later), the first defaulter by the crash month ("" if none defaulted by then; over the
run if there was no crash), the cascade depth (the deepest cascade up to the crash, or
over the run if none), whether the path ran through off-balance-sheet contracts (an SPV
defaulted by the crash month), and losses by holder over the whole run (each dollar
counted once: ``model.losses``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from model.ledger import IS_DEBT, ContractKind, Sector
from model.losses import HOLDERS

if TYPE_CHECKING:
    from model.hotpotato import HotPotatoModel

__all__ = ["CrashDetector", "LOSS_MEMORY_MONTHS", "TRIGGERS"]

TRIGGERS = ("equity_drawdown", "credit_losses", "bank_failure")
"""The crash rules, in the order a trigger naming several of them lists them; the
``runs.parquet`` column ``<rule>_month`` is the first month each held."""

LOSS_MEMORY_MONTHS = 12.0
"""How long the credit market remembers a credit loss, months: the weight of last month's
losses in the loss rate it prices fades by 1/12 a month."""

IS_AI_SECTOR = np.zeros(len(Sector), dtype=bool)
IS_AI_SECTOR[[Sector.LAB, Sector.HYPERSCALER, Sector.SPV, Sector.CHIP_VENDOR]] = True
"""Lookup by sector: whether debt owed by it is AI-related."""

IS_AI_DEBT = np.zeros((len(ContractKind), 2), dtype=bool)
IS_AI_DEBT[:, 1] = IS_DEBT
IS_AI_DEBT[ContractKind.PAYABLE] = False
IS_AI_DEBT[ContractKind.NAV_LOAN] = True
"""Lookup by kind and whether the debtor's sector is AI (1, ``IS_AI_SECTOR``) or not (0):
whether a contract is AI-related debt (debt but a payable owed by an AI sector, or a NAV
loan)."""


class CrashDetector:
    """Watches each month's indicators and keeps the crash record."""

    def __init__(self, m: HotPotatoModel) -> None:
        self.m = m
        self.month: int | None = None
        self.trigger = ""
        self.first_month: dict[str, int] = {}
        """The first month each trigger (``TRIGGERS``) held, whether or not it was the
        crash's: a drawdown may come first and a debt crash years later."""
        self.max_depth = 0
        self.depth_at_crash = 0
        self.ai_debt_peak = 0.0
        self.obs_path = False
        self._credit_losses = 0.0
        """Credit losses up to last month, $B."""
        self._monthly_losses = 0.0
        """Exponentially weighted average of monthly credit losses, $B/month."""
        self._ai_debt: tuple[int, float] | None = None
        self._ai_debtors = np.zeros(0, dtype=np.intp)
        """``IS_AI_SECTOR`` of each account's sector as 0 or 1, kept until an account opens
        (an account's sector never changes)."""
        self._ai_contracts = np.zeros(0, dtype=bool)
        """Whether each contract booked so far is AI-related debt, extended as contracts
        are booked (a contract's kind and debtor never change)."""

    def ai_debt(self) -> float:
        """AI-related debt outstanding, $B (reused until the contract book changes)."""
        version = self.m.ledger.contracts_version
        if self._ai_debt is None or self._ai_debt[0] != version:
            self._ai_debt = (version, self._compute_ai_debt())
        return self._ai_debt[1]

    def _compute_ai_debt(self) -> float:
        ledger = self.m.ledger
        ids = ledger.active_ids()
        ai = ids[self._ai_debt_contracts()[ids]]
        return float(ledger.column("principal")[ai].sum())

    def _ai_debt_contracts(self) -> np.ndarray:
        """Whether each contract is AI-related debt (``IS_AI_DEBT``), ``_ai_contracts``
        brought up to the contracts booked since."""
        ledger = self.m.ledger
        done = self._ai_contracts.size
        kind = ledger.column("kind")[done:]
        if kind.size:
            if self._ai_debtors.size != ledger.n_accounts:
                self._ai_debtors = IS_AI_SECTOR[ledger.sector_array()].astype(np.intp)
            ai = IS_AI_DEBT[kind, self._ai_debtors[ledger.column("debtor")[done:]]]
            self._ai_contracts = np.concatenate([self._ai_contracts, ai])
        return self._ai_contracts

    def credit_losses(self) -> float:
        return self._credit_losses

    def default_rate(self) -> float:
        """Annual rate of credit losses the credit market prices: the exponentially
        weighted average of monthly credit losses up to last month, times 12, over peak
        AI-related debt (0 before any). A wave of losses L raises it by L / debt at once
        and the rise fades by 1/12 a month, so summed over the months it weighs L as a
        trailing 12-month rate would, without falling off a cliff a year later."""
        if self.ai_debt_peak <= 0:
            return 0.0
        return 12.0 * self._monthly_losses / self.ai_debt_peak

    def observe(self, depth: int) -> None:
        m = self.m
        self.ai_debt_peak = max(self.ai_debt_peak, self.ai_debt())
        losses = m.trace.credit_losses()
        weight = 1.0 / LOSS_MEMORY_MONTHS
        new = losses - self._credit_losses
        self._monthly_losses = (1.0 - weight) * self._monthly_losses + weight * new
        self._credit_losses = losses
        self.max_depth = max(self.max_depth, depth)
        triggers = self._holding()
        for name in triggers:
            self.first_month.setdefault(name, m.tick)
        if triggers and self.month is None:
            self.month = m.tick
            self.trigger = "+".join(triggers)
            self.depth_at_crash = self.max_depth
            self.obs_path = self._off_balance_so_far()

    def _holding(self) -> list[str]:
        """The crash rules that hold this month, in the order of ``TRIGGERS``."""
        m = self.m
        bank_names = {b.name for b in m.banks}
        holds = {
            "equity_drawdown": m.market.drawdown >= m.params.crash_drawdown,
            "credit_losses": self.ai_debt_peak > 0
            and self.credit_losses() >= m.params.crash_credit_loss_share * self.ai_debt_peak,
            "bank_failure": any(t == m.tick and name in bank_names for t, _, name in m.default_log)
            or any(t == m.tick for t, _ in m.bailouts_log),
        }
        return [rule for rule in TRIGGERS if holds[rule]]

    def _off_balance_so_far(self) -> bool:
        """Whether the path so far ran through off-balance-sheet contracts: an SPV
        defaulted (an orderly wind-up that repays its debt does not count)."""
        m = self.m
        return any(m.is_defaulted(s) for s in m.spvs)

    def summary(self) -> dict[str, Any]:
        """The crash record and losses by holder (the ``runs.parquet`` columns)."""
        m = self.m
        crashed = self.month is not None
        losses = m.trace.by_holder()
        last = self.month if crashed else m.tick
        before = [name for tick, _, name in m.default_log if tick <= last]
        first = before[0] if before else ""
        out: dict[str, Any] = {
            "crashed": crashed,
            "crash_month": self.month if crashed else -1,
            "trigger": self.trigger,
            **{f"{name}_month": self.first_month.get(name, -1) for name in TRIGGERS},
            "first_defaulter": first,
            "cascade_depth": self.depth_at_crash if crashed else self.max_depth,
            "obs_path": self.obs_path if crashed else self._off_balance_so_far(),
        }
        for holder in HOLDERS:
            out[f"loss_{holder}"] = losses[holder]
        out["loss_total"] = float(sum(losses[h] for h in HOLDERS))
        out["taxpayer_cost"] = m.government.taxpayer_cost
        out["credit_losses"] = self.credit_losses()
        return out
