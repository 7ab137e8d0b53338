"""The comparison (lessonkit.engine.compare) on its own: every verdict and every message a page
author reads when a block fails, checked word for word. Fast and direct, so that `make mutations`
runs them against every mutant of the module."""

import pytest

from lessonkit.engine import compare

QUARTER = compare.parse_tolerance("25%")


def reasons(expected: str, printed: str, tolerance=QUARTER) -> list:
    return compare.mismatch(expected, printed, tolerance)


# -- the tolerance attribute and the exit attribute ------------------------------------------

def test_a_tolerance_is_a_number_or_a_percentage_and_may_be_zero():
    assert compare.parse_tolerance(" 5% ") == compare.Tolerance(0.05, relative=True)
    assert compare.parse_tolerance("0.01") == compare.Tolerance(0.01)
    assert compare.parse_tolerance("0") == compare.Tolerance(0.0)
    with pytest.raises(ValueError) as error:
        compare.parse_tolerance("abc")
    assert str(error.value) == "tolerance must be a number or a percentage, got 'abc'"
    with pytest.raises(ValueError) as error:
        compare.parse_tolerance("inf")
    assert str(error.value) == "tolerance must be a finite number >= 0, got 'inf'"


def test_an_exit_status_is_a_whole_number_from_0_to_255():
    assert compare.parse_exit("0") == 0
    assert compare.parse_exit("255") == 255
    for text in ("256", "two", "-1", ""):
        with pytest.raises(ValueError) as error:
            compare.parse_exit(text)
        assert str(error.value) == (f'exit="{text}": the exit status must be a whole number '
                                    "from 0 to 255")


# -- what a failed comparison says ------------------------------------------------------------

def test_without_a_tolerance_the_output_differs_or_not():
    assert compare.mismatch("a\n", "a\n") == []
    assert compare.mismatch("a\n", "a \n") == ["the output differs"]


def test_a_tolerance_never_excuses_text_between_the_numbers():
    assert reasons("loss 0.5\n", "Loss 0.5\n") == [
        "the text around the numbers differs (the tolerance applies to numbers only)"]


def test_a_number_outside_the_tolerance_names_the_gap_and_the_tolerance():
    assert reasons("x 0.50\n", "x 0.80\n") == [
        "printed 0.80 where the page says 0.50: off by 0.3, more than the tolerance 25%"]
    assert reasons("x 0.50\n", "x 0.80\n", compare.Tolerance(0.1)) == [
        "printed 0.80 where the page says 0.50: off by 0.3, more than the tolerance 0.1"]
    # A bare number is an absolute tolerance (the plugin and the replays pass one).
    assert compare.mismatch("x 0.50\n", "x 0.80\n", 0.1) == reasons("x 0.50\n", "x 0.80\n",
                                                                    compare.Tolerance(0.1))


def test_integers_and_versions_are_named_as_such():
    assert reasons("n 3\n", "n 4\n") == [
        "printed 4 where the page says 3: an integer, which must match exactly"]
    # A decimal on the page printed as an integer: the integer must match, whatever the tolerance.
    assert reasons("x 1.5\n", "x 2\n", compare.Tolerance(1)) == [
        "printed 2 where the page says 1.5: an integer, which must match exactly"]
    assert reasons("v 1.2.3\n", "v 1.500\n", compare.Tolerance(1)) == [
        "printed 1.500 where the page says 1.2.3: a version, which must match exactly"]


def test_an_overflowing_number_on_either_side_must_match_exactly():
    assert reasons("x 1e999\n", "x 1e308\n") == [
        "printed 1e308 where the page says 1e999: too large for a float, so it must match "
        "exactly"]


def test_scientific_notation_is_another_precision_even_for_the_same_value():
    # torch switches a tensor's printing to scientific notation when its values spread out.
    assert reasons("x 0.00150\n", "x 1.5e-03\n") == [
        "printed 1.5e-03 where the page says 0.00150: printed with another precision, which "
        "must match exactly"]
    assert reasons("x 1.50\n", "x 1.50e+00\n") == [
        "printed 1.50e+00 where the page says 1.50: printed with another precision, which must "
        "match exactly"]


def test_a_number_in_scientific_notation_is_a_decimal():
    assert reasons("n 1E5\n", "n 2E5\n", compare.Tolerance(1e5)) == []
    assert reasons("n 1e5\n", "n 3e5\n", compare.Tolerance(1e5)) == [
        "printed 3e5 where the page says 1e5: off by 2e+05, more than the tolerance 100000"]


def test_a_tolerance_includes_its_bound_even_when_it_is_zero():
    # A mean that rounds to zero prints a sign on some CPUs: the same number, within any tolerance.
    assert reasons("m 0.0000\n", "m -0.0000\n") == []
    assert reasons("m 0.0000\n", "m -0.0000\n", compare.Tolerance(0)) == []
    assert reasons("m 0.0000\n", "m 0.0001\n") != []  # 25% of zero is zero


# -- the verdict on a block's run -------------------------------------------------------------

def test_a_verdict_passes_when_every_command_exits_as_the_page_says_and_the_output_matches():
    verdict = compare.judge("1\n", [0, 0], ["python a.py", "python b.py"], "1\n")
    assert verdict.passed and verdict.output == "1\n" and not verdict.output_differs
    assert compare.judge("", [2], ["python a.py"], None, exit_status=2).passed


def test_the_last_line_is_ended_as_a_fenced_block_ends_it():
    verdict = compare.judge("a\n1", [0], ["python a.py"], "a\n1\n")
    assert verdict.passed and verdict.output == "a\n1\n"
    assert compare.judge("", [0], ["python a.py"], None).output == ""


