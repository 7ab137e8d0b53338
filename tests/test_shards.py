"""CI's page groups (lessonkit.shards): the jobs of the groups and the job of the tests that do not
grow with the pages run, together, what `make test` runs, each check once; and the groups'
reports join into the one a single run writes."""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit import shards
from lessonkit.engine import report
from lessonkit.platforms import matrix
from tests import conftest
from tests.conftest import ROOT
from tests.test_workflow import workflow

DOCS = sorted((ROOT / "docs").rglob("*.md"))
COSTS = {Path(page["page"]): matrix.cost(page) for page in matrix.bundle(DOCS)["pages"]}
RUNNING = sum(cost > 0 for cost in COSTS.values())  # pages with commands


def shards_command(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "lessonkit.shards", *args], cwd=cwd,
                          capture_output=True, text=True)


@pytest.mark.parametrize("count", range(1, RUNNING + 1))
def test_the_groups_hold_every_page_once_with_about_equal_work(count):
    chosen = shards.groups(DOCS, count)
    assert sorted(page for group in chosen for page in group) == DOCS
    work = [sum(COSTS[page.relative_to(ROOT)] for page in group) for group in chosen]
    assert all(work), f"a group with nothing to run: {chosen}"
    # Handing the costliest page first to the least-loaded group: no group is more than one
    # page's work above another.
    assert max(work) - min(work) <= max(COSTS.values()), work
    assert shards.groups(reversed(DOCS), count) == chosen, "the same pages, the same groups"


def test_more_groups_than_pages_with_commands_is_refused():
    with pytest.raises(shards.ShardError, match="a group would have nothing to run"):
        shards.groups(DOCS, RUNNING + 1)
    with pytest.raises(shards.ShardError, match="1 or more"):
        shards.groups(DOCS, 0)


def test_the_command_prints_a_groups_pages_and_refuses_bad_groups_in_one_line():
    done = shards_command("pages", "1/2")
    first = done.stdout.split()
    second = shards_command("pages", "2/2").stdout.split()
    assert done.returncode == 0 and first and second
    assert sorted(first + second) == [str(page.relative_to(ROOT)) for page in DOCS]
    for bad in ("x", "0/2", "3/2", "1/0", f"1/{RUNNING + 1}", "1/2/3"):
        done = shards_command("pages", bad)
        assert done.returncode == 2, bad
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr


