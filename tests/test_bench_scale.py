"""benchmarks/scale.py (`make bench-scale`): its line fit, and bad arguments refused in one line
before anything is built (the runs themselves take minutes: `make bench-scale` is run by hand)."""

import argparse
import importlib.util

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "scale.py"
_spec = importlib.util.spec_from_file_location("bench_scale", SCRIPT)
scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale)


@given(st.floats(0.01, 100), st.floats(0, 100),
       st.lists(st.integers(1, 500), min_size=2, max_size=6, unique=True))
def test_points_on_a_line_give_its_slope_and_intercept_and_no_gap(slope, intercept, lessons):
    fitted = scale.line([(x, intercept + slope * x) for x in lessons])
    assert fitted == pytest.approx((slope, intercept, 0.0), abs=1e-6)


def test_the_gap_is_the_largest_share_off_the_line():
    # (1, 1), (2, 3), (3, 3): the line 1/3 + x, off by 1/3, 2/3 and 1/3 at x = 1, 2 and 3; as
    # shares of the measured values: 1/3, 2/9, 1/9.
    slope, intercept, gap = scale.line([(1, 1.0), (2, 3.0), (3, 3.0)])
    assert (slope, intercept) == pytest.approx((1.0, 1 / 3))
    assert gap == pytest.approx(1 / 3)  # at x = 1: (4/3 - 1) / 1


def test_the_steps_keep_their_order_and_unknown_ones_are_named():
    # The search index is always measured: it is the size of a file of the build.
    assert scale.chosen_steps("browser, build") == ("build", "browser", "search index")
    with pytest.raises(argparse.ArgumentTypeError, match="unknown step ''"):
        scale.chosen_steps("build,")


@pytest.mark.parametrize("arguments, said", [
    (["--steps", "browsr"], "unknown step 'browsr': the steps are build, doc tests, browser"),
    (["--copies", "8"], "expected two or more counts from 1 to 64, got '8'"),
    (["--copies", "1,x"], "expected whole numbers like 1,8,32, got '1,x'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_a_bad_argument_exits_2_in_one_line_before_any_build(arguments, said, capsys,
                                                             monkeypatch):
    monkeypatch.setattr(scale, "measure", lambda *args: pytest.fail("measured"))
    with pytest.raises(SystemExit) as stopped:
        scale.main(arguments)
    out, error = capsys.readouterr()
    assert stopped.value.code == 2 and out == ""
    assert error.startswith("scale.py: error: ") and said in error, error
    assert len(error.splitlines()) == 1, error


@pytest.mark.parametrize("page, path", [
    ("docs/index.md", ""), ("docs/vae-basics.md", "vae-basics/"),
    ("docs/part/lesson.md", "part/lesson/"), ("docs/part/index.md", "part/")])
def test_a_pages_site_path_is_its_directory_url(page, path):
    assert scale.site_path(ROOT / page) == path


def test_every_count_after_the_first_visits_with_the_smallest_sites_index(monkeypatch, capsys):
    given_index = []

    def measure(copies, steps, small_index):
        given_index.append(small_index)
        return 4 * copies, {"build": float(copies), "search index": 42.0 * copies}, b"%d" % copies

    monkeypatch.setattr(scale, "measure", measure)
    scale.main(["--copies", "8,1,2", "--steps", "build"])
    assert given_index == [None, b"1", b"1"]  # counts run smallest first
    out = capsys.readouterr().out
    assert "| build | 0.25 s | 0.0 s | 0% |" in out and "| search index | 10.50 KB |" in out
