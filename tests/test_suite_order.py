"""How `make test` shares the suite out (tests/conftest.py): the browser's tests are one unit of
work, every other file one, the kernel matrix first and the longest files next."""

import subprocess
from types import SimpleNamespace

from tests import conftest
from tests.conftest import ROOT


def test_the_browser_tests_are_one_unit_and_every_other_file_one():
    split = conftest._BrowserAsOneUnit._split_scope
    units = {split(None, nodeid) for nodeid in (
        "tests/test_browser.py::test_page_shows_without_problems[home-light]",
        "tests/test_browser.py::test_search_finds_the_lesson[vae-basics/]")}
    assert units == {"browser"}
    assert split(None, "tests/test_engine.py::test_x") == "tests/test_engine.py"
    assert split(None, "tests/test_engine.py::test_y[a]") == "tests/test_engine.py"
    assert split(None, "tests/test_build.py::test_x") == "tests/test_build.py"


def test_the_kernel_matrix_runs_first_then_the_longest_files_then_the_rest_in_order():
    names = ["tests/test_engine.py::a", "tests/test_build.py::b", "tests/test_browser.py::c",
             "tests/test_kernels.py::d", "tests/test_compare.py::e", "tests/test_browser.py::f"]
    items = [SimpleNamespace(nodeid=name) for name in names]
    every_page = SimpleNamespace(stash={conftest.CHOSEN_PAGES: None})  # --lesson-pages=all
    conftest.pytest_collection_modifyitems(None, every_page, items)
    assert [item.nodeid for item in items] == [
        "tests/test_kernels.py::d", "tests/test_browser.py::c", "tests/test_browser.py::f",
        "tests/test_build.py::b", "tests/test_engine.py::a", "tests/test_compare.py::e"]


def test_make_test_keeps_that_order():
    """pytest-xdist sorts units of work by their number of tests unless told not to."""
    recipe = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.replace("\\\n", " ")
    line = next(line for line in recipe.splitlines() if "--ignore=tests/test_kernels.py" in line)
    assert "--dist loadgroup" in line and "--no-loadscope-reorder" in line, line