def _collected(*args) -> set[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_browser.py",
                           "--collect-only", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_the_group_jobs_and_the_rest_job_run_every_browser_check_once():
    """Every browser check of `make test` runs in exactly one of CI's jobs: a group's (the
    checks of its pages) or the rest's (the checks tied to no page)."""
    every = _collected()
    rest = _collected("--lesson-pages=none")
    [count] = workflow()["jobs"]["pages"]["strategy"]["matrix"]["of"]
    groups = [_collected("--lesson-pages=" + " ".join(
        str(page.relative_to(ROOT)) for page in group)) for group in shards.groups(DOCS, count)]
    assert rest and all(groups)
    assert sum(map(len, groups)) + len(rest) == len(every)
    assert set.union(rest, *groups) == every
    # The pages' checks really are split: each group checks only its own pages.
    assert any("vae-basics]" in name or "[vae-basics-" in name for name in set.union(*groups))
    assert not any("[vae-basics-desktop" in name for name in rest)


@pytest.mark.parametrize("bad", ["docs/nope.md", "README.md", "snippets/tiny_vae_2d.py", " "])
def test_lesson_pages_refuses_what_is_not_a_page(bad):
    given = SimpleNamespace(getoption=lambda name: {"lesson_pages": bad}[name])
    with pytest.raises(pytest.UsageError, match="^--lesson-pages"):
        conftest._chosen_pages(given)


def test_a_bad_lesson_pages_stops_pytest_in_one_line():
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_browser.py",
                           "--collect-only", "-q", "-p", "no:cacheprovider",
                           "--lesson-pages=docs/nope.md"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 4, (done.stdout, done.stderr)  # pytest's usage error
    assert done.stderr.startswith("ERROR: --lesson-pages: docs/nope.md is not a page of docs/")
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_workflow_runs_each_group_once_and_the_rest_on_both_machines():
    jobs = workflow()["jobs"]
    pages = jobs["pages"]["strategy"]["matrix"]
    [count] = pages["of"]
    assert pages["group"] == list(range(1, count + 1))
    assert sorted(pages["arch"]) == ["arm64", "x86-64"]
    runs = [step["run"] for step in jobs["pages"]["steps"] if "run" in step]
    assert runs == ["make test-group GROUP=${{ matrix.group }}/${{ matrix.of }}"]
    rest = [step["run"] for step in jobs["rest"]["steps"] if "run" in step]
    assert rest == ["make lint test-rest LESSON_PAGES=none"]
    assert sorted(row["arch"] for row in jobs["rest"]["strategy"]["matrix"]["include"]) == \
        ["arm64", "x86-64"]
    assert {"pages", "rest"} <= set(jobs["build"]["needs"])


def test_the_workflow_has_a_group_for_every_13_lessons():
    """A push stays under 15 minutes while each group's job holds at most
    LESSONS_PER_GROUP lessons: a new lesson past that needs a new group in the workflow."""
    from tests.test_reader_env import lesson_pages

    lessons = [page for page in lesson_pages() if page.name != "index.md"]
    [count] = workflow()["jobs"]["pages"]["strategy"]["matrix"]["of"]
    assert count * shards.LESSONS_PER_GROUP >= len(lessons), (
        f"{len(lessons)} lessons in {count} groups: give the workflow's `pages` job "
        f"{-(-len(lessons) // shards.LESSONS_PER_GROUP)} groups")


def _make(*args) -> str:
    return subprocess.run(["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.replace("\\\n", " ")


def test_make_test_is_lint_the_pages_runs_and_the_rest():
    whole = _make("test")
    parts = _make("lint", "test-pages", "test-rest")
    assert whole == parts
    group = _make("test-group", "GROUP=1/2")
    # A group's job runs its pages' doc tests and quick set as `make test-pages` does.
    assert 'pages="$(.venv/bin/python -m lessonkit.shards pages 1/2)"' in group
    runs = [line.replace("PAGE_LIST", "$pages")
            for line in _make("test-pages", "PAGES=PAGE_LIST").splitlines() if "PAGE_LIST" in line]
    assert len(runs) == 2 and all(run in group for run in runs), (runs, group)
    assert 'tests/test_browser.py --lesson-pages="$pages"' in group


# -- joining the groups' reports -------------------------------------------------------------


def _doctests(folder, pages, capability="AVX2", finished="2026-12-07T01:00:00Z"):
    record = report.Report("3.11.7", "2.13.0+cpu", finished,
                           [report.PageSummary(page, 3, 2, 1, 0, 0, 2, 0, "f-" + page)
                            for page in pages],
                           [report.BlockRecord(page, 1, "shell", "passed", 1.0) for page in pages],
                           "x86_64", capability, 2)
    record.write(folder / "doctests.json")


def _kernels(folder, pages, threads="1", seconds=10.0, python="3.11.7"):
    configs = [{"name": f"aten=avx2 mkl=AVX2 threads={threads}",
                "settings": {"OMP_NUM_THREADS": threads}, "environment": {"python": python}}]
    (folder / "kernels.json").write_text(json.dumps({
        "kind": "kernel matrix", "configurations": configs, "seconds": seconds,
        "pages": [{"page": page, "fingerprint": "f-" + page, "blocks": []} for page in pages]}))


def test_the_groups_reports_join_into_one_runs(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    _doctests(one, ["docs/a.md", "docs/b.md"], "AVX2")
    _doctests(two, ["docs/c.md"], "AVX512", finished="2026-12-07T01:05:00Z")
    _kernels(one, ["docs/a.md", "docs/b.md"], seconds=10.0)
    _kernels(two, ["docs/c.md"], seconds=30.0)
    (one / "axe.jsonl").write_text('{"page": "a/"}\n')
    (two / "axe.jsonl").write_text('{"page": "c/"}\n')
    said = shards.join(tmp_path / "out", [one, two])
    assert said == ["doc tests: 3 pages from 2 groups", "kernel matrix: 3 pages from 2 groups",
                    "accessibility: 2 records from 2 groups"]
    joined = report.read(tmp_path / "out" / "doctests.json")
    assert sorted(s.page for s in joined.pages) == ["docs/a.md", "docs/b.md", "docs/c.md"]
    assert len(joined.blocks) == 3
    # Each page keeps where and when it ran: the notice names the kernels of its own run.
    assert joined.made_for(joined.page("docs/a.md"))["cpu_capability"] == "AVX2"
    assert joined.made_for(joined.page("docs/c.md"))["cpu_capability"] == "AVX512"
    assert joined.made_for(joined.page("docs/c.md"))["finished"] == "2026-12-07T01:05:00Z"
    kernels = json.loads((tmp_path / "out" / "kernels.json").read_text())
    assert [page["page"] for page in kernels["pages"]] == ["docs/a.md", "docs/b.md", "docs/c.md"]
    assert kernels["seconds"] == 30.0
    assert (tmp_path / "out" / "axe.jsonl").read_text().splitlines() == [
        '{"page": "a/"}', '{"page": "c/"}']


def test_a_join_refuses_a_page_in_two_groups_or_other_settings(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    _doctests(one, ["docs/a.md"])
    _doctests(two, ["docs/a.md"])
    with pytest.raises(shards.ShardError, match="docs/a.md is in the doc tests of both"):
        shards.join(tmp_path / "out", [one, two])
    _doctests(two, ["docs/b.md"])
    _kernels(one, ["docs/a.md"], threads="1")
    _kernels(two, ["docs/b.md"], threads="2")
    with pytest.raises(shards.ShardError, match="other settings"):
        shards.join(tmp_path / "out", [one, two])
    _kernels(two, ["docs/b.md"], python="3.13.5")  # the same settings on another machine
    with pytest.raises(shards.ShardError, match="another machine"):
        shards.join(tmp_path / "out", [one, two])
    for broken in ("{not json", '{"configurations": []}', "[]"):
        (two / "kernels.json").write_text(broken)
        with pytest.raises(shards.ShardError, match="kernels.json is not a report"):
            shards.join(tmp_path / "out", [one, two])
    (two / "doctests.json").write_text('{"python": "3.11.7"}')
    with pytest.raises(shards.ShardError, match="doctests.json is not a report"):
        shards.join(tmp_path / "out", [one, two])
    _doctests(two, ["docs/b.md"])
    _kernels(two, ["docs/b.md"], threads="2")
    done = shards_command("join", str(tmp_path / "out"), str(one), str(two))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    done = shards_command("join", str(tmp_path / "out"), str(tmp_path / "missing"))
    assert done.returncode == 2 and "no folder" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = shards_command("join", str(tmp_path / "out"), str(empty))
    assert done.returncode == 2 and "no report" in done.stderr


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["docs/a.md", "docs/b.md", "docs/c.md", "docs/d.md"]),
                min_size=1, max_size=4, unique=True),
       st.lists(st.sampled_from(["AVX2", "AVX512", "DEFAULT"]), min_size=4, max_size=4))
def test_a_page_kept_from_an_earlier_run_keeps_that_runs_kernels_and_date(pages, kernels):
    """However reports merge (a rerun of some pages, or CI's groups joined), each page's notice
    names the torch, kernels and date of the run that ran it."""
    runs = []
    for number, page in enumerate(pages):
        runs.append(report.Report("3.11.7", "2.13.0", f"2026-12-0{number + 1}T00:00:00Z",
                                  [report.PageSummary(page, 1, 1, 0, 0, 0, 1, 0, "f")], [],
                                  "x86_64", kernels[number], 2))
    joined = runs[-1]
    for earlier in reversed(runs[:-1]):
        joined.merge(earlier)
    for number, page in enumerate(pages):
        made = joined.made_for(joined.page(page))
        assert made["cpu_capability"] == kernels[number]
        assert made["finished"] == f"2026-12-0{number + 1}T00:00:00Z"
