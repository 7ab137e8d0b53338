"""Numbers in a lesson's prose (alt text included) must agree with the runs the page checks.

A decimal number or a percentage written in prose must equal, at the precision it is written
with, a number printed in one of the page's Expected output blocks that the doc tests compare
exactly, or a numeric literal of the code the page shows: a setting such as a KL weight or a
radius, or a command's argument (`--beta 0.5`). Numbers anywhere else in a code block (in a
string, a comment, a `notest` block) support nothing: nobody checks them. Nor do the decimals of a
block with a declared tolerance: they may print otherwise on a reader's CPU, so a claim drawn from
such a run must rest on a line the run prints as a verdict (text and integers, which are compared
exactly even there). "0.59" agrees with a printed 0.5903, "82%" with 82.0%; a typo or a stale
number agrees with nothing and fails, naming the page line. Link targets are addresses, not
claims, and are not read.
"""

import ast
import functools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from lessonkit.engine import includes, pages

ROOT = Path(__file__).resolve().parent.parent
EXPAND = functools.partial(includes.expand, config_file=ROOT / "mkdocs.yml")
# Decimals and percentages; not versions such as 2.13.0 or "Python 3.11".
NUMBER = re.compile(r"(?<![\w.])(?<!Python )(?:\d+\.\d+(?![.\d])%?|\d+%)")
LESSONS = sorted((ROOT / "docs").rglob("*.md"))
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")


def _value(token: str) -> Decimal:
    return Decimal(token.rstrip("%"))


def _literals(block: pages.Block) -> set[Decimal]:
    """The numbers a code block sets: Python's numeric literals, or a command's arguments."""
    if block.kind == "shell":
        words = [word for argv in block.commands for word in argv]
    elif block.kind in ("python", "file"):
        words = [repr(node.value) for node in ast.walk(ast.parse(block.code))
                 if isinstance(node, ast.Constant) and type(node.value) in (int, float)]
    else:
        return set()
    numbers = set()
    for word in words:
        try:
            numbers.add(abs(Decimal(word)))
        except InvalidOperation:
            pass
    return numbers


def unchecked_numbers(text: str) -> list[str]:
    """`line: number` for each prose number that no checked output or code setting supports."""
    page = pages.read_page(text, EXPAND)
    in_fences = {n for block in page.blocks for n in range(block.line - 1, block.end_line)}
    supported = {_value(token) for block in page.blocks
                 if block.kind == "expected" and "tolerance" not in block.attrs
                 for token in NUMBER.findall(block.code)}
    supported |= {number for block in page.blocks for number in _literals(block)}
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        if number - 1 in in_fences:
            continue
        for token in NUMBER.findall(LINK_TARGET.sub("]", line)):
            written = _value(token)
            places = -written.as_tuple().exponent
            if not any(round(value, places) == written for value in supported):
                problems.append(f"{number}: {token}")
    return problems


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_prose_numbers_agree_with_the_checked_runs(lesson):
    problems = unchecked_numbers(lesson.read_text(encoding="utf-8"))
    assert not problems, f"{lesson.relative_to(ROOT)}: numbers no run on the page supports:\n" + \
        "\n".join(problems)


def test_a_stale_number_is_caught():
    page = ('The loss ends at 0.0244, or 0.02 rounded, and 82% of samples...\n\n'
            '```{.python title="x.py"}\nprint("loss=0.0244 near=82.0%")\n```\n\n'
            '```bash\npython x.py\n```\n\n'
            '```{.text title="Expected output"}\nloss=0.0244 near=82.0%\n```\n')
    assert unchecked_numbers(page) == []
    assert unchecked_numbers(page.replace("ends at 0.0244", "ends at 0.0245")) == ["1: 0.0245"]
    assert unchecked_numbers(page.replace("82% of", "83% of")) == ["1: 83%"]


def test_only_compared_outputs_and_code_literals_support_a_number():
    code = ('```{.python title="x.py"}\nBETA = 0.05\nprint("loss=0.0244")  # about 0.03\n```\n\n'
            '```bash\npython x.py --radius 1.5\n```\n\n'
            '```{.text title="Expected output"}\nloss=0.0244\n```\n\n'
            '```{.text notest="a sketch"}\nloss=0.0310\n```\n')
    assert unchecked_numbers("With 0.05 and 1.5 the loss is 0.024.\n\n" + code) == []
    # A number in a string, a comment or a block nobody runs supports nothing.
    assert unchecked_numbers("It was 0.03, or 0.031 then.\n\n" + code) == ["1: 0.03", "1: 0.031"]


def test_a_toleranced_block_supports_no_number():
    page = ('The GAN lands near the data 89.0% of the time, more than the VAE.\n\n'
            '```{.python title="x.py"}\nprint("near=89.0%")\n```\n\n'
            '```bash\npython x.py\n```\n\n'
            '```{.text title="Expected output" tolerance="25%"}\nnear=89.0%\n'
            'median near the data: GAN above the VAE\n```\n')
    assert unchecked_numbers(page) == ["1: 89.0%"]
    # Without the number, the claim rests on the verdict line, which no tolerance can change.
    assert unchecked_numbers(page.replace(" 89.0% of the time,", "")) == []


def test_a_verdict_line_in_a_toleranced_block_is_compared_exactly():
    from lessonkit.engine.compare import mismatch, parse_tolerance

    expected = "near=89.0% (3 of 5 seeds)\nmedian near the data: GAN above the VAE\n"
    loose = parse_tolerance("25%")
    assert mismatch(expected, expected.replace("89.0", "70.0"), loose) == []
    assert mismatch(expected, expected.replace("above", "not above"), loose)
    assert mismatch(expected, expected.replace("3 of", "2 of"), loose)


def test_link_targets_are_not_claims():
    assert unchecked_numbers("See [the paper](https://arxiv.org/abs/1911.02469).\n") == []


NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(?:\.0+)?(?![\d.]|e)")


def negative_zeros(text: str) -> list[str]:
    """`line: number` for each "-0.000" (a negative number rounded to zero) that an Expected
    output of the page prints: a reader reads it as a sign that means something."""
    page = pages.read_page(text, EXPAND)
    return [f"{block.line + n}: {token}" for block in page.blocks if block.kind == "expected"
            for n, line in enumerate(block.code.split("\n"), start=1)
            for token in NEGATIVE_ZERO.findall(line)]


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_no_output_prints_a_negative_zero(lesson):
    problems = negative_zeros(lesson.read_text(encoding="utf-8"))
    assert not problems, f"{lesson.relative_to(ROOT)}: outputs print -0:\n" + "\n".join(problems)


def test_the_negative_zero_check_sees_it_and_nothing_else():
    page = ('```bash\npython x.py\n```\n\n'
            '```{.text title="Expected output"}\n[[0.150, -0.000]] x=-0.0 d=-0.010 e=1e-05\n```\n')
    assert negative_zeros(page) == ["6: -0.000", "6: -0.0"]
    assert negative_zeros(page.replace("-0.000", "0.000").replace("-0.0 ", "0.0 ")) == []
