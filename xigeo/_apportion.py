"""Spreading a difference in whole hundredths: the survey's largest-first rule, vectorised.

The control-area adjustment (面积平差) and the rounding of official tables both
have to make figures that are each rounded add up exactly to a given total.
The rule of the survey software (DOMAIN.md, "Control-area adjustment"): the
difference, in whole units (hundredths of m², or of the printed figure), is
``n``; a group of ``k`` items gets ``f = n div k`` each, and the first
``r = n mod k`` items, largest first, one more; all with the sign of the
difference. Ties in size are broken by a key the caller gives (an id, never
the row order), so the result does not depend on how the rows are sorted.

Everything is integer arithmetic on int64 (hundredths of m² of a province fit
easily), one sort for all groups at once: no Python loop per group.

>>> import numpy as np
>>> # one group of 3 items, difference +5 hundredths: 2, 2, 1 — largest first
>>> spread(np.array([300, 100, 200]), np.array([0, 0, 0]), np.array([5]), np.array([1, 2, 3])).tolist()
[2, 1, 2]
>>> # two groups, negative difference; equal sizes broken by the key (id 7 before id 9)
>>> spread(np.array([50, 50, 80]), np.array([0, 0, 1]), np.array([-1, -3]), np.array([9, 7, 1])).tolist()
[0, -1, -3]
"""

from __future__ import annotations

import numpy as np

__all__ = ["spread", "to_hundredths"]


def to_hundredths(values: np.ndarray) -> np.ndarray:
    """Figures rounded half away from zero to hundredths, as int64 (1234.565 → 123457)."""
    v = np.asarray(values, dtype=np.float64) * 100.0
    # values that are hundredths already (e.g. 1234.56) are 123455.99999…: round the float first
    return (np.sign(v) * np.floor(np.abs(np.round(v, 6)) + 0.5)).astype(np.int64)


def spread(sizes: np.ndarray, groups: np.ndarray, differences: np.ndarray,
           key: np.ndarray) -> np.ndarray:
    """Whole-unit changes per item so that each group's changes add up to its difference.

    Parameters
    ----------
    sizes : array
        What "largest" means (the items' areas); larger items come first.
    groups : int array
        The group of each item, 0 … G-1.
    differences : int array, length G
        The difference to spread over each group, in whole units (signed).
    key : array
        The tie-break among items of equal size, ascending (an id).

    Returns
    -------
    int64 array, one change per item: ``f`` or ``f + 1`` units, with the
    sign of the group's difference. A group without items gets nothing (the
    caller must refuse such a difference).
    """
    sizes = np.asarray(sizes)
    groups = np.asarray(groups, dtype=np.int64)
    differences = np.asarray(differences, dtype=np.int64)
    n_items = groups.size
    out = np.zeros(n_items, dtype=np.int64)
    if n_items == 0:
        return out
    order = np.lexsort((np.asarray(key), -sizes.astype(np.float64), groups))
    g_sorted = groups[order]
    counts = np.bincount(groups, minlength=differences.size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(n_items, dtype=np.int64) - starts[g_sorted]
    n = np.abs(differences)
    k = np.maximum(counts, 1)
    f, r = n // k, n % k
    units = f[g_sorted] + (rank < r[g_sorted])
    out[order] = np.sign(differences)[g_sorted] * units
    return out
