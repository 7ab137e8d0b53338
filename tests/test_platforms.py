"""aarch64 and newest-torch runs are judged against the page itself (no torch or qemu needed)."""

from lessonkit.platforms import common, matrix

BUNDLE = {"pages": [{"page": "docs/a.md", "fingerprint": "f1", "blocks": [
    {"line": 3, "kind": "python", "commands": [], "exit": 0,
     "expected": {"line": 6, "text": "kl=0.6656\n", "tolerance": "0.001"}},
    {"line": 9, "kind": "bash", "commands": [["lab.py"]], "exit": 0,
     "expected": {"line": 12, "text": "ok\n", "tolerance": None}}]}]}


def result(*outputs, error=None):
    blocks = [{"output": text, "exit_codes": [0]} for text in outputs]
    if error:
        blocks[1] = {"error": error}
    return {"environment": {}, "pages": [{"blocks": blocks}]}


def test_runs_that_agree_with_each_other_but_not_the_page_are_within_tolerance():
    page = common.page_as_run(BUNDLE)
    assert page["pages"][0]["blocks"][1] == {"output": "ok\n", "exit_codes": [0]}
    record = matrix.verdicts(BUNDLE, {"neon": result("kl=0.6657\n", "ok\n"),
                                                "sve": result("kl=0.6657\n", "ok\n"),
                                                "the page": page})
    first, second = record[0]["blocks"]
    assert first["status"] == "within tolerance" and second["status"] == "identical"
    assert first["varying"][0]["values"] == {"kl=0.6657": ["neon", "sve"],
                                             "kl=0.6656": ["the page"]}


def test_report_mode_fails_only_on_errors_time_outs_and_exit_statuses():
    record = {"pages": matrix.verdicts(BUNDLE, {
        "new": result("kl=0.7\n", "ok\n"), "the page": common.page_as_run(BUNDLE)})}
    assert common.failures(record, strict=True) == ["docs/a.md:3"]
    assert common.failures(record, strict=False) == []
    record = {"pages": matrix.verdicts(BUNDLE, {
        "new": result("kl=0.6656\n", "", error="RuntimeError: boom")})}
    assert common.failures(record, strict=False) == ["docs/a.md:9"]
    timed_out = result("kl=0.6656\n", "")
    timed_out["pages"][0]["blocks"][1]["timed_out"] = ["python lab.py"]
    record = {"pages": matrix.verdicts(BUNDLE, {"new": timed_out})}
    assert common.failures(record, strict=False) == ["docs/a.md:9"]
    # Judged by the failures' kinds, not their words: an output that differs whose text reads
    # like an error is still only reported.
    reworded = {"pages": [{"page": "docs/a.md", "blocks": [{"line": 3, "problems": {"new": [
        {"kind": "output differs", "text": "exited with status 1"}]}}]}]}
    assert common.failures(reworded, strict=False) == []
    assert common.failures(reworded, strict=True) == ["docs/a.md:3"]


def test_the_platform_runs_install_every_package_of_every_pages_install_line(tmp_path):
    (tmp_path / "docs").mkdir()
    # torch from PyTorch's CPU index, the rest from PyPI: two lines, as PyTorch's selector says.
    (tmp_path / "docs" / "a.md").write_text(
        "```text\npip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu\n"
        "pip install numpy==2.4.6\n```\n")
    (tmp_path / "docs" / "b.md").write_text(
        "```text\npip install torch==2.13.0 -i https://download.pytorch.org/whl/cpu\n"
        "pip install --quiet numpy==2.4.6 scikit-learn==1.9.1\n```\n")
    (tmp_path / "docs" / "index.md").write_text("# no install line\n")
    wanted = common.page_requirements(tmp_path)
    assert wanted == ["torch==2.13.0", "numpy==2.4.6", "scikit-learn==1.9.1"]
    assert common.newest(wanted) == ["torch", "numpy", "scikit-learn"]
    assert "scikit-learn==1.9.1" in common.page_requirements()  # this site's digits lesson
    assert not any(name.startswith(("-", "https:")) for name in common.page_requirements())
    assert common.install_lines("pip install torch==2.13.0 --index-url URL\n"
                                "  pip install numpy\nno pip install here\n") == [
        ["torch==2.13.0", "--index-url", "URL"], ["numpy"]]


def test_the_platform_commands_start_without_a_warning():
    """`make test-kernels` runs `python -m lessonkit.platforms.matrix`: importing the package
    must not import the module first (runpy's RuntimeWarning, which it printed before)."""
    import subprocess
    import sys

    for module in ("lessonkit.platforms.matrix", "lessonkit.platforms"):
        done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0 and done.stdout.startswith("usage:"), module
        assert done.stderr == "", module


def test_the_matrix_command_refuses_what_is_not_a_page_in_one_line(tmp_path):
    import subprocess
    import sys

    for bad in (tmp_path / "missing.md", tmp_path):  # no such page; a folder without a page
        done = subprocess.run([sys.executable, "-m", "lessonkit.platforms.matrix", str(bad)],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 2 and done.stdout == "", bad
        assert len(done.stderr.strip().splitlines()) == 1 and str(bad) in done.stderr, bad
