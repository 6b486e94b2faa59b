"""The balance sheets of 2025-01, built from the calibrated ``Economy``.

All initial cash comes from the ``World`` account (so the money supply is fixed from
then on); initial claims (bonds, loans, deposits, stakes) are contracts created without
cash changing hands, as the state inherited from before 2025.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.agents import SPV, AILab, Bank, ChipVendor, Fund, Government, Grid, Hyperscaler
from model.financing import world_security
from model.ledger import WORLD, Amortisation, ContractKind
from model.markets.credit import is_investment_grade, rating_spread

if TYPE_CHECKING:
    from model.calibration import HyperscalerProfile
    from model.hotpotato import HotPotatoModel

__all__ = ["build_economy"]

AGE_MONTHS = 12
"""Age of the data centers in operation at 2025-01 (assumption)."""
BUILDING_DONE = 6
"""Month in which the data centers under construction at 2025-01 are finished (assumption)."""


def _cycle(profiles, n):
    """``n`` profiles: the calibrated ones in order, repeated if more are asked for; the
    share each gets is the profile's share divided by how often it repeats. A repeat is
    named apart (``Meta-like 2``): names label the firms in results and sum the AI index."""
    repeats = [(n - i + len(profiles) - 1) // len(profiles) for i in range(len(profiles))]
    taken = {profile.name for profile in profiles}
    out = []
    for i in range(n):
        profile, number = profiles[i % len(profiles)], i // len(profiles) + 1
        if number > 1:
            while f"{profile.name} {number}" in taken:
                number += 1
            profile = profile.model_copy(update={"name": f"{profile.name} {number}"})
            taken.add(profile.name)
        out.append((profile, repeats[i % len(profiles)]))
    return out


def build_economy(m: HotPotatoModel) -> None:
    econ = m.econ
    p = m.params
    ledger = m.ledger

    m.government = Government(m)
    m.grid = Grid(m)
    m.chip_vendor = ChipVendor(m)
    ledger.transfer(WORLD, m.chip_vendor.account, econ.vendor_cash)

    funds = []
    for prof, k in _cycle(econ.funds, p.n_funds):
        fund = Fund(m, prof)
        fund.size = prof.nav / k
        fund.loan_size = prof.nav_loan / k
        funds.append(fund)
    banks = [Bank(m, f"Bank {i + 1}") for i in range(p.n_banks)]
    hyperscaler_profiles = _cycle(econ.hyperscalers, p.n_hyperscalers)
    hyperscalers = [Hyperscaler(m, prof, 1 / k) for prof, k in hyperscaler_profiles]
    lab_profiles = _cycle(econ.labs, p.n_labs)
    labs = [AILab(m, prof, 1 / k, largest=(i == 0)) for i, (prof, k) in enumerate(lab_profiles)]

    # what each fund and bank must hold besides its liquid book
    fund_ai = {f.account: 0.0 for f in funds}
    bank_ai = {b.account: 0.0 for b in banks}

    def place_bonds(
        issuer: int,
        amount: float,
        mandates: tuple[str, ...],
        rate: float,
        off_balance: bool = False,
        months: int = 120,
        amortisation: Amortisation = Amortisation.BULLET,
    ) -> None:
        buyers = [f for f in funds if f.mandate in mandates] or funds
        for f in buyers:
            x = amount / len(buyers)
            ledger.add(
                creditor=f.account,
                debtor=issuer,
                kind=ContractKind.BOND,
                principal=x,
                rate=rate,
                start=0,
                maturity=months,
                amortisation=amortisation,
                off_balance=off_balance,
            )
            fund_ai[f.account] += x

    def place_loans(borrower: int, amount: float, rate: float, secured_on: list[int]) -> None:
        """Bank loans of ``amount`` to ``borrower``, one per bank and data center of
        ``secured_on`` (``_collateral_shares``; unsecured without one)."""
        for collateral, share in _collateral_shares(m, secured_on).items():
            for b in banks:
                x = amount * share / len(banks)
                ledger.add(
                    creditor=b.account,
                    debtor=borrower,
                    kind=ContractKind.LOAN,
                    principal=x,
                    rate=rate,
                    start=0,
                    maturity=12 * econ.loan_years,
                    amortisation=Amortisation.LINEAR,
                    collateral=collateral,
                )
                bank_ai[b.account] += x

    providers = [h for h in hyperscalers if h.lab_weight > 0]
    total_weight = sum(h.lab_weight for h in providers)
    for (prof, k), lab in zip(lab_profiles, labs, strict=True):
        ledger.transfer(WORLD, lab.account, prof.cash / k)
        ledger.add(
            creditor=WORLD,
            debtor=lab.account,
            kind=ContractKind.EQUITY,
            principal=prof.outside_equity / k,
        )
        if prof.partner_equity:
            ledger.add(
                creditor=hyperscalers[0].account,
                debtor=lab.account,
                kind=ContractKind.EQUITY,
                principal=prof.partner_equity / k,
            )
        for h in providers:
            for total, start in ((prof.compute_gw, 0), (prof.compute_gw_2025, BUILDING_DONE)):
                gw = total / k * h.lab_weight / total_weight
                if gw <= 0:
                    continue
                rent = econ.legacy_compute_rent
                term = 48
                ledger.add(
                    creditor=h.account,
                    debtor=lab.account,
                    kind=ContractKind.COMPUTE,
                    principal=gw * rent * term,
                    gw=gw,
                    payment=gw * rent,
                    start=start,
                    maturity=start + term,
                    amortisation=Amortisation.LEVEL,
                )
        if prof.gpu_spv_debt > 0:
            _gpu_spv(m, lab, prof.gpu_spv_debt / k, prof.gpu_spv_equity / k, funds, fund_ai)

    # after the labs: a hyperscaler's debt is priced on its rating, which counts the rent
    # of the compute contracts the labs hold with it
    rf = econ.risk_free
    for (prof, k), hs in zip(hyperscaler_profiles, hyperscalers, strict=True):
        ledger.transfer(WORLD, hs.account, prof.cash / k)
        data_centers = _data_centers(m, hs, prof, k)
        if prof.core_assets:
            ledger.add(
                creditor=hs.account,
                debtor=WORLD,
                kind=ContractKind.EQUITY,
                principal=prof.core_assets / k,
            )
        # its debt pays the spread the market asks of the rating its book gets (its bonds
        # start at par); below investment grade its banks lend against its data centers
        rating = hs.rating_with((prof.bonds + prof.bank_loans) / k)
        rate = rf + rating_spread(rating, m.market.spread_ig, m.market.spread_hy)
        investment_grade = is_investment_grade(rating)
        if prof.bonds:
            mandates = (
                ("insurer", "asset_manager")
                if investment_grade
                else ("asset_manager", "private_credit")
            )
            place_bonds(hs.account, prof.bonds / k, mandates, rate)
        if prof.bank_loans:
            secured_on = [] if investment_grade else data_centers
            place_loans(hs.account, prof.bank_loans / k, rate, secured_on)

    # banks: a modelled slice funded by insured deposits; NAV loans to private credit
    for fund in funds:
        if fund.loan_size > 0:
            for b in banks:
                x = fund.loan_size / len(banks)
                ledger.add(
                    creditor=b.account,
                    debtor=fund.account,
                    kind=ContractKind.NAV_LOAN,
                    principal=x,
                    rate=rf + econ.spread_ig * 2,
                    start=0,
                    maturity=12 * econ.loan_years,
                )
                bank_ai[b.account] += x  # its proceeds are in the fund's liquid book below
    for b in banks:
        loans = 0.9 * econ.bank_assets
        world_security(m, b.account, loans - bank_ai[b.account], econ.world_loan_rate)
        equity = econ.bank_capital_ratio * loans
        cash = 0.1 * econ.bank_assets
        ledger.transfer(WORLD, b.account, cash)
        ledger.add(
            creditor=WORLD,
            debtor=b.account,
            kind=ContractKind.LOAN,
            principal=econ.bank_assets - equity,
            rate=econ.deposit_rate,
            start=0,
            maturity=10_000,
            guarantor=m.government.account,
        )
    for fund in funds:
        cash = 0.03 * fund.size
        ledger.transfer(WORLD, fund.account, cash)
        liquid = fund.size + fund.loan_size - cash - fund_ai[fund.account]
        world_security(m, fund.account, max(liquid, 0.0), rf)


def _data_centers(
    m: HotPotatoModel, hs: Hyperscaler, prof: HyperscalerProfile, k: int
) -> list[int]:
    """Add the data centers ``hs`` has at 2025-01, a ``k``-th of its profile's: those in
    operation (``AGE_MONTHS`` old, powered) and those under construction (finished in
    month ``BUILDING_DONE``); returns their ids."""
    econ = m.econ
    built = []
    for gw, ordered, completed in (
        (prof.ai_gw / k, -AGE_MONTHS - 12, -AGE_MONTHS),
        (prof.ai_gw_building / k, -6, BUILDING_DONE),
    ):
        if gw <= 0:
            continue
        dc = m.assets.add(
            owner=hs.account,
            gw=gw,
            gpu_cost=gw * econ.gpu_cost_per_gw,
            shell_cost=gw * econ.shell_cost_per_gw,
            ordered=ordered,
            completed=completed,
        )
        if completed <= 0:  # in operation: connected to the grid
            m.assets.set("powered", [dc], True)
        built.append(dc)
    return built


def _collateral_shares(m: HotPotatoModel, data_centers: list[int]) -> dict[int, float]:
    """The share of a loan each of ``data_centers`` secures: in proportion to its market
    value, so that every facility starts at the same loan-to-value; all of it unsecured
    (collateral −1) without a data center."""
    if not data_centers:
        return {-1: 1.0}
    value = m.market_values()[data_centers]
    return dict(zip(data_centers, (value / value.sum()).tolist(), strict=True))


def _gpu_spv(m: HotPotatoModel, lab: AILab, debt: float, equity: float, funds, fund_ai):
    """A GPU SPV (as xAI's): it owns GPUs leased to the lab for five years."""
    econ = m.econ
    spv = SPV(m, lab, econ.start_year)
    m.spvs.append(spv)
    ledger = m.ledger
    gw = (debt + equity) / econ.gpu_cost_per_gw
    m.assets.add(
        owner=spv.account, gw=gw, gpu_cost=debt + equity, shell_cost=0.0, ordered=-6, completed=0
    )
    vendor_part = min(2.0, equity) if m.params.vendor_financing else 0.0
    if vendor_part:
        ledger.add(
            creditor=m.chip_vendor.account,
            debtor=spv.account,
            kind=ContractKind.EQUITY,
            principal=vendor_part,
        )
    lenders = [f for f in funds if f.mandate == "private_credit"] or funds
    # priced as the market prices SPV bonds (HotPotatoModel._spreads): on the sponsor's
    # rating, an unrated lab's as B (the high-yield spread), plus the SPV premium; so they
    # start at par
    rate = econ.risk_free + econ.spread_hy + econ.spv_premium
    for f in lenders:
        ledger.add(
            creditor=f.account,
            debtor=spv.account,
            kind=ContractKind.EQUITY,
            principal=(equity - vendor_part) / len(lenders),
        )
        ledger.add(
            creditor=f.account,
            debtor=spv.account,
            kind=ContractKind.BOND,
            principal=debt / len(lenders),
            rate=rate,
            start=0,
            maturity=60,
            amortisation=Amortisation.LINEAR,
            off_balance=True,
        )
        fund_ai[f.account] += (equity - vendor_part + debt) / len(lenders)
    payment = debt * (rate / 12 + 1 / 60) + equity * 0.09 / 12
    spv.lease = ledger.add(
        creditor=spv.account,
        debtor=lab.account,
        kind=ContractKind.SPV_LEASE,
        principal=payment * 60,
        payment=payment,
        start=0,
        maturity=60,
        amortisation=Amortisation.LEVEL,
        off_balance=True,
    )
