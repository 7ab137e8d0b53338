"""The built site in a real browser (Chromium), as a reader meets it, in both palettes."""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from mkdocs.utils.meta import get_data
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from lessonkit.engine.includes import mkdocs_config, without_markers
from lessonkit.site.hooks import nav_paths
from lessonkit.site.palette import EXPECT
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CODE_WIDER_THAN_ITS_BLOCK,
    ELEMENT_COUNT,
    FIGURE_TEXT_SIZES,
    HEADINGS_IN_ORDER,
    RENDERED_HEIGHT,
    TABLES_WITHOUT_HEADERS,
    open_folded_blocks,
    serve,
    visit,
)
from tests.conftest import ROOT
from tests.test_reader_env import lesson_pages
from tests.test_site import LAB

REPORTS = ROOT / "reports"
PALETTES = ("light", "dark")
LESSON = "vae-basics/"


def _labs() -> list[tuple[str, str]]:
    """(page URL, lab file) of every lesson that offers its lab for download, in page order."""
    found = []
    for source in sorted((ROOT / "docs").rglob("*.md")):
        for name in dict.fromkeys(re.findall(r"\]\(downloads/(\w+\.py)\)", source.read_text(
                encoding="utf-8"))):
            found.append((str(source.relative_to(ROOT / "docs").with_suffix("")) + "/", name))
    return found


LABS = _labs()
# The lessons' titles as the search shows them: the first heading of each page with a lab, read
# after its front matter (where a YAML comment also starts with "# ").
TITLES = {url: next(line[2:].strip() for line in get_data((ROOT / "docs" / (
                    url.rstrip("/") + ".md")).read_text(encoding="utf-8"))[0].splitlines()
                    if line.startswith("# "))
          for url, _ in LABS}


