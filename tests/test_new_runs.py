"""The four short runs of issue 30's item 4: what their pages say about them, checked on the runs.

The printed numbers are compared by the doc tests, and their flags by tests/test_snippet_flags.py;
here the readings the digits page draws from whole curves (training and held-out ELBO per epoch),
which no printed line holds, and that the figure of those curves is what the run prints."""

import re
from itertools import pairwise

import pytest

from lessonkit.engine import compare, runner
from tests.conftest import SNIPPETS, side_by_side_python, snippet_modules
from tests.test_notebooks import _page_and_expected

PRINTED = re.compile(r"epoch=(\d+) training=([\d.]+) held-out=([\d.]+)")
EPOCH_LINE = re.compile(r"epoch=(\d+) training=[\d.]+ held-out=[\d.]+ difference=-?[\d.]+")
WINDOW = 50  # epochs per stretch in the page's reading of the curves


@pytest.fixture(scope="module")
def figures():
    with snippet_modules("digits_figures") as (digits_figures,):
        yield digits_figures


@pytest.fixture(scope="module")
def curves(figures):
    figure = figures.elbo_curves()
    training, held_out = (list(line.get_ydata()) for line in figure.axes[0].get_lines())
    figures.plt.close(figure)
    return training, held_out


def test_the_curves_figure_draws_what_digits_curves_prints(curves):
    """The figure draws `curves()` of digits_curves.py, the function its run prints from. A
    short run (the same seed and batches: its epochs are the first of the long one's) prints
    the figure's first epochs to the last digit; at every epoch the page prints, the figure's
    values are the Expected output's within the tolerance that block declares (the doc tests
    hold the run of `python digits_curves.py` to the same)."""
    run = runner.run(["digits_curves.py", "--epochs", "10"], SNIPPETS, side_by_side_python(),
                     timeout=600)
    printed = PRINTED.findall(run.output)
    assert [int(epoch) for epoch, *_ in printed] == [1, 10] and run.status == 0, run.output
    training, held_out = curves
    for epoch, train_text, held_text in printed:
        drawn = [f"{curve[int(epoch) - 1]:.2f}" for curve in (training, held_out)]
        assert drawn == [train_text, held_text], f"epoch {epoch}"

    _, command = _page_and_expected("digits_curves.py")
    expected = command.expected
    assert len(EPOCH_LINE.findall(expected.code)) == 6, "the page prints other epochs now"

    def as_drawn(line):
        t, h = training[int(line.group(1)) - 1], held_out[int(line.group(1)) - 1]
        return f"epoch={line.group(1)} training={t:.2f} held-out={h:.2f} difference={h - t:.2f}"

    drawn = EPOCH_LINE.sub(as_drawn, expected.code)
    verdict = compare.judge(drawn, [0], ["the figure"], expected.code, expected.tolerance)
    assert verdict.passed, "\n".join(verdict.reasons)


def _stretches(values):
    return [sum(values[i:i + WINDOW]) / WINDOW for i in range(0, len(values), WINDOW)]


def test_held_out_scores_worse_from_epoch_10_and_the_difference_grows_stretch_by_stretch(curves):
    training, held_out = curves
    difference = [h - t for t, h in zip(training, held_out, strict=True)]
    assert all(d > 0 for d in difference[9:]), "the held-out images score better at some epoch"
    means = _stretches(difference)
    assert all(a < b for a, b in pairwise(means)), means


def test_the_held_out_bound_improves_from_each_stretch_to_the_next_more_slowly(curves):
    """No upturn: averaged over 50 epochs at a time, the held-out bound keeps falling, and from
    epoch 50 on each stretch gains less on it than on the training bound."""
    training, held_out = curves
    held, train = _stretches(held_out), _stretches(training)
    assert all(a > b for a, b in pairwise(held)), held
    for i in range(1, len(held) - 1):
        assert held[i] - held[i + 1] < train[i] - train[i + 1], i
