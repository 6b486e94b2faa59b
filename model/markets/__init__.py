"""Markets and processes: demand, expectations, equity, credit, compute rent, used GPUs,
power. Each module holds the equations of one market; the state they share is
``model.markets.state.MarketState``."""