def _pages(site: Path) -> list[str]:
    return sorted(str(path.relative_to(site).parent) + "/" if path.name == "index.html"
                  else str(path.relative_to(site)) for path in site.rglob("*.html"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs it with "
                    "`apt-get install -y chromium`", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_record():
    """reports/axe.jsonl, emptied once per run: one line per page and palette."""
    REPORTS.mkdir(exist_ok=True)
    record = REPORTS / "axe.jsonl"
    record.write_text("", encoding="utf-8")
    return record


@pytest.fixture(scope="session")
def site_url(built_site):
    url, server = serve(built_site)
    yield url
    server.shutdown()


@pytest.fixture
def reader(browser, site_url):
    """A fresh browser tab, allowed to use the clipboard like a reader's."""
    def open_tab(palette="light"):
        context = browser.new_context(color_scheme=palette, viewport={"width": 1280, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        return context.new_page()

    contexts = []
    yield open_tab
    for context in contexts:
        context.close()


def _page_ids(site_pages):
    return [page.strip("/") or "home" for page in site_pages]


SITE_PAGES = None


def pytest_generate_tests(metafunc):
    # Pages are known only after the build; parametrize over the docs' sources instead and map.
    if "site_page" in metafunc.fixturenames:
        names = [""]  # home
        for source in sorted((ROOT / "docs").rglob("*.md")):
            if source.name != "index.md":
                names.append(str(source.relative_to(ROOT / "docs").with_suffix("")) + "/")
        nav = mkdocs_config(ROOT / "mkdocs.yml")["nav"]  # as MkDocs reads it
        names += sorted(uri.removesuffix(".ipynb") + "/" for uri in nav_paths(nav)
                        if uri.endswith(".ipynb"))
        names.append("404.html")
        metafunc.parametrize("site_page", names, ids=[n.strip("/") or "home" for n in names])


# -- one load per page, screen and palette -------------------------------------------------------
# Loading a page is most of a browser check's time. Each page is loaded once per screen and
# palette (`_look`), every check of it runs on that load in an order that keeps each check's
# conditions (layout shifts and the element count as the page loads; then read to the end, its
# folded blocks open, as a reader reads it; then the audits), and the tests read what it found:
# 4 loads per page where each check loading its own made about 14.

SCREENS = {"phone": (390, 844), "desktop": (1280, 900)}

# Every layout shift the page makes while it loads, with what moved (the browser's own record,
# the one Lighthouse's cumulative layout shift adds up).
LAYOUT_SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => list.getEntries().forEach(shift => window.__shifts.push({
  value: shift.value,
  moved: shift.sources.map(s => s.node ? `${s.node.nodeName.toLowerCase()}#${s.node.id}` : '?'),
}))).observe({type: 'layout-shift', buffered: true});
"""

# The lesson's first paragraph of prose: the first <p> of the article itself (not one inside
# the verification notice or an admonition, nor the quiet line of a page no check has run on,
# nor the line offering the page's notebooks).
# Its top, in px from the top of the page.
FIRST_PROSE_TOP = """() => {
  const p = document.querySelector(
    'article.md-typeset > p:not(.lessons-unchecked):not(.lesson-notebooks)');
  return p ? p.getBoundingClientRect().top + window.scrollY : null;
}"""

# The verification notice's line, or what the page says instead.
NOTICE = """() => {
  const verified = document.querySelector('article details.success > summary, '
                                          + 'article .admonition.success > .admonition-title');
  if (verified) return {verified: verified.innerText};
  return {said: [...document.querySelectorAll('article .admonition.warning > .admonition-title, '
                                              + 'article p.lessons-unchecked')]
                .map(e => e.innerText)};
}"""

NAV_LINKS = ("[...document.querySelectorAll('nav.md-nav--primary a.md-nav__link[href]')]"
             ".map(a => new URL(a.href).pathname)")

EVERY_BLOCK_HAS_A_NAMED_COPY_BUTTON = """() => {
  const blocks = document.querySelectorAll('.md-content pre > code').length;
  const navs = [...document.querySelectorAll('.md-content pre > nav.md-code__nav')];
  const buttons = document.querySelectorAll('.md-content pre button[data-md-type="copy"]');
  const names = new Set(navs.map(nav => nav.getAttribute('aria-label')).filter(Boolean));
  return {blocks, navs: navs.length, buttons: buttons.length, names: names.size};
}"""

# What sticks out sideways: the page's own width against the screen's, and the elements that
# reach past the screen's edge without a box of their own that scrolls (a code block or a table
# that scrolls inside its own box is fine, as long as that box fits).
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const over = [...document.querySelectorAll('article *, .md-footer *')].filter(e => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !clipped(e);
  }).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
  return {scroll: document.documentElement.scrollWidth, width, over: over.slice(0, 5)};
}"""


def _screen(browser, size, palette="light", javascript=True):
    width, height = SCREENS[size]
    return browser.new_context(viewport={"width": width, "height": height},
                               color_scheme=palette, java_script_enabled=javascript)


class Look(dict):
    """Check -> what it found on one load of a page; a check that raised raises again when a
    test reads it (and only then: the other checks of that load still count)."""

    def __getitem__(self, check):
        if check not in self and isinstance(self.get("visit"), Exception):
            raise self.get("visit")  # the page did not load: no check after it ran
        found = super().__getitem__(check)
        if isinstance(found, Exception):
            raise found
        return found


def _measure(found: Look, check: str, how) -> None:
    try:
        found[check] = how()
    except Exception as error:  # noqa: BLE001 (raised again by the test that reads it)
        found[check] = error


def _copy_buttons(page) -> dict:
    """Material mounts a code block (its copy button) when the block first scrolls into view
    (content.lazy): read to the end, every block has one, named apart by lessons.js."""
    try:  # the last blocks mount a frame or two after the scroll
        page.wait_for_function(f"() => {{ const f = ({EVERY_BLOCK_HAS_A_NAMED_COPY_BUTTON})(); "
                               "return f.names === f.blocks && f.buttons === f.blocks; }",
                               timeout=5_000)
    except PlaywrightTimeout:  # the test's assertion says what is missing
        pass
    return page.evaluate(EVERY_BLOCK_HAS_A_NAMED_COPY_BUTTON)


def _axe(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{', '.join(n['target'][0] for n in v['nodes'][:3])}"
            for v in results.response["violations"]]


def _look(browser, url: str, size: str, palette: str, shot: Path | None = None,
          reading=True) -> Look:
    """Load `url` once at `size` in `palette` and run every check on that load; `shot`: where
    to save a full-page screenshot; `reading`: False for the load-time checks alone."""
    found = Look()
    context = _screen(browser, size, palette)
    try:
        page = context.new_page()
        page.add_init_script(LAYOUT_SHIFTS)

        def at_load(page):  # before anything scrolls, opens or mounts
            page.wait_for_timeout(500)  # shifts of the load itself are recorded
            for check, script in [
                    ("shifts", "window.__shifts"),
                    ("scheme", "document.body.getAttribute('data-md-color-scheme')"),
                    ("elements", ELEMENT_COUNT), ("height", RENDERED_HEIGHT),
                    ("headings", HEADINGS_IN_ORDER),
                    ("tables without headers", TABLES_WITHOUT_HEADERS),
                    ("first prose top", FIRST_PROSE_TOP), ("notice", NOTICE),
                    ("nav", NAV_LINKS)]:
                _measure(found, check, lambda script=script: page.evaluate(script))

        _measure(found, "visit", lambda: visit(page, url, at_load))  # read to the end
        if not reading or isinstance(found.get("visit"), Exception):
            return found
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            _measure(found, "screenshot", lambda: page.screenshot(path=str(shot), full_page=True))
        if size == "desktop":
            if palette == "light":  # what the palette cannot change: checked once
                _measure(found, "copy buttons", lambda: _copy_buttons(page))
                _measure(found, "code wider than its block",
                         lambda: page.evaluate(CODE_WIDER_THAN_ITS_BLOCK))
            _measure(found, "axe", lambda: _axe(page))
        else:
            _measure(found, "sideways", lambda: page.evaluate(SIDEWAYS))
            _measure(found, "figures", lambda: page.evaluate(FIGURE_TEXT_SIZES))
            if palette == "light":
                _measure(found, "table cues", lambda: _table_cues(page))
        return found
    finally:
        context.close()


@pytest.fixture(scope="session")
def look(browser, site_url):
    """look(site page, screen, palette): what that page's one load there found."""
    seen = {}

    def get(site_page: str, size: str, palette: str) -> Look:
        if (site_page, size, palette) not in seen:
            name = (site_page.strip("/") or "home").replace("/", "-")
            shot = REPORTS / "screenshots" / f"{name}-{palette}.png" if size == "desktop" else None
            seen[site_page, size, palette] = _look(browser, site_url + site_page, size, palette,
                                                   shot)
        return seen[site_page, size, palette]

    return get


@pytest.mark.parametrize("palette", PALETTES)
def test_page_shows_without_problems(look, site_page, palette):
    seen = look(site_page, "desktop", palette)
    assert seen["scheme"] == ("slate" if palette == "dark" else "default")
    seen["screenshot"]  # noqa: B018 (saved, or its error raised)
    assert not seen["visit"].problems, "\n".join(seen["visit"].problems)


@pytest.mark.parametrize("palette", PALETTES)
def test_axe_reports_no_violations(look, site_page, palette, axe_record):
    # Read to the end first: every code block's lazily mounted copy button is audited too.
    violations = look(site_page, "desktop", palette)["axe"]
    with axe_record.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"page": site_page, "palette": palette,
                              "violations": len(violations)}) + "\n")
    assert not violations, "\n".join(violations)


def test_every_code_block_has_a_named_copy_button_once_read(look, site_page):
    found = look(site_page, "desktop", "light")["copy buttons"]
    assert found == {"blocks": found["blocks"], "navs": found["blocks"],
                     "buttons": found["blocks"], "names": found["blocks"]}


def test_headings_are_in_order_and_tables_have_header_rows(look, site_page):
    seen = look(site_page, "desktop", "light")
    assert seen["headings"] == []
    assert seen["tables without headers"] == 0


SEARCHES = {"vae-basics/": "reparameterization", "vae-digits/": "handwritten"}


