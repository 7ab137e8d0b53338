"""The exercise walkthroughs' claims, checked against real runs (not against the page's numbers)."""

import sys

import pytest

from lessonkit.engine import runner
from tests.conftest import SNIPPETS, snippet_modules


@pytest.fixture(scope="module")
def claims():
    # The same script the page runs, imported the way the reader's folder would import it.
    with snippet_modules("walkthrough_checks") as (walkthrough_checks,):
        return walkthrough_checks.claims()


CLAIMS = 8  # two for exercise 1, four for exercise 2, one each for exercises 3 and 4


def test_every_walkthrough_claim_is_checked(claims):
    assert len(claims) == CLAIMS


@pytest.mark.parametrize("number", range(CLAIMS))
def test_walkthrough_claim_holds(claims, number):
    claim, holds = claims[number]
    assert holds, f"the walkthrough of exercise {claim} no longer holds"


def test_the_lab_rejects_bad_arguments_with_one_line_and_status_2():
    for args in (["--beta", "-1"], ["--beta", "nan"], ["--beta", "inf"], ["--epochs", "0"],
                 ["--beta", "abc"], ["--epochs", "1.5"]):
        result = runner.run(["tiny_vae_2d.py", *args], SNIPPETS,
                            runner.Interpreter((sys.executable,)))
        assert result.status == 2, args
        assert result.output.count("\n") == 1 and "Traceback" not in result.output, args
        assert repr(args[1]) in result.output, args
