"""The largest-first spreading of a difference (xigeo._apportion; DOMAIN.md, control-area adjustment).

Expected values: the rule worked by hand (f = n div k each, the r = n mod k
largest get one more), and its invariants on random groups.
"""

import numpy as np

from xigeo._apportion import spread, to_hundredths


def test_hand_worked_rule():
    # control 0.05 m² above the sum of 3 patches of 300, 100, 200 m²: n = 5, k = 3, f = 1, r = 2
    # → the two largest (300, 200) get 2 hundredths, the smallest 1
    assert spread(np.array([300.0, 100.0, 200.0]), np.zeros(3, int), np.array([5]),
                  np.array([1, 2, 3])).tolist() == [2, 1, 2]
    # difference smaller than the count: only the largest r get a hundredth
    assert spread(np.array([5.0, 9.0, 7.0, 1.0]), np.zeros(4, int), np.array([-2]),
                  np.arange(4)).tolist() == [0, -1, -1, 0]


def test_invariants_on_random_groups():
    rng = np.random.default_rng(12)
    sizes = rng.integers(1, 50, 5_000).astype(float)  # many ties
    groups = rng.integers(0, 40, 5_000)
    diffs = rng.integers(-900, 900, 40)
    key = rng.permutation(5_000)
    out = spread(sizes, groups, diffs, key)
    assert (np.bincount(groups, weights=out, minlength=40).astype(int) == diffs).all()
    counts = np.bincount(groups, minlength=40)
    bound = -(-np.abs(diffs) // np.maximum(counts, 1))  # ceil(n / k)
    assert (np.abs(out) <= bound[groups]).all()
    # the same changes whatever the row order
    perm = rng.permutation(5_000)
    again = spread(sizes[perm], groups[perm], diffs, key[perm])
    assert (again == out[perm]).all()


def test_to_hundredths_rounds_half_away_from_zero():
    assert to_hundredths(np.array([1234.56, 0.005, -0.005, 2.675, 10.0])).tolist() == \
        [123456, 1, -1, 268, 1000]


def test_largest_first_and_ties_by_key_on_random_groups():
    """Review: the invariants above hold for smallest-first too. Here, within each group, the
    units given are f or f+1 and never grow as items get smaller (ties: ascending key)."""
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 20, 3_000).astype(float)  # many ties
    groups = rng.integers(0, 30, 3_000)
    diffs = rng.integers(-500, 500, 30)
    key = rng.permutation(3_000)
    out = np.abs(spread(sizes, groups, diffs, key))
    for g in range(30):
        members = np.flatnonzero(groups == g)
        if not members.size:
            continue
        f = abs(diffs[g]) // members.size
        order = members[np.lexsort((key[members], -sizes[members]))]  # largest first, then key
        given = out[order]
        assert set(given.tolist()) <= {f, f + 1}
        assert (np.diff(given) <= 0).all()  # the f+1 come first
    # a hand-worked tie: equal sizes, the smaller key gets the extra hundredth
    assert spread(np.array([5.0, 5.0]), np.zeros(2, int), np.array([1]), np.array([9, 4])).tolist() == [0, 1]
