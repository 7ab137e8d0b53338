"""torch is installed as PyTorch's own selector says for CPU on Linux, wherever we install it: the
pages' install lines, `make install` (from lock/torch-cpu.txt, hashes required) and the CI
workflow take torch alone from PyTorch's CPU index (PyPI's Linux torch 2.13.0 resolves to 30
wheels, 2.8 GB, 19 of them CUDA packages) and every other package from PyPI. Read from the
files, no network: the doc tests (`--reader-venvs`, lessonkit.platforms.reader) run the pages'
lines and check what they resolve to."""

import json
import re
import subprocess
import tomllib

import pytest
import yaml

from lessonkit.platforms.common import CPU_INDEX, SetupError, install_lines, packages
from lessonkit.platforms.reader import PYPI, as_run_here, check_no_cuda
from tests.conftest import ROOT
from tests.test_reader_env import install_commands, lesson_pages, read


def pinned_torch() -> str:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(spec for spec in dependencies if re.match(r"torch\s*==", spec)).replace(" ", "")


def torch_alone_from_the_cpu_index(lines: list[list[str]], where: str) -> list[str]:
    """What is wrong with `lines` (each the arguments after `pip install`): torch must be on
    one line of its own, pinned as pyproject.toml pins it, with `--index-url` PyTorch's CPU
    index; no other line may name torch or an index."""
    problems = []
    torch = [arguments for arguments in lines
             if any(re.match(r"torch\b", name) for name in packages(arguments))]
    if len(torch) != 1:
        problems.append(f"{where}: {len(torch)} lines install torch, not one")
    for arguments in lines:
        line = f"{where}: `pip install {' '.join(arguments)}`"
        if arguments in torch:
            if arguments != [pinned_torch(), "--index-url", CPU_INDEX]:
                problems.append(f"{line} is not `pip install {pinned_torch()} --index-url "
                                f"{CPU_INDEX}`")
        elif any(word.startswith(("-i", "--index-url", "--extra-index-url", "-f",
                                  "--find-links")) for word in arguments):
            problems.append(f"{line} names an index: only torch's line does")
    return problems


@pytest.mark.parametrize("path", lesson_pages(), ids=lambda path: path.name)
def test_every_page_installs_torch_alone_from_pytorchs_cpu_index(path):
    lines = install_commands(read(path))
    assert torch_alone_from_the_cpu_index(lines, path.name) == []
    assert len(lines) >= 2 and all(packages(arguments) for arguments in lines)


def test_the_check_refuses_the_lines_that_bring_cuda():
    assert torch_alone_from_the_cpu_index(
        [[pinned_torch(), "--index-url", CPU_INDEX], ["numpy==2.4.6"]], "a.md") == []
    for lines in ([[pinned_torch(), "numpy==2.4.6"]],  # PyPI's torch: CUDA on Linux
                  [[pinned_torch(), "numpy==2.4.6", "--extra-index-url", CPU_INDEX]],
                  [[pinned_torch(), "--extra-index-url", CPU_INDEX], ["numpy==2.4.6"]],
                  [[pinned_torch(), "--index-url", CPU_INDEX], ["numpy==2.4.6", "-i", PYPI]],
                  [["torch==2.12.0", "--index-url", CPU_INDEX], ["numpy==2.4.6"]],
                  [[pinned_torch(), "--index-url", CPU_INDEX], ["torch", "numpy==2.4.6"]]):
        assert torch_alone_from_the_cpu_index(lines, "a.md"), lines


def test_make_install_takes_torch_alone_from_the_cpu_index_before_the_rest():
    recipe = subprocess.run(["make", "-n", "-B", ".venv/.installed-stamp"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    steps = [line for line in recipe.replace("\\\n", " ").splitlines() if "pip install" in line]
    torch = [step for step in steps if "lock/torch-cpu.txt" in step]
    assert len(torch) == 1, steps
    # The first install of the step (the other one is for a machine that cannot reach the index).
    arguments = install_lines(re.sub(r".*?(pip install [^;]*);.*", r"\1", torch[0]))[0]
    assert packages(arguments) == [] and "--no-deps" in arguments, arguments
    assert arguments[-2:] == ["--index-url", CPU_INDEX], arguments
    # The file holds torch alone, the CPU build of pyproject's pin.
    locked = re.findall(r"(?m)^([A-Za-z0-9][^\s=]*)==(\S+)",
                        (ROOT / "lock" / "torch-cpu.txt").read_text(encoding="utf-8"))
    assert [f"{name}=={version}" for name, version in locked] == [pinned_torch() + "+cpu"]
    rest = steps.index(next(step for step in steps if "lock/pypi.txt" in step))
    assert steps.index(torch[0]) < rest, "torch after the packages that depend on it"
    assert "index" not in steps[rest], "every other package comes from pip's configured index"


def test_the_workflow_ties_pytorchs_index_to_torch_alone():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    scopes = [("the workflow", workflow)] + [
        (f"job {name}", job) for name, job in workflow["jobs"].items()] + [
        (f"job {name}, a step", step) for name, job in workflow["jobs"].items()
        for step in job.get("steps", [])]
    for where, scope in scopes:
        names = set(scope.get("env") or {})
        assert not names & {"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"}, \
            f"{where} sets a package index for every package"
    runs = [step["run"] for job in workflow["jobs"].values() for step in job.get("steps", [])
            if "run" in step]
    lines = [arguments for run in runs for arguments in install_lines(run)
             if any(name.startswith("torch") for name in packages(arguments))]
    for arguments in lines:
        assert packages(arguments) == [pinned_torch()] and arguments[-2:] == [
            "--index-url", CPU_INDEX], arguments


def test_only_the_cpu_index_is_mapped_and_only_where_it_cannot_be_reached():
    line = ["torch==2.13.0", "--index-url", CPU_INDEX]
    assert as_run_here(line, True, "") == line  # CI, a reader: as written
    here = "file:///opt/mirror/simple"
    assert as_run_here(line, False, here) == ["torch==2.13.0", "--index-url", here]
    assert as_run_here(["numpy==2.4.6", "--index-url", "https://example.org/simple"], False,
                       here) == ["numpy==2.4.6", "--index-url", "https://example.org/simple"]


def test_a_resolved_set_with_a_cuda_package_fails(tmp_path):
    def report(*names):
        path = tmp_path / "report.json"
        path.write_text(json.dumps({"install": [{"metadata": {"name": name}} for name in names]}))
        return path

    check_no_cuda(["numpy"], report("numpy", "torch", "filelock", "sympy"))
    for cuda in ("nvidia-cublas", "nvidia_cudnn_cu13", "cuda-bindings", "triton", "Triton"):
        with pytest.raises(SetupError, match=cuda.lower().replace("_", "-")):
            check_no_cuda(["torch"], report("torch", cuda))
    check_no_cuda(["x"], report("tritonclient", "pycuda"))  # names that only begin alike
