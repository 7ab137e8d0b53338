"""Numbers in a lesson's prose (alt text included) must agree with the runs the page checks.

A decimal number or a percentage written in prose must equal, at the precision it is written
with, a number printed in one of the page's Expected output blocks, or a setting in its code (a
KL weight, a radius). "0.59" agrees with a printed 0.5903, "82%" with 82.0%; a typo or a stale
number agrees with nothing and fails, naming the page line.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from lessonkit import includes, pages

ROOT = Path(__file__).resolve().parent.parent
# Decimals and percentages; not versions such as 2.13.0 or "Python 3.11".
NUMBER = re.compile(r"(?<![\w.])(?<!Python )(?:\d+\.\d+(?![.\d])%?|\d+%)")
LESSONS = sorted((ROOT / "docs").rglob("*.md"))


def _value(token: str) -> Decimal:
    return Decimal(token.rstrip("%"))


def unchecked_numbers(text: str) -> list[str]:
    """`line: number` for each prose number that no checked output or code setting supports."""
    page = pages.read_page(text, includes.expand)
    in_fences = {n for block in page.blocks for n in range(block.line - 1, block.end_line)}
    supported = {_value(token) for block in page.blocks if block.kind != "skip"
                 for token in NUMBER.findall(block.code)}
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        if number - 1 in in_fences:
            continue
        for token in NUMBER.findall(line):
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