@pytest.mark.parametrize("lesson", TITLES, ids=str)
def test_search_finds_the_lesson(reader, site_url, lesson):
    page = reader()
    page.goto(site_url, wait_until="networkidle")
    page.locator("input.md-search__input").click()
    # Material searches on key events, as a reader types; a word of the page, else its title
    page.keyboard.type(SEARCHES.get(lesson, TITLES[lesson]))
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    assert TITLES[lesson] in page.locator(".md-search-result").inner_text()


def test_notebook_output_keeps_each_printed_line_whole(reader, site_url):
    """A printed line is never broken inside (mkdocs-jupyter's word-break: break-all ended a
    line with "[-" and began the next with "1.118"): on a phone, each output line is one line
    on the screen, and a wider one scrolls sideways."""
    page = reader()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_url + "notebooks/tiny_vae_2d/", wait_until="networkidle")
    outputs = page.locator(".jp-OutputArea-output pre")
    assert outputs.count() >= 1
    for index in range(outputs.count()):
        box = outputs.nth(index)
        style = box.evaluate("e => { const s = getComputedStyle(e); return [s.whiteSpace, "
                             "s.wordBreak, parseFloat(s.lineHeight), "
                             "e.getBoundingClientRect().height - parseFloat(s.paddingTop) "
                             "- parseFloat(s.paddingBottom), e.textContent] }")
        white_space, word_break, line_height, height, text = style
        assert (white_space, word_break) == ("pre", "normal")
        lines = text.rstrip("\n").count("\n") + 1
        assert round(height / line_height) == lines, (text, height, line_height)
    # The output box around it scrolls, and the keyboard reaches it (axe-core checks that too).
    scrolling = page.locator(".jp-OutputArea-output[tabindex='0']")
    assert scrolling.count() == outputs.count()
    assert any(box.evaluate("e => getComputedStyle(e).overflowX === 'auto' "
                            "&& e.scrollWidth > e.clientWidth")
               for box in scrolling.all()), "no output wider than a phone: nothing checked"


# A term and the lesson that explains it: that lesson must be the search's first result, above
# the pages that use the term and the notebooks that repeat its code.
OWN_TERMS = {"ELBO": "VAE Basics", "reparameterization": "VAE Basics",
             "Bernoulli": "An image VAE: handwritten digits"}


def _settled_first_result(page, seconds=15) -> str:
    """The title of the search's first result once the results stop changing. Material
    searches on every key typed, and the results of a shorter query (a prefix, ranked otherwise)
    can still be on the screen when the first result appears: 1 run in 3 read the home page
    first for "reparameterization"."""
    first = page.locator(".md-search-result__item").first
    first.wait_for(timeout=seconds * 1000)
    shown = None
    for _ in range(seconds * 4):
        now = page.locator(".md-search-result").inner_text()
        if now == shown:
            return first.locator("h1").first.inner_text().strip()
        shown = now
        page.wait_for_timeout(250)
    raise AssertionError(f"the search results still changed after {seconds} s")


@pytest.mark.parametrize("term", OWN_TERMS)
def test_a_lesson_comes_first_in_the_search_for_its_own_terms(reader, site_url, term):
    page = reader()
    page.goto(site_url, wait_until="networkidle")
    page.locator("input.md-search__input").click()
    page.keyboard.type(term)
    assert _settled_first_result(page) == OWN_TERMS[term]


def test_the_404_pages_search_opens_the_sites_search_with_the_words(reader, site_url):
    # overrides/404.html: its form opens the home page with ?q=, which Material's search reads.
    page = reader()
    page.goto(site_url + "404.html", wait_until="networkidle")
    page.locator("#lessons-404-query").fill("reparameterization")
    page.locator("form.lessons-404-search button").click()
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    assert page.url == site_url + "?q=reparameterization"
    assert "VAE Basics" in page.locator(".md-search-result").inner_text()


def test_the_search_index_is_fetched_only_once_the_reader_goes_to_search(reader, site_url):
    """docs/assets/search-on-demand.js: a page loads without the site's search index (it grows
    with the course); going to the search field fetches it, once, and the search answers; a
    page opened from a search result (?h=) fetches it at load, and Material marks the terms."""
    page = reader()
    fetched = []
    page.on("request", lambda request: urlparse(request.url).path.endswith(
        "/search/search_index.json") and fetched.append(request.url))
    page.goto(site_url + LESSON, wait_until="networkidle")
    page.wait_for_timeout(500)
    assert fetched == [], "the page fetched the search index before the reader searched"
    page.keyboard.press("/")  # Material's shortcut to the search field
    page.keyboard.type("reparameterization")
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    assert "VAE Basics" in page.locator(".md-search-result").inner_text()
    page.locator("input.md-search__input").blur()
    page.locator("input.md-search__input").focus()
    page.wait_for_timeout(500)  # time for a second request, were one sent
    assert len(fetched) == 1, fetched
    fetched.clear()
    page.goto(site_url + "vae-digits/?h=decoder", wait_until="networkidle")
    assert len(fetched) == 1, fetched
    assert page.locator("article mark").count() > 0  # search.highlight, with the index
    # The search opened without its field focused (the magnifier inside the field): Material's
    # toggle, checked, sends the request too.
    fetched.clear()
    page.goto(site_url + LESSON, wait_until="networkidle")
    assert fetched == []
    with page.expect_request("**/search/search_index.json", timeout=5_000):
        page.evaluate("document.getElementById('__search').click()")
    assert page.evaluate("document.activeElement.matches('input.md-search__input')") is False


def test_every_lesson_with_a_lab_is_in_the_browser_tests():
    assert [url for url, _ in LABS][:2] == ["vae-basics/", "vae-digits/"]
    assert [name for _, name in LABS][:2] == ["tiny_vae_2d.py", "digits_vae.py"]


def _copy(page, block) -> str:
    # Material mounts a block's copy button once the block is in view (content.lazy). The
    # blocks above it take their real heights as they are first shown (content-visibility), so
    # one scroll can land short of it, as it can for a reader: scroll until it is there.
    button = block.locator("button.md-code__button[data-md-type='copy']")
    for _ in range(5):
        block.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        if button.count():
            break
    block.hover()
    button.click()
    return page.evaluate("navigator.clipboard.readText()")


