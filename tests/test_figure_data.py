"""A figure shows the run the page prints: the lab's training-curve figure, read back from the
drawn lines, agrees with the numbers `python tiny_vae_2d.py` prints at the epochs it reports."""

import re

import pytest

from tests.conftest import snippet_modules
from tests.test_seed_lab import SEED_OUTPUT

PRINTED = re.compile(r"epoch=(\d+) recon=([\d.]+) kl=([\d.]+) loss=([\d.]+)")


@pytest.fixture(scope="module")
def figures():
    with snippet_modules("vae_figures") as (vae_figures,):
        yield vae_figures


def test_training_curves_figure_draws_the_numbers_the_lab_prints(figures):
    # What `python tiny_vae_2d.py` prints, byte for byte (tests/test_seed_lab.py runs it).
    printed = PRINTED.findall(SEED_OUTPUT.read_text(encoding="utf-8"))
    assert [int(epoch) for epoch, *_ in printed] == [1, 50, 100, 200]
    figure = figures.training_curves()
    recon, kl, loss = (line.get_ydata() for line in figure.axes[0].get_lines())
    for epoch, *values in printed:
        drawn = [f"{curve[int(epoch) - 1]:.4f}" for curve in (recon, kl, loss)]
        assert drawn == values, f"epoch {epoch}: the figure draws {drawn}, the lab prints {values}"
    figures.plt.close(figure)


def test_the_sweep_figure_shows_the_code_switching_off_at_the_predicted_threshold(figures):
    """On the beta-sweep figure's denser grid, the KL curve drops below 0.01 (the code switches
    off) once, within 0.25 of the predicted threshold: the page's claim, on the figure's data."""
    figure = figures.beta_sweep()
    betas, kls = (list(data) for data in figure.axes[0].get_lines()[0].get_data())
    x, _, _ = figures.run()
    _, predicted = figures.thresholds(x)
    on = [beta for beta, kl in zip(betas, kls, strict=True) if kl >= 0.01]
    off = [beta for beta, kl in zip(betas, kls, strict=True) if kl < 0.01]
    assert max(on) < min(off), "the code switches on again at a larger beta"
    switch = (max(on) + min(off)) / 2
    assert abs(switch - predicted) <= 0.25, f"switches off near {switch}, predicted {predicted}"
    figures.plt.close(figure)


def test_the_kl_term_peaks_near_epoch_25_above_what_epoch_50_prints(figures):
    """The lesson reads the KL curve: it peaks around epoch 25, higher than the 0.9007 the lab
    prints at epoch 50, then settles."""
    figure = figures.training_curves()
    kl = list(figure.axes[0].get_lines()[1].get_ydata())
    peak = max(range(len(kl)), key=kl.__getitem__) + 1
    assert 20 <= peak <= 30, peak
    assert kl[peak - 1] > kl[49] > kl[-1]
    figures.plt.close(figure)
