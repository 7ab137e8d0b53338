"""The digits lab's count of active units: a range that no CPU's rounding can push a unit out of.

A unit whose activity (the variance of its mean code) sits near the 0.01 threshold lands on either
side of it depending on the last bits of a run; the lab then prints "3 to 5 of 8". Pinned here
with codes of known variance, since no run can place a unit exactly where a test needs it."""

import math

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.conftest import ROOT, snippet_modules

THRESHOLD = 0.01


@pytest.fixture(scope="module")
def lab():
    with snippet_modules("digits_vae") as (digits_vae,):
        yield digits_vae


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
    (fewest, most), _, _ = lab.active_units(Codes(values), None, THRESHOLD)
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
    count, kl, _ = lab.active_units(Codes(values), None, THRESHOLD)
    assert lab.count_text(count, len(kl)) == text


# What the lab prints beside the count, and the shown plotting code the site's figures use.

PAGE = ROOT / "docs" / "vae-digits.md"


def printed_reports():
    """Each Expected output of the digits page that reports active units: (count line, the
    variances printed under it)."""
    text = PAGE.read_text(encoding="utf-8")
    reports = []
    for block in text.split("active units: ")[1:]:
        lines = block.splitlines()
        values = []
        for line in lines[2:]:
            if "KL per unit" in line:
                break
            values += [float(value) for value in line.split()]
        reports.append((lines[0], values))
    return reports


def test_the_digits_page_prints_every_units_variance_and_its_count_agrees_with_them():
    reports = printed_reports()
    assert len(reports) >= 6  # the lab, two 8D runs, three walkthroughs' outputs at least
    for count, values in reports:
        units = int(count.split(" of ")[1].split()[0])
        assert len(values) == units, count
        # Read as printed (3 decimals below 0.1, 1 above): clearly active above twice the
        # threshold, near it within a factor of two, as active_units counts.
        fewest = sum(v > 2 * THRESHOLD + 0.0005 for v in values)
        most = sum(v >= THRESHOLD / 2 - 0.0005 for v in values)
        words = count.split()
        if words[1] == "to":
            assert (int(words[0]), int(words[2])) == (fewest, most), (count, values)
        else:
            assert fewest == int(words[0]) == most, (count, values)


@pytest.mark.parametrize("nats", [0.0, 13.6, 24.71, 27.3])
def test_bits_per_dimension_are_nats_over_ln2_and_the_pixels(lab, nats):
    text = lab.nats_and_bits(nats, 64)
    printed_nats, bits = (float(word) for word in text.split() if word[0].isdigit())
    assert printed_nats == round(nats, 1)
    assert abs(bits - nats / math.log(2) / 64) <= 0.005


@pytest.fixture(scope="module")
def plots(lab):
    with snippet_modules("digits_plots", "digits_figures") as modules:
        yield modules


@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (2, 12), (6, 12), (15, 15)])
def test_a_mosaic_keeps_every_digit_and_puts_a_gap_between_neighbours_only(plots, rows, cols):
    digits_plots, _ = plots
    pixels = torch.rand(rows * cols, 64)
    picture = digits_plots.mosaic(pixels, rows, cols)
    assert picture.shape == (rows * 9 - 1, cols * 9 - 1)
    for n in range(rows * cols):
        row, col = divmod(n, cols)
        cell = picture[row * 9:row * 9 + 8, col * 9:col * 9 + 8]
        assert torch.equal(cell, pixels[n].reshape(8, 8))
    gaps = picture.isnan()
    assert int(gaps.sum()) == picture.numel() - rows * cols * 64
    for k in range(1, rows):
        assert gaps[k * 9 - 1].all()  # a whole row of gap between two rows of digits
    for k in range(1, cols):
        assert gaps[:, k * 9 - 1].all()


def test_the_sites_figures_draw_with_the_code_the_page_shows(plots, monkeypatch):
    """latent_map and manifold call digits_plots' functions: what they draw is the encoder's
    means and the decoded grid, with gaps, of the model they are given."""
    digits_plots, digits_figures = plots
    torch.manual_seed(1)
    model = digits_plots.DigitsVAE(latent=2).eval()
    x = torch.rand(30, 64)
    y = torch.arange(30) % 10
    monkeypatch.setattr(digits_figures, "trained", lambda *args, **kw: (model, x, y))
    figure = digits_figures.latent_map()
    with torch.no_grad():
        mu, _ = model.encode(x)
    drawn = torch.tensor(figure.axes[0].collections[0].get_offsets().data)
    assert torch.allclose(drawn, mu.double())
    digits_figures.plt.close(figure)

    figure = digits_figures.manifold(size=5)
    image = torch.tensor(figure.axes[0].get_images()[0].get_array().filled(float("nan")),
                         dtype=torch.float64)
    expected = digits_plots.mosaic(digits_plots.decode_grid(model, 5), 5, 5).double()
    assert torch.allclose(image, expected, equal_nan=True)
    assert image.isnan().any()
    digits_figures.plt.close(figure)


@pytest.mark.parametrize("name", ["samples", "reconstructions"])
def test_the_other_mosaics_have_gaps_too(plots, monkeypatch, name):
    digits_plots, digits_figures = plots
    torch.manual_seed(1)
    model = digits_plots.DigitsVAE(latent=2).eval()
    monkeypatch.setattr(digits_figures, "trained",
                        lambda *args, **kw: (model, torch.rand(30, 64), torch.arange(30) % 10))
    figure = getattr(digits_figures, name)()
    image = figure.axes[0].get_images()[0].get_array()
    assert image.mask[8].all() and image.mask[:, 8].all()  # the first gap row and column
    digits_figures.plt.close(figure)
