"""Seeds for a sweep, with common random numbers across arms.

Seed number ``i`` of a sweep is ``SeedSequence(root_seed).spawn(n)[i].generate_state(1)[0]``.
Every arm and grid point runs the same ``n`` seeds, so a policy comparison differs only by
the policy: the differences between arms are paired by seed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["spawn_seeds", "SEED_SCHEME"]

SEED_SCHEME = (
    "numpy.random.SeedSequence(root_seed).spawn(count)[i].generate_state(1)[0]; "
    "seed i is shared by every arm and grid point (common random numbers)"
)


def spawn_seeds(root_seed: int, count: int) -> list[int]:
    """Return ``count`` independent integer seeds derived from ``root_seed``.

    Parameters
    ----------
    root_seed : int
        Entropy of the sweep (non-negative).
    count : int
        Number of seeds (simulations per arm and grid point).

    Returns
    -------
    list of int
        Seeds in ``[0, 2**32)``, the same list for the same ``(root_seed, count)``; the first
        ``k`` seeds do not depend on ``count``.
    """
    children = np.random.SeedSequence(root_seed).spawn(count)
    return [int(child.generate_state(1)[0]) for child in children]
