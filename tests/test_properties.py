"""Properties of the comparison and of update mode, over outputs nobody listed (hypothesis)."""

import os
import re
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from lessonkit.engine import compare, pages, writer

# Hundreds of examples in `make test`; `make mutations` runs these tests once per mutant, and
# asks for fewer (LESSONKIT_EXAMPLES).
settings.register_profile("lessons", max_examples=int(os.environ.get("LESSONKIT_EXAMPLES", 300)),
                          deadline=None)
settings.load_profile("lessons")

# Printed text as a terminal shows it: anything but a carriage return or a NUL (which no page can
# hold: update mode refuses them) and surrogates (not text).
PRINTABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\0")
OUTPUT_CHARS = st.sampled_from(list("ab xyz=:-+.,eE0123456789\n\t`~!?#|"))
OUTPUTS = st.text(OUTPUT_CHARS, min_size=1, max_size=60)
TOLERANCES = st.builds(compare.Tolerance, st.floats(0, 100, allow_nan=False),
                       st.booleans())


def _change_one_character(text: str, data) -> str:
    index = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(OUTPUT_CHARS.filter(lambda char: char != text[index]))
    return text[:index] + new + text[index + 1:]


@given(OUTPUTS, st.data())
def test_without_a_tolerance_any_changed_character_fails(expected, data):
    changed = _change_one_character(expected, data)
    assert compare.mismatch(expected, changed) != []
    assert compare.mismatch(expected, expected) == []


def _numbers_covered(expected: str, printed: str, tolerance: compare.Tolerance) -> bool:
    """What a tolerance may excuse, written out apart from compare: the same text between the
    numbers, and each differing number a decimal (not an integer, not a dotted version) printed
    with the same digits after its point, the same exponent form, and within the tolerance."""
    token = re.compile(r"[-+]?(?:\d+(?:\.\d+){2,}|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
    if token.split(expected) != token.split(printed):
        return False
    for page, run in zip(token.findall(expected), token.findall(printed), strict=True):
        if page == run:
            continue
        shapes = []
        for number in (page, run):
            mantissa, _, exponent = number.lower().partition("e")
            if mantissa.count(".") > 1 or not ("." in mantissa or exponent):
                return False  # a version or an integer
            shapes.append((len(mantissa.partition(".")[2]), bool(exponent)))
        if shapes[0] != shapes[1]:
            return False
        bound = tolerance.value * abs(float(page)) if tolerance.relative else tolerance.value
        if not abs(float(page) - float(run)) <= bound * (1 + 1e-9):
            return False
    return True


@given(OUTPUTS, st.data(), TOLERANCES)
def test_a_changed_character_passes_only_inside_a_decimal_the_tolerance_covers(
        expected, data, tolerance):
    changed = _change_one_character(expected, data)
    if compare.mismatch(expected, changed, tolerance) == []:
        assert _numbers_covered(expected, changed, tolerance), (expected, changed)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4), st.data(), TOLERANCES)
def test_a_tolerance_never_applies_to_integers_or_versions(parts, data, tolerance):
    index = data.draw(st.integers(0, len(parts) - 1))
    other = data.draw(st.integers(0, 10**6).filter(lambda n: n != parts[index]))
    changed = [*parts[:index], other, *parts[index + 1:]]
    for join in (" ", "."):  # integers in text, or a dotted version
        if join == "." and len(parts) < 3:
            continue
        expected, printed = join.join(map(str, parts)), join.join(map(str, changed))
        assert compare.mismatch(f"v {expected}\n", f"v {printed}\n", tolerance) != []


@given(st.integers(1, 10**5), st.integers(1, 6), st.integers(-9, 9))
def test_a_decimal_within_an_absolute_tolerance_passes_and_outside_fails(mantissa, digits,
                                                                         step):
    expected = f"x {mantissa / 10**digits:.{digits}f}\n"
    printed = f"x {(mantissa + step) / 10**digits:.{digits}f}\n"
    assume(printed != expected and "-" not in printed)
    gap = abs(step) / 10**digits
    assert compare.mismatch(expected, printed, compare.Tolerance(gap)) == []
    assert compare.mismatch(expected, printed, compare.Tolerance(gap * 0.9)) != []


# -- update mode ---------------------------------------------------------------------------------

PREFIX = '# Page\n\nProse with `code`.\n\n```{.python title="lab.py"}\nprint("x")\n```\n\n'
SUFFIX = "\nMore prose.\n\n```bash\npython lab.py\n```\n"


@given(st.text(PRINTABLE, max_size=120) | st.text(st.sampled_from(list("`~=!? \t\nab")),
                                                  max_size=40),
       st.booleans(), st.booleans())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@example("```\n", False, False)
@example("=== a\n!!! b\n??? c\n", True, False)
@example("trailing  \n\n  \n", True, True)
def test_update_mode_round_trips_any_printable_output(tmp_path, printed, nested, crlf):
    assume(not pages.unwritable_output(printed))
    body = ("```bash\npython lab.py\n```\n\n" '```{.text title="Expected output"}\nstale\n```\n')
    if nested:
        body = '!!! note "Folded"\n\n' + textwrap.indent(body, "    ")
    text = PREFIX + body + SUFFIX
    if crlf:
        text = text.replace("\n", "\r\n")
    path = Path(tmp_path) / "page.md"
    path.write_bytes(text.encode())
    page = pages.read_page(path.read_text(encoding="utf-8"))  # as the plugin reads it
    shell = next(block for block in page.blocks if block.kind == "shell")
    verdict = compare.judge(printed, [0], ["python lab.py"], shell.expected.code)
    updates = [(shell.expected, verdict.output)] if verdict.output_differs else []
    writer.rewrite(path, path.read_bytes().decode(), updates)
    written = path.read_bytes().decode()
    again = pages.read_page(path.read_text(encoding="utf-8"))
    shell_again = next(block for block in again.blocks if block.kind == "shell")
    # The page now passes: what was printed is what the page shows.
    assert compare.judge(printed, [0], ["python lab.py"], shell_again.expected.code).passed
    # Every other byte is unchanged: the lines before the block and after it, and the block's
    # fences but for their length.
    before, after = text.split("\n"), written.split("\n")  # only "\n" ends a line of a page
    start = shell.expected.line - 1
    assert after[:start] == before[:start]
    tail = len(before) - shell.expected.end_line  # lines after the closing fence
    assert after[len(after) - tail:] == before[len(before) - tail:]
    for old, new in ((before[start], after[start]),
                     (before[shell.expected.end_line - 1], after[len(after) - tail - 1])):
        assert old.replace("`", "") == new.replace("`", "")