def test_every_command_s_exit_status_is_checked_and_named():
    assert compare.judge("", [1, 0], ["python a.py", "python b.py"], None).reasons == [
        "command 1 of 2 (`python a.py`) exited with status 1, the page expects 0"]
    assert compare.judge("", [0, 1], ["python a.py", "python b.py"], None).reasons == [
        "command 2 of 2 (`python b.py`) exited with status 1, the page expects 0"]
    verdict = compare.judge("1\n", [0], ["python a.py"], "1\n", exit_status=3)
    assert verdict.reasons == ["the block (`python a.py`) exited with status 0, the page expects 3"]
    assert not verdict.output_differs  # update mode must not rewrite the output for it


def test_a_command_stopped_at_its_time_limit_is_the_one_reason_given():
    verdict = compare.judge("Your name?\n", [129], ["python a.py"], "Hello\n",
                            timed_out=["python a.py"])
    assert [(reason.kind, reason) for reason in verdict.reasons] == [(
        compare.Failure.TIMED_OUT,
        "`python a.py` was still running at its time limit (waiting for typed input the page "
        'does not give, or too slow: a block may raise the limit with timeout="SECONDS"); it was '
        "stopped with everything it started")]
    assert verdict.output == "Your name?\n" and not verdict.output_differs


def test_each_reason_says_what_kind_of_failure_it_is():
    kinds = {"exit": compare.judge("", [1], ["python a.py"], None),
             "unchecked": compare.judge("a\n", [0], ["python a.py"], None),
             "output": compare.judge("a\n", [0], ["python a.py"], "b\n")}
    assert {name: [reason.kind for reason in verdict.reasons]
            for name, verdict in kinds.items()} == {
        "exit": [compare.Failure.EXIT_STATUS], "unchecked": [compare.Failure.UNCHECKED],
        "output": [compare.Failure.OUTPUT]}


def test_a_verdict_applies_the_expected_outputs_tolerance():
    assert compare.judge("x 0.51\n", [0], ["python a.py"], "x 0.50\n",
                         compare.Tolerance(0.1)).passed
    assert not compare.judge("x 0.51\n", [0], ["python a.py"], "x 0.50\n").passed


def test_a_time_limit_is_a_number_of_seconds_above_zero():
    assert compare.parse_timeout("0.5") == 0.5 and compare.parse_timeout("900") == 900
    for text in ("0", "-1", "inf", "nan", "ten", ""):
        with pytest.raises(ValueError) as error:
            compare.parse_timeout(text)
        assert str(error.value) == (f'timeout="{text}": the time limit must be a number of '
                                    "seconds above 0")


def test_a_runner_that_lost_a_command_s_status_gets_an_error_not_a_verdict():
    with pytest.raises(ValueError):
        compare.judge("", [0], ["python a.py", "python b.py"], None)


def test_printed_lines_nobody_checks_fail():
    assert compare.judge("a\nb", [0], ["python a.py"], None).reasons == [
        "the block printed 2 line(s) but no Expected output block follows it, so nobody checks "
        "them"]


def test_an_output_that_differs_is_marked_for_update_mode():
    verdict = compare.judge("2\n", [0], ["python a.py"], "1\n")
    assert verdict.reasons == ["the output differs"] and verdict.output_differs


# -- the diff a failure shows -----------------------------------------------------------------

LEGEND = "(\u00b7 a trailing space, \u2192 a trailing tab, \u240d a carriage return)\n"


def test_a_diff_makes_trailing_whitespace_and_a_missing_final_newline_visible():
    assert compare.unified_diff("a\nb\n", "a \nb\r\n", "page", "printed") == (
        "--- page\n+++ printed\n@@ -1,2 +1,2 @@\n-a\n-b\n+a\u00b7\n+b\u240d\n" + LEGEND)
    assert compare.unified_diff("loss 1\nshape X\n", "loss 1\t\nshape Y", "page.md:7",
                                "what the block printed") == (
        "--- page.md:7\n+++ what the block printed\n@@ -1,2 +1,2 @@\n-loss 1\n-shape X\n"
        "+loss 1\u2192\n+shape Y\n\\ no newline at end\n" + LEGEND)


def test_a_diff_without_invisible_characters_has_no_marks_and_no_legend():
    assert compare.unified_diff("shape X\n", "shape Y\n", "page", "printed") == (
        "--- page\n+++ printed\n@@ -1 +1 @@\n-shape X\n+shape Y\n")


def test_under_a_tolerance_a_sign_the_page_does_not_show_is_a_difference():
    sign = "printed with another sign, which must match exactly"
    assert reasons("x 0.0012\n", "x +0.0012\n", compare.Tolerance(1)) == [
        f"printed +0.0012 where the page says 0.0012: {sign}"]
    assert reasons("x +0.0012\n", "x 0.0012\n", compare.Tolerance(1)) != []
    assert reasons("x 0.0012\n", "x -0.0012\n", compare.Tolerance(1)) == [
        f"printed -0.0012 where the page says 0.0012: {sign}"]
    assert reasons("x 0.0000\n", "x +0.0000\n", compare.Tolerance(1)) != []
    assert reasons("x -0.0012\n", "x -0.0013\n", compare.Tolerance(0.001)) == []
    assert reasons("x -1.5\n", "x +1.5\n", compare.Tolerance(10)) == [
        f"printed +1.5 where the page says -1.5: {sign}"]
