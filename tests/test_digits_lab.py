"""The digits lab's count of active units: a range that no CPU's rounding can push a unit out of.

A unit whose activity (the variance of its mean code) sits near the 0.01 threshold lands on either
side of it depending on the last bits of a run; the lab then prints "3 to 5 of 8". Pinned here
with codes of known variance, since no run can place a unit exactly where a test needs it."""

import math
import sys

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.conftest import ROOT

THRESHOLD = 0.01


@pytest.fixture(scope="module")
def lab():
    sys.path.insert(0, str(ROOT / "snippets"))
    try:
        import digits_vae
        yield digits_vae
    finally:
        sys.path.remove(str(ROOT / "snippets"))
        sys.modules.pop("digits_vae", None)


class Codes:
    """A stand-in encoder: two images whose mean codes have the given variances."""

    def __init__(self, variances):
        half = torch.tensor([math.sqrt(v / 2) for v in variances], dtype=torch.float64)
        self.mu = torch.stack([half, -half])  # unbiased variance of (a, -a) is 2a^2

    def encode(self, x):
        return self.mu, torch.zeros_like(self.mu)


variances = st.lists(st.floats(0, 4, allow_nan=False), min_size=1, max_size=16)


@given(variances)
def test_the_range_holds_burda_s_count_and_is_exact_away_from_the_threshold(lab, values):
    assume(all(abs(v - edge) > 1e-9 for v in values for edge in (THRESHOLD / 2, 2 * THRESHOLD)))
    (fewest, most), _ = lab.active_units(Codes(values), None, THRESHOLD)
    burda = sum(v > THRESHOLD for v in values)
    near = sum(THRESHOLD / 2 < v <= 2 * THRESHOLD for v in values)
    assert fewest <= burda <= most
    assert most - fewest == near


@pytest.mark.parametrize(("values", "text"), [
    ([0.5, 0.3, 0.0], "2 of 3"),
    ([0.0094, 0.0101, 0.4, 0.0036], "1 to 3 of 4 (2 near the threshold)"),
    ([0.0], "0 of 1"),
])
def test_the_lab_prints_a_single_count_unless_a_unit_is_near_the_threshold(lab, values, text):
    count, kl = lab.active_units(Codes(values), None, THRESHOLD)
    assert lab.count_text(count, len(kl)) == text