def _block(page, title):
    return page.locator(f"div.highlight:has(> span.filename:text-is('{title}'))").first


def _expected_after(page, title) -> str:
    return page.evaluate(
        """(title) => {
            const blocks = [...document.querySelectorAll('div.highlight')];
            const titled = b => b.querySelector('.filename')?.textContent;
            const start = blocks.findIndex(b => titled(b) === title);
            const after = blocks.slice(start).find(b => titled(b) === 'Expected output');
            return after.querySelector('code').textContent;
        }""", title)


def _page_expected_after(lesson: str, lab: str) -> str:
    """The page's own Expected output for the first command after its `lab` file block: what the
    doc tests compare that command's run with."""
    from tests.test_reader_env import read

    blocks = read(ROOT / "docs" / (lesson.rstrip("/") + ".md")).blocks
    start = next(n for n, block in enumerate(blocks) if block.filename == lab)
    return next(block.expected.code for block in blocks[start:]
                if block.kind == "shell" and block.expected)


@pytest.mark.parametrize(("lesson", "lab"), LABS, ids=[name for _, name in LABS])
def test_copied_lab_is_the_file_that_runs_and_the_output_shown_is_the_pages(reader, site_url,
                                                                          lesson, lab):
    """What a reader copies is the snippet as the page shows it, and the Expected output the page
    shows after it is the page's. That this file prints that output is proven without running it
    again: the doc tests run the snippet in a reader's venv against the page's Expected outputs,
    and tests/test_reader_env.py checks that the built page shows the files they ran."""
    page = reader()
    page.goto(site_url + lesson, wait_until="networkidle")
    copied = _copy(page, _block(page, lab))
    snippet = ROOT / "snippets" / lab
    assert copied.rstrip("\n") == without_markers(snippet.read_text(encoding="utf-8")).rstrip("\n")
    assert _expected_after(page, lab).rstrip("\n") == _page_expected_after(lesson, lab).rstrip("\n")


@pytest.mark.parametrize("lesson", TITLES, ids=str)
def test_shell_copy_button_copies_the_command_only(reader, site_url, lesson):
    page = reader()
    page.goto(site_url + lesson, wait_until="networkidle")
    open_folded_blocks(page)
    commands = page.locator("div.language-bash.highlight")
    assert commands.count() >= 1
    for index in range(commands.count()):
        shown = commands.nth(index).locator("code").text_content()
        copied = _copy(page, commands.nth(index))
        assert copied.strip() == shown.strip()
        # A block of several commands copies as several lines, each a command and nothing else.
        lines = copied.strip().splitlines()
        assert all(line.startswith("python ") for line in lines) and "$" not in copied


@pytest.mark.parametrize(("lesson", "lab"), LABS, ids=[name for _, name in LABS])
def test_lab_download_link_serves_the_snippet(reader, site_url, lesson, lab):
    page = reader()
    page.goto(site_url + lesson, wait_until="networkidle")
    link = page.locator(f"a[href$='downloads/{lab}']").first
    response = page.request.get(link.evaluate("a => a.href"))
    # The file as the page shows it: the snippet without its `--8<--` section markers.
    shown = without_markers((ROOT / "snippets" / lab).read_text(encoding="utf-8"))
    assert response.ok and response.body() == shown.encode("utf-8")


