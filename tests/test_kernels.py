"""The kernel matrix in the suite: every Expected output must hold under other CPU settings too.

The doc tests run each block once, with this CPU's own kernels. This runs them all again in two
more configurations (`lessonkit.platforms.matrix`, quick set) with other ATen kernels, MKL code
paths and thread counts, so an output that would change on a reader's machine fails here.
`make test-kernels` runs all 18 configurations.
"""

from lessonkit.platforms import matrix


def test_every_expected_output_holds_under_other_kernels():
    ok, text = matrix.check(matrix.lesson_pages(), full=False,
                            report_file=matrix.ROOT / matrix.REPORT)
    print(text)
    assert ok, "an Expected output depends on the CPU configuration:\n" + text
