"""The calibrated 2025 economy: initial balance sheets and behavioural constants.

Every default here is the baseline of ``experiments/scenarios/baseline_2025.toml``, which
cites, number by number, the row of CALIBRATION.md it comes from (a test checks that the
file and these defaults agree). Where no published figure exists the number is a stated
assumption, marked "assumption" in its description.

Units: $B, GW of IT load, months; annual rates as decimals. Flows given per year in the
sources are converted to months where they are used.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Economy", "LabProfile", "HyperscalerProfile", "FundProfile"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LabProfile(_Frozen):
    """An AI lab at 2025-01."""

    name: str
    share: float = Field(ge=0, le=1, description="Share of industry AI revenue.")
    cash: float = Field(ge=0, description="Cash, $B.")
    outside_equity: float = Field(ge=0, description="Paid-in equity of venture investors, $B.")
    partner_equity: float = Field(
        0.0, ge=0, description="Paid-in equity of its cloud partner (first hyperscaler), $B."
    )
    compute_gw: float = Field(ge=0, description="Compute under contract at 2025-01, GW.")
    compute_gw_2025: float = Field(
        0.0, ge=0, description="Further compute contracted before 2025, starting mid-2025, GW."
    )
    opex_fixed: float = Field(ge=0, description="Staff and other fixed costs, $B/month.")
    gpu_spv_debt: float = Field(
        0.0, ge=0, description="Debt of a GPU SPV that leases its GPUs to the lab, $B."
    )
    gpu_spv_equity: float = Field(0.0, ge=0, description="Equity of that SPV, $B.")


class HyperscalerProfile(_Frozen):
    """A hyperscaler or neocloud at 2025-01."""

    name: str
    core_cash_flow: float = Field(ge=0, description="Operating cash flow of the core, $B/year.")
    cash: float = Field(ge=0, description="Cash and securities, $B.")
    bonds: float = Field(ge=0, description="Bonds outstanding, $B.")
    bank_loans: float = Field(ge=0, description="Bank loans outstanding, $B.")
    ai_gw: float = Field(ge=0, description="AI data centers in operation, GW.")
    ai_gw_building: float = Field(
        ge=0, description="AI data centers under construction at 2025-01, GW (finished in 2025)."
    )
    core_assets: float = Field(
        ge=0, description="Book value of the non-AI business (net of its own debt), $B."
    )
    ai_share: float = Field(ge=0, le=1, description="Share of industry AI revenue served.")
    lab_weight: float = Field(
        ge=0, le=1, description="Share of labs' new compute contracts it takes."
    )
    rating: str = Field(pattern="^(AA|A|BBB|BB|B)$", description="Credit rating.")
    shares_value: float = Field(gt=0, description="Market capitalisation at 2025-01, $B.")


class FundProfile(_Frozen):
    """A fund: what it buys and how big it is at 2025-01."""

    name: str
    mandate: str = Field(pattern="^(private_credit|asset_manager|insurer|venture)$")
    nav: float = Field(gt=0, description="Net asset value, $B (the AI-relevant sleeve).")
    nav_loan: float = Field(0.0, ge=0, description="NAV/subscription loan from banks, $B.")


def _labs() -> tuple[LabProfile, ...]:
    return (
        LabProfile(
            name="OpenAI-like",
            share=0.20,
            cash=10.0,
            outside_equity=10.0,
            partner_equity=13.0,
            compute_gw=1.0,
            compute_gw_2025=1.0,
            opex_fixed=0.45,
        ),
        LabProfile(
            name="Anthropic-like",
            share=0.07,
            cash=4.0,
            outside_equity=8.0,
            compute_gw=0.3,
            compute_gw_2025=0.5,
            opex_fixed=0.15,
        ),
        LabProfile(
            name="xAI-like",
            share=0.01,
            cash=6.0,
            outside_equity=12.0,
            compute_gw=0.0,
            opex_fixed=0.35,
            gpu_spv_debt=12.5,
            gpu_spv_equity=7.5,
        ),
    )


def _hyperscalers() -> tuple[HyperscalerProfile, ...]:
    return (
        HyperscalerProfile(
            name="Microsoft-like",
            ai_gw_building=3.0,
            core_assets=250.0,
            lab_weight=0.3,
            core_cash_flow=136.0,
            cash=80.0,
            bonds=43.0,
            bank_loans=0.0,
            ai_gw=4.0,
            ai_share=0.22,
            rating="AA",
            shares_value=3100.0,
        ),
        HyperscalerProfile(
            name="Alphabet-like",
            ai_gw_building=3.0,
            core_assets=250.0,
            lab_weight=0.15,
            core_cash_flow=125.0,
            cash=95.0,
            bonds=11.0,
            bank_loans=0.0,
            ai_gw=4.0,
            ai_share=0.22,
            rating="AA",
            shares_value=2300.0,
        ),
        HyperscalerProfile(
            name="Meta-like",
            ai_gw_building=2.5,
            core_assets=160.0,
            lab_weight=0.0,
            core_cash_flow=91.0,
            cash=77.0,
            bonds=29.0,
            bank_loans=0.0,
            ai_gw=3.0,
            ai_share=0.16,
            rating="AA",
            shares_value=1500.0,
        ),
        HyperscalerProfile(
            name="Oracle-like",
            ai_gw_building=1.0,
            core_assets=110.0,
            lab_weight=0.35,
            core_cash_flow=19.0,
            cash=11.0,
            bonds=85.0,
            bank_loans=10.0,
            ai_gw=1.0,
            ai_share=0.08,
            rating="BBB",
            shares_value=470.0,
        ),
        HyperscalerProfile(
            name="CoreWeave-like",
            ai_gw_building=0.8,
            core_assets=3.0,
            lab_weight=0.2,
            core_cash_flow=0.0,
            cash=4.0,
            bonds=2.0,
            bank_loans=8.0,
            ai_gw=0.4,
            ai_share=0.04,
            rating="B",
            shares_value=40.0,
        ),
    )


def _funds() -> tuple[FundProfile, ...]:
    return (
        FundProfile(name="Private credit", mandate="private_credit", nav=300.0, nav_loan=60.0),
        FundProfile(name="Asset manager", mandate="asset_manager", nav=500.0),
        FundProfile(name="Insurer", mandate="insurer", nav=400.0),
        FundProfile(name="Crossover", mandate="venture", nav=150.0),
    )


class Economy(_Frozen):
    """Initial state and behavioural constants of the 2025 economy."""

    start_year: int = Field(2025, ge=1990, le=2100, description="Calendar year of tick 0.")
    start_month: int = Field(1, ge=1, le=12, description="Calendar month of tick 0.")
    # demand
    ai_revenue_2025: float = Field(
        40.0, gt=0, description="Industry AI revenue run-rate at 2025-01, $B/year."
    )
    demand_growth: float = Field(
        0.065,
        gt=0,
        le=0.5,
        description="Early (uncapped) growth of industry AI revenue per month.",
    )
    revenue_per_gw: float = Field(
        1.6, gt=0, description="AI revenue one GW of serving compute earns at 2025-01, $B/month."
    )
    token_price_decline: float = Field(
        0.003,
        ge=0,
        le=0.2,
        description="Monthly fall in revenue per GW of new compute: token prices net of the "
        "efficiency gains of new GPUs (assumption).",
    )
    training_share: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="Share of compute used for training (earns nothing) at 2025-01.",
    )
    training_halving_months: float = Field(
        36.0,
        gt=0,
        description="Months in which the training share halves as inference grows "
        "(assumption; the largest lab's break-even ~2030).",
    )
    # compute, chips, power
    gpu_cost_per_gw: float = Field(35.0, gt=0, description="Accelerators per GW, $B.")
    shell_cost_per_gw: float = Field(15.0, gt=0, description="Shell, power, cooling per GW, $B.")
    chip_gross_margin: float = Field(0.73, ge=0, lt=1, description="Chip vendor gross margin.")
    chip_capacity_gw: float = Field(
        0.5, gt=0, description="Chip vendor's shipments capacity at 2025-01, GW/month."
    )
    chip_capacity_growth: float = Field(
        0.025, ge=0, le=0.2, description="Monthly growth of chip capacity."
    )
    vendor_cash: float = Field(43.0, ge=0, description="Chip vendor cash at 2025-01, $B.")
    vendor_shares_value: float = Field(
        3300.0, gt=0, description="Chip vendor market cap at 2025-01, $B."
    )
    vendor_stake_per_gw: float = Field(
        10.0, ge=0, description="Vendor financing per GW a lab contracts, $B."
    )
    vendor_stake_cap: float = Field(100.0, ge=0, description="Vendor financing cap per lab, $B.")
    build_months: int = Field(12, ge=1, le=60, description="Months from order to finished DC.")
    lab_planning_months: int = Field(
        24,
        ge=1,
        le=120,
        description="How far ahead a lab plans its compute from expected revenue (assumption).",
    )
    hyperscaler_planning_months: int = Field(
        24,
        ge=1,
        le=120,
        description="How far ahead a hyperscaler plans its own AI capacity (assumption).",
    )
    compute_rent: float = Field(
        1.1, gt=0, description="Rent of new compute contracts at 2025-01, $B per GW-month."
    )
    legacy_compute_rent: float = Field(
        0.75, gt=0, description="Rent of the compute contracts in force at 2025-01, $B/GW-month."
    )
    compute_term_months: int = Field(60, ge=12, le=180, description="Compute contract term.")
    power_price: float = Field(60.0, gt=0, description="Power price at 2025-01, $/MWh.")
    grid_connected_gw: float = Field(
        14.0, ge=0, description="Grid capacity for data centers at 2025-01, GW (assumption)."
    )
    # finance
    risk_free: float = Field(0.045, ge=0, le=0.2, description="10-year Treasury yield.")
    spread_ig: float = Field(0.0078, ge=0, le=0.2, description="IG spread.")
    spread_hy: float = Field(0.029, ge=0, le=0.3, description="HY spread.")
    spv_premium: float = Field(
        0.0085, ge=0, le=0.1, description="SPV bond spread over its sponsor's."
    )
    spv_equity_share: float = Field(
        0.2, ge=0, le=1, description="Share of an SPV funded by equity."
    )
    spv_sponsor_equity: float = Field(
        0.2, ge=0, le=1, description="Sponsor's part of the SPV equity."
    )
    spv_lease_months: int = Field(48, ge=12, le=240, description="SPV lease term.")
    spv_residual_guarantee: float = Field(
        0.6, ge=0, le=1, description="Residual value guaranteed, share of the SPV's debt."
    )
    bond_years: int = Field(10, ge=1, le=40, description="Maturity of new bonds.")
    loan_years: int = Field(5, ge=1, le=30, description="Maturity of new bank loans.")
    loan_to_value: float = Field(
        0.7, gt=0, le=1, description="Banks lend up to this share of GPU collateral value."
    )
    bank_assets: float = Field(
        2500.0, gt=0, description="Balance sheet of each bank, $B (a large US bank)."
    )
    bank_capital_ratio: float = Field(0.134, gt=0, lt=1, description="CET1 ratio at 2025-01.")
    bank_target_ratio: float = Field(0.116, gt=0, lt=1, description="Stressed minimum CET1.")
    bank_min_ratio: float = Field(0.045, gt=0, lt=1, description="Failure threshold CET1.")
    deposit_rate: float = Field(0.03, ge=0, le=0.2, description="Rate banks pay on deposits.")
    world_loan_rate: float = Field(
        0.06, ge=0, le=0.2, description="Rate on banks' loans to the rest of the economy."
    )
    nav_loan_ltv: float = Field(
        0.25, gt=0, le=1, description="Max NAV loan / fund assets before a margin call."
    )
    fund_flow_beta: float = Field(
        0.02, ge=0, le=1, description="Monthly household flow per unit of excess 12m return."
    )
    fund_ai_allocation: float = Field(
        0.3, ge=0, le=1, description="Share of a fund's NAV it aims to hold in AI assets."
    )
    fire_sale_depth_gw: float = Field(
        3.0, gt=0, description="GW of GPUs the used market absorbs at a 63% discount."
    )
    fire_sale_recovery: float = Field(
        0.05, ge=0, le=1, description="Monthly recovery of the used-GPU index to 1."
    )
    labs: tuple[LabProfile, ...] = Field(default_factory=_labs)
    hyperscalers: tuple[HyperscalerProfile, ...] = Field(default_factory=_hyperscalers)
    funds: tuple[FundProfile, ...] = Field(default_factory=_funds)

    @model_validator(mode="after")
    def _names_apart(self) -> Economy:
        """Every lab, hyperscaler and fund has a name of its own: names label the firms in
        the results (per-firm series, the loss trace)."""
        names = [p.name for p in (*self.labs, *self.hyperscalers, *self.funds)]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"profile names must differ; given more than once: {twice}")
        return self