# -- page weight -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bare_material_url(tmp_path_factory):
    """A bare Material page (no content, same theme settings) to measure the lesson against."""
    project = tmp_path_factory.mktemp("bare")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# Bare\n")
    (project / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: bare
        theme: {name: material, font: false}
        plugins: [search]
        """))
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=project, check=True,
                   env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    url, server = serve(project / "site")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def bare_look(browser, bare_material_url):
    return _look(browser, bare_material_url, "desktop", "light", reading=False)


# reports/page-weight.md: a row per page checked in this run, each added by that page's test,
# the file written when the run ends (a page group's run in CI writes the rows of its pages).
WEIGHT, ELEMENTS = "## Bytes loaded per page", "## Elements"
KINDS = ("document", "stylesheet", "script", "font", "image")


def _weight_row(name: str, measured) -> tuple[str, str]:
    kinds = measured.bytes_by_type
    known = sum(kinds.get(kind, 0) for kind in KINDS)
    return name, (f"| {name} | " + " | ".join(f"{kinds.get(kind, 0):,}" for kind in KINDS)
                  + f" | {measured.total_bytes - known:,} | {measured.total_bytes:,} |")


@pytest.fixture(scope="session")
def page_weight_report(bare_look):
    """{section: {page: row}}, filled by the tests, written to reports/page-weight.md at the end."""
    tables = {WEIGHT: dict([_weight_row("bare Material page", bare_look["visit"])]),
              ELEMENTS: {"bare Material page": f"| bare Material page | - | "
                                               f"{bare_look['height']:,} | "
                                               f"{bare_look['elements']:,} |"}}
    yield tables
    _write_report_section(WEIGHT, "\n".join([
        "| page | html | css | js | fonts | images | other | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(tables[WEIGHT][name] for name in sorted(tables[WEIGHT], key=_bare_first)),
        "", f"A lesson's budget: 2 x {bare_look['visit'].total_bytes:,} (the bare page, with its "
        "search index) + its figures. A lesson page loads no search index until the reader "
        "searches (docs/assets/search-on-demand.js)."]))
    _write_report_section(ELEMENTS, "\n".join([
        "At 1280 x 900 px, as the page loads: elements counted with folded blocks closed (their "
        "content is in the page) and before any code block is mounted.",
        "",
        f"Budget: {MAX_ELEMENTS:,} elements (asserted). The main thread's longest tasks: "
        "`make lighthouse` (reports/lighthouse.md).",
        "",
        "| page | source lines | rendered height (px) | elements |",
        "| --- | ---: | ---: | ---: |",
        *(tables[ELEMENTS][name] for name in sorted(tables[ELEMENTS], key=_bare_first))]))


def _bare_first(name: str) -> tuple:
    return name != "bare Material page", name != "home", name


def test_page_weight_is_within_budget(look, bare_look, site_page, page_weight_report):
    """A lesson page loads at most twice what a bare Material page loads, plus its figures. The
    site's search index, which grows with each page of the course, is not part of a page's
    load: it is fetched only when the reader searches (docs/assets/search-on-demand.js; a bare
    one-page Material site fetches its own, about 2 KB, at load). Every page's bytes are
    reported."""
    measured = look(site_page, "desktop", "light")["visit"]
    name, row = _weight_row(site_page or "home", measured)
    page_weight_report[WEIGHT][name] = row
    # Each figure exists in two palettes; a reader's browser fetches only the one it shows.
    assert not [url for url in measured.images if "-dark.svg" in url]
    if site_page == LESSON:  # a lesson with figures: the line above checked some
        assert measured.images
    if site_page not in LESSON_PAGES:
        return
    figures = measured.bytes_by_type.get("image", 0)
    budget = 2 * bare_look["visit"].total_bytes + figures
    assert measured.total_bytes <= budget, \
        f"{site_page} weighs {measured.total_bytes:,} bytes, over its budget of {budget:,}"


def _write_report_section(heading: str, body: str) -> None:
    """Replace (or add) one `## ` section of reports/page-weight.md, keeping the others."""
    REPORTS.mkdir(exist_ok=True)
    path = REPORTS / "page-weight.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = [part for part in re.split(r"(?m)^(?=## )", text)
                if part.startswith("## ") and not part.startswith(heading + "\n")]
    sections.append(f"{heading}\n\n{body.strip()}\n")
    path.write_text("# Page weight\n\n" + "\n".join(sorted(sections)), encoding="utf-8")


# -- light pages: no sideways scrolling, few elements ---------------------------------------------

MAX_ELEMENTS = 3000  # folded blocks included: they stay in the page


def _lesson_pages() -> list[str]:
    """The pages with code that runs (and so a verification notice): not the home page, nor
    "How this site is verified"."""
    return [str(source.relative_to(ROOT / "docs").with_suffix("")) + "/"
            for source in lesson_pages() if source.name != "index.md"]


LESSON_PAGES = _lesson_pages()


def test_no_code_line_scrolls_sideways_at_1280_px(look, site_page):
    assert look(site_page, "desktop", "light")["code wider than its block"] == []


def test_lesson_pages_are_light(look, site_page, page_weight_report):
    """Few elements on a lesson page (every page's are reported): every one costs the reader's
    browser style, layout and memory. (How long the main thread is busy, a matter of timing, is
    `make lighthouse`'s: a slow phone's profile, the longest tasks of every page with the script
    they ran in.)"""
    seen = look(site_page, "desktop", "light")
    source = ROOT / "docs" / ((site_page.rstrip("/") or "index") + ".md")
    lines = len(source.read_text(encoding="utf-8").splitlines()) if source.is_file() else 0
    page_weight_report[ELEMENTS][site_page or "home"] = \
        f"| {site_page or 'home'} | {lines or '-'} | {seen['height']:,} | {seen['elements']:,} |"
    if site_page in LESSON_PAGES:
        assert seen["elements"] < MAX_ELEMENTS, \
            f"{site_page}: {seen['elements']} elements, the budget is {MAX_ELEMENTS}"


# -- a reader's first screen, a phone's width, a browser without JavaScript ----------------------


@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("lesson", LESSON_PAGES)
def test_the_lessons_first_paragraph_is_on_the_first_screen(look, lesson, size, palette):
    seen = look(lesson, size, palette)
    top, height = seen["first prose top"], SCREENS[size][1]
    assert top is not None and top < height, \
        f"{lesson} at {size}: the first paragraph starts at {top} px, below {height} px"
    notice = seen["notice"]
    if "verified" not in notice:  # the doc tests write the reports this line comes from
        pytest.fail(f"{lesson}: the page says {notice['said']}, not 'Verified': run the "
                    "doc tests first (`make test` does)")
    line = notice["verified"]
    assert line.startswith("Verified") and all(
        word in line for word in ("torch", "Python", "Linux")), line


@pytest.mark.parametrize("size", SCREENS)
def test_nothing_moves_while_a_page_loads(look, site_page, size):
    # Blocks of the first screen are laid out at once (lessons.css): a placeholder height there
    # moved the text under the reader's eyes and delayed the largest paint.
    shifts = look(site_page, size, "light")["shifts"]
    total = sum(shift["value"] for shift in shifts)
    # Under 0.001, what Lighthouse prints as 0: once, on a loaded machine, a list in the
    # sidebar moved by 0.0002. A placeholder in the first screen moved the page by 0.02-0.2.
    assert total < 0.001, f"{site_page} at {size}: layout shift {total:.4f}: {shifts}"


@pytest.mark.parametrize("palette", PALETTES)
def test_no_page_scrolls_sideways_on_a_phone(look, site_page, palette):
    seen = look(site_page, "phone", palette)["sideways"]  # read to the end, folded blocks open
    assert seen["scroll"] <= seen["width"] and not seen["over"], seen


SMALLEST_FIGURE_TEXT_PX = 9  # the floor for any text in a figure, as the reader's screen shows it


def _figures_in_source(site_page: str) -> int:
    """How many figures the page's Markdown shows in one palette (0 for a page with no source,
    such as a notebook's or the 404 page)."""
    source = ROOT / "docs" / ((site_page.rstrip("/") or "index") + ".md")
    if not source.is_file():
        return 0
    return len(re.findall(r"\]\(figures/[^)#]+\.svg#only-light\)", source.read_text(
        encoding="utf-8")))


@pytest.mark.parametrize("palette", PALETTES)
def test_figure_text_is_readable_on_a_phone(look, site_page, palette):
    """Every text of every figure a page shows, in the variant the phone's browser picks, is
    drawn at least SMALLEST_FIGURE_TEXT_PX CSS px high at 390 x 844 (read to the end: folded
    blocks opened, lazily loaded figures loaded)."""
    figures = look(site_page, "phone", palette)["figures"]
    assert len(figures) == _figures_in_source(site_page), [figure["figure"] for figure in figures]
    small = [f"{figure['figure']} at {figure['width']} px wide: {text['text']!r} at "
             f"{text['px']:.1f} px" for figure in figures for text in figure["texts"]
             if text["px"] < SMALLEST_FIGURE_TEXT_PX]
    assert not small, f"{len(small)} texts under {SMALLEST_FIGURE_TEXT_PX} px:\n" + \
        "\n".join(small)


_NO_CUE = (".md-typeset__scrollwrap { mask-image: none !important; "
           "-webkit-mask-image: none !important; }")


def _shot(page, box, clip=None, cue=True):
    """A screenshot of `box` (or of `clip`, a region of the screen), with the site's scroll
    cue as it is, or taken away."""
    plain = None if cue else page.add_style_tag(content=_NO_CUE)
    try:
        # Transitions finished at once: the header's shadow fades in as the page scrolls.
        return (page.screenshot(clip=clip, animations="disabled") if clip
                else box.screenshot(animations="disabled"))
    finally:
        if plain:
            plain.evaluate("style => style.remove()")


def _table_cues(page) -> tuple[int, list[str]]:
    """At 390 px, each table of the loaded `page` that does not fit scrolls in its own box,
    and its cut edge looks different from a plain one (a fade: the reader sees there is more);
    scrolled to its end, its right half reads plainly; a table that fits shows no cue. Returns
    how many tables were cut off, and what was wrong."""
    url = page.url
    boxes = page.locator("article .md-typeset__scrollwrap")
    cut, problems = 0, []
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(100)  # laid out, and marked by lessons.js
        where = f"{url} table {index + 1}"
        if not box.evaluate("e => e.scrollWidth > e.clientWidth + 1"):
            if _shot(page, box) != _shot(page, box, cue=False):
                problems.append(f"{where} fits the screen but shows a scroll cue")
            continue
        cut += 1
        if _shot(page, box) == _shot(page, box, cue=False):
            problems.append(f"{where} is cut off at the screen's edge with no cue that it "
                            "scrolls")
        box.evaluate("e => e.scrollTo(e.scrollWidth, 0)")
        page.wait_for_timeout(100)
        edge = box.bounding_box()
        right = {"x": edge["x"] + edge["width"] / 2, "y": edge["y"],  # its right half
                 "width": edge["width"] / 2, "height": edge["height"]}
        if _shot(page, box, right) != _shot(page, box, right, cue=False):
            problems.append(f"{where}, scrolled to its end, still fades its right edge")
    return cut, problems


def test_a_table_wider_than_a_phone_shows_that_it_scrolls(look, site_page):
    _, problems = look(site_page, "phone", "light")["table cues"]
    assert not problems, "\n".join(problems)


# A table no phone's column holds: four columns of words that do not break.
WIDE_TABLE = "<table><thead><tr>{}</tr></thead><tbody><tr>{}</tr></tbody></table>".format(
    "".join(f"<th>column {n}</th>" for n in range(1, 5)),
    "".join(f"<td><code>diagnostics_reconstruction_{n}</code></td>" for n in range(1, 5)))


def test_a_planted_wide_table_shows_that_it_scrolls(browser, built_site, tmp_path):
    """The check above on a table that is sure to be cut off at 390 px (the lessons' own
    tables may all fit): planted at the top of a lesson in a copy of the site, and checked on a
    load as the lessons' are (`_look`: read to the end, folded blocks open)."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    lesson = site / "vae-basics" / "index.html"
    text = lesson.read_text(encoding="utf-8")
    title = text.index("</h1>") + len("</h1>")
    lesson.write_text(text[:title] + WIDE_TABLE + text[title:], encoding="utf-8")
    url, server = serve(site)
    try:
        cut, problems = _look(browser, url + LESSON, "phone", "light")["table cues"]
    finally:
        server.shutdown()
    assert cut >= 1, "the planted table fits a phone's column: plant a wider one"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSON_PAGES)
def test_folded_blocks_read_without_javascript(browser, site_url, built_site, lesson):
    """No lesson text waits in a <template>: with JavaScript off, every folded block's text is in
    the document (and so find-in-page reaches it)."""
    html = (built_site / lesson / "index.html").read_text(encoding="utf-8")
    assert "<template" not in html.split("<article", 1)[1].split("</article>", 1)[0]
    context = _screen(browser, "desktop", javascript=False)
    try:
        page = context.new_page()
        page.goto(site_url + lesson, wait_until="load")
        folded = page.evaluate("""() => [...document.querySelectorAll('article details')]
          .map(d => [d.querySelector('summary').textContent,
                     d.textContent.length - d.querySelector('summary').textContent.length])""")
        assert folded and not [title for title, length in folded if length < 20], folded
    finally:
        context.close()


# -- planted regressions: the checks above catch them -------------------------------------------


PLANTS = {
    "a figure that does not load": ('<img src="figures/missing.svg" alt="a missing figure">',
                                    "image not loaded: figures/missing.svg"),
    "a request to an outside host": ('<script src="https://cdn.example.com/x.js"></script>',
                                     "request to another host: https://cdn.example.com/x.js"),
    "an image without alt text": ('<img src="../figures/training-curves.svg">',
                                  "image without alt text: ../figures/training-curves.svg"),
}


_PALETTE_STATE = """() => ({
  scheme: document.body.getAttribute('data-md-color-scheme'),
  colorScheme: document.querySelector("meta[name='color-scheme']").content,
  shown: [...document.querySelectorAll("form[data-lessons-palette] label")]
    .filter(label => !label.hidden).map(label => label.title),
  bar: (document.querySelector("meta[name='theme-color']") || {}).content,
  header: getComputedStyle(document.querySelector('header.md-header')).backgroundColor,
  switching: document.body.hasAttribute('data-md-color-switching'),
  stored: localStorage.getItem(__md_scope.pathname + '.__palette'),
})"""
# Every change of <body>'s scheme with its time, and the first paint's time.
# An init script runs before <html> exists: observe the document itself.
_SCHEME_CHANGES = """
window.schemeChanges = [];
new MutationObserver(records => records.filter(record => record.target === document.body)
    .forEach(record => window.schemeChanges.push(
        [record.target.getAttribute('data-md-color-scheme'), performance.now()]))
).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-md-color-scheme']});
"""
_FIRST_PAINT = "performance.getEntriesByType('paint').map(e => e.startTime)[0]"


def _painted_in(page, scheme):
    """The page was first painted in `scheme`: the body's scheme was last set to it before the
    first paint and never changed after it. (A change is recorded even when it sets the value
    the body already has: Material's script and the chooser in the header always set it.)"""
    first_paint = page.evaluate(_FIRST_PAINT)
    changes = page.evaluate("window.schemeChanges")
    assert first_paint is not None, "the page has no paint entry"
    assert changes and changes[-1][0] == scheme, changes
    assert all(when < first_paint for _, when in changes), \
        f"first painted at {first_paint:.0f} ms, before the scheme was set: {changes}"


def _expect(page, scheme, title):
    state = page.evaluate(_PALETTE_STATE)
    assert state["scheme"] == scheme and not state["switching"]
    assert state["colorScheme"] == ("dark" if scheme == "slate" else "light")
    assert state["shown"] == [title]
    return state


@pytest.mark.parametrize("palette", PALETTES)
def test_the_palette_toggle_switches_and_remembers(browser, site_url, palette):
    """lessonkit/site/palette.py unplugs Material's palette code: the toggle must do all it did.
    The system's palette is set before the first paint; the button switches to the other one by
    mouse and by keyboard, stores the choice in Material's format, and the choice holds on the
    next page (drawn in it from the first paint) and over the system's; with nothing stored,
    the page follows the system."""
    to_dark, to_light = "Switch to the dark palette", "Switch to the light palette"
    mine, other = ("slate", "default") if palette == "dark" else ("default", "slate")
    context = _screen(browser, "phone", palette)
    try:
        page = context.new_page()
        page.add_init_script(_SCHEME_CHANGES)
        page.goto(site_url + LESSON, wait_until="networkidle")
        state = _expect(page, mine, to_light if palette == "dark" else to_dark)
        _painted_in(page, mine)
        assert state["stored"] is None and state["bar"] == state["header"]

        page.evaluate("document.querySelector(\"meta[name='theme-color']\").content = 'stale'")
        page.click("form[data-lessons-palette] label:not([hidden])")
        page.wait_for_timeout(200)
        state = _expect(page, other, to_dark if palette == "dark" else to_light)
        assert state["bar"] == state["header"]  # rewritten after the switch
        index = 1 if other == "slate" else 0
        media = f"(prefers-color-scheme: {'dark' if other == 'slate' else 'light'})"
        assert json.loads(state["stored"]) == {"index": index, "color": {
            "media": media, "scheme": other, "primary": "indigo", "accent": "indigo"}}

        page.goto(site_url, wait_until="networkidle")  # another page: the choice holds,
        _expect(page, other, to_dark if palette == "dark" else to_light)
        _painted_in(page, other)  # drawn in it from the first paint, against the system's
        page.emulate_media(color_scheme=palette)  # and the system's setting does not undo it
        page.emulate_media(color_scheme="light" if palette == "dark" else "dark")
        page.wait_for_timeout(200)
        _expect(page, other, to_dark if palette == "dark" else to_light)

        page.focus("form[data-lessons-palette] input:checked")
        page.keyboard.press("Enter")  # back, with the keyboard
        page.wait_for_timeout(200)
        _expect(page, mine, to_light if palette == "dark" else to_dark)
        page.reload(wait_until="networkidle")
        _expect(page, mine, to_light if palette == "dark" else to_dark)
        _painted_in(page, mine)  # the stored choice, drawn first, over the system's

        page.evaluate("localStorage.clear()")  # nothing stored: the page follows the system,
        page.reload(wait_until="networkidle")
        _expect(page, other, to_dark if palette == "dark" else to_light)
        _painted_in(page, other)  # from the first paint
        page.emulate_media(color_scheme=palette)  # and when it changes
        page.wait_for_timeout(200)
        _expect(page, mine, to_light if palette == "dark" else to_dark)
        assert page.evaluate("localStorage.length") == 0
    finally:
        context.close()


# Stored palettes that are no choice: what Material's __md_get cannot parse (it throws), and
# JSON that holds no palette. The last one stays stored while the system's setting changes.
NO_CHOICE = ["", "null", "[]", '"slate"', '{"index": 1}', "{not json"]


@pytest.mark.parametrize("palette", PALETTES)
def test_a_corrupt_stored_palette_falls_back_to_the_systems(browser, site_url, palette):
    """Material reads localStorage with JSON.parse, unguarded: a corrupt `__palette` threw in the
    header's scripts, before <meta name="color-scheme"> was written, and the page kept Material's
    first palette whatever the system's. Each value here must paint the page in the system's
    palette from the first paint, with no page error; the system's changes are followed, and a
    switch stores a real choice over it."""
    to_dark, to_light = "Switch to the dark palette", "Switch to the light palette"
    mine, other = ("slate", "default") if palette == "dark" else ("default", "slate")
    context = _screen(browser, "phone", palette)
    errors = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.add_init_script(_SCHEME_CHANGES)
        page.goto(site_url + LESSON, wait_until="networkidle")
        for value in NO_CHOICE:
            page.evaluate("value => localStorage.setItem(__md_scope.pathname + '.__palette', "
                          "value)", value)
            page.reload(wait_until="networkidle")
            assert not errors, (value, errors)
            state = _expect(page, mine, to_light if palette == "dark" else to_dark)
            _painted_in(page, mine)
            assert state["stored"] == value  # left as it was: no choice was made
        page.emulate_media(color_scheme="light" if palette == "dark" else "dark")
        page.wait_for_timeout(200)
        _expect(page, other, to_dark if palette == "dark" else to_light)
        page.click("form[data-lessons-palette] label:not([hidden])")  # back, and stored
        page.wait_for_timeout(200)
        state = _expect(page, mine, to_light if palette == "dark" else to_dark)
        assert json.loads(state["stored"])["color"]["scheme"] == mine
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_a_planted_regression_is_caught(browser, built_site, tmp_path, plant):
    html, problem = PLANTS[plant]
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    lesson = site / "vae-basics" / "index.html"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace(
        "<article", html + "<article", 1), encoding="utf-8")
    url, server = serve(site)
    try:
        seen = _look(browser, url + LESSON, "desktop", "light", reading=False)
        assert problem in seen["visit"].problems
    finally:
        server.shutdown()


def test_checks_on_one_load_each_catch_their_planted_fault(browser, built_site, tmp_path):
    """A heading that skips levels, a box wider than a phone and an element that appears late,
    planted under a lesson's title: the load-time and after-reading checks of one phone load
    each find theirs."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    lesson = site / "vae-basics" / "index.html"
    text = lesson.read_text(encoding="utf-8")
    title = text.index("</h1>") + len("</h1>")
    late = ("<div id='late'></div><script>setTimeout(() => document.getElementById('late')"
            ".style.height = '300px', 100)</script>")
    lesson.write_text(text[:title] + "<h4>jump</h4><div class='planted' style='width: 2000px'>"
                      "wide</div>" + late + text[title:], encoding="utf-8")
    url, server = serve(site)
    try:
        seen = _look(browser, url + LESSON, "phone", "light")
    finally:
        server.shutdown()
    assert seen["headings"] == ["h1 then h4"]
    assert "div.planted" in seen["sideways"]["over"]
    assert sum(shift["value"] for shift in seen["shifts"]) >= 0.001


def test_a_broken_copy_of_the_lab_is_caught(reader, built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    lesson = site / "vae-basics" / "index.html"
    text = lesson.read_text(encoding="utf-8")
    lab = text.index('<span class="filename">tiny_vae_2d.py</span>')
    name = text.index(">make_data</span>", lab)  # the lab's data function, renamed in the page
    lesson.write_text(text[:name] + ">make_dat</span>" + text[name + len(">make_data</span>"):],
                      encoding="utf-8")
    url, server = serve(site)
    try:
        page = reader()
        page.goto(url + LESSON, wait_until="networkidle")
        copied = _copy(page, _block(page, "tiny_vae_2d.py"))
        assert copied.rstrip("\n") != without_markers(LAB.read_text(encoding="utf-8")).rstrip("\n")
    finally:
        server.shutdown()


def test_the_compressing_server_compresses_what_github_pages_does(tmp_path):
    """`make lighthouse` judges the site as GitHub Pages serves it: HTML, CSS, JavaScript, SVG
    and JSON (the search index) gzip-compressed, images as they are, nothing when not asked."""
    import gzip
    import urllib.request

    files = {"index.html": b"<p>lesson</p>" * 50, "a.css": b"p{}" * 50, "a.js": b"1;" * 50,
             "a.svg": b"<svg/>" * 50, "search/search_index.json": b'{"docs":[]}' * 50,
             "a.png": b"\x89PNG" * 50}
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(body)
    url, server = serve(tmp_path, compress=True)
    try:
        for name, body in files.items():
            for accepts in ("gzip, deflate", ""):
                request = urllib.request.Request(url + name, headers={"Accept-Encoding": accepts})
                with urllib.request.urlopen(request) as response:
                    sent, encoding = response.read(), response.headers.get("Content-Encoding")
                compressed = bool(accepts) and name != "a.png"
                assert encoding == ("gzip" if compressed else None), (name, accepts)
                assert (gzip.decompress(sent) if compressed else sent) == body, name
        with urllib.request.urlopen(url) as response:  # a folder's URL serves its index.html
            assert response.read() == files["index.html"]
    finally:
        server.shutdown()


class _StallOnce(http.server.SimpleHTTPRequestHandler):
    """Serves a built site; `page` comes in two parts, a pause after its first `cut` bytes, as a
    slow network (or a busy machine) delivers it."""
    page, html, cut, seconds = "", b"", 0, 0.0

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path != self.page:
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(self.html[:self.cut])
        self.wfile.flush()
        time.sleep(self.seconds)
        self.wfile.write(self.html[self.cut:])

    def log_message(self, *args):
        pass


def _first_scheme_painted(browser, built_site, html: bytes, cut: int) -> None:
    handler = type("Stall", (_StallOnce,), {
        "page": "/" + LESSON, "html": html, "cut": cut, "seconds": 1.5})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(built_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = _screen(browser, "desktop", "dark")
    try:
        page = context.new_page()
        page.add_init_script(_SCHEME_CHANGES)
        page.goto(f"http://127.0.0.1:{server.server_port}/{LESSON}", wait_until="load")
        _painted_in(page, "slate")
    finally:
        context.close()
        server.shutdown()


def test_nothing_is_painted_before_the_palette_is_chosen(browser, built_site):
    """Chromium paints what it has parsed of <body> when the rest is slow to come. The page
    waits until the palette chooser has run (lessonkit.site.palette.EXPECT): a reader whose
    system is dark never sees the light palette first, even when the page arrives in two parts,
    the pause before the chooser or inside its script."""
    html = (built_site / LESSON / "index.html").read_bytes()
    for cut in _before_and_inside_the_chooser(html):
        _first_scheme_painted(browser, built_site, html, cut)
    # Without the <head>'s link, a pause before the chooser shows the light palette first.
    without = html.replace(EXPECT.encode(), b"", 1)
    with pytest.raises(AssertionError, match="before the scheme was set"):
        _first_scheme_painted(browser, built_site, without,
                              _before_and_inside_the_chooser(without)[0])
    # A link that expects the chooser itself is not enough: Chromium renders once the script's
    # start tag is parsed, and a pause inside its text shows the light palette first.
    itself = html.replace(EXPECT.encode(), EXPECT.replace("-chosen", "").encode(), 1)
    with pytest.raises(AssertionError, match="before the scheme was set"):
        _first_scheme_painted(browser, built_site, itself,
                              _before_and_inside_the_chooser(itself)[1])


def _before_and_inside_the_chooser(html: bytes) -> tuple[int, int]:
    """Where the palette chooser's script starts in `html`, and a point inside its text."""
    start = html.index(b'<script id="lessons-palette">')
    return start, start + len(b'<script id="lessons-palette">function')
