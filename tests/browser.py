"""A reader's browser for the tests: Debian's Chromium driven by Playwright, the site on 127.0.0.1.

`visit()` loads a page and returns what a reader would notice going wrong: console errors,
failed requests, requests to other hosts, images that did not load or have no alt text, raw TeX.
"""

import functools
import gzip
import http.server
import io
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root and with no network: no sandbox, and none of Chromium's own background traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# What GitHub Pages compresses: text, scripts, SVG and JSON (the search index is JSON).
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg")


class _Gzip(_Quiet):
    """Text compressed with gzip when the browser accepts it, as GitHub Pages serves a site
    (http.server does not compress: a page would look several times heavier than it is)."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        kind = self.guess_type(str(path))
        if not ("gzip" in self.headers.get("Accept-Encoding", "") and path.is_file()
                and kind.startswith(COMPRESSED_TYPES)):
            return super().send_head()  # binary files, and the redirect of a folder's URL
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def serve(folder: Path, compress: bool = False):
    """Serve `folder` on 127.0.0.1 in a background thread (`compress`: gzip, as GitHub Pages
    does); returns (base URL, server)."""
    handler = functools.partial(_Gzip if compress else _Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


@dataclass
class Visit:
    url: str
    problems: list = field(default_factory=list)
    bytes_by_type: dict = field(default_factory=dict)
    images: list = field(default_factory=list)  # URLs of the images loaded

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes_by_type.values())


_PAGE_CHECKS = """() => {
  const problems = [];
  for (const img of document.querySelectorAll('img')) {
    const shown = img.offsetParent !== null;
    if (!img.getAttribute('alt') || !img.getAttribute('alt').trim())
      problems.push(`image without alt text: ${img.getAttribute('src')}`);
    if (shown && !(img.complete && img.naturalWidth > 0))
      problems.push(`image not loaded: ${img.getAttribute('src')}`);
  }
  const text = document.querySelector('article') ? document.querySelector('article').innerText : '';
  for (const tex of ['\\\\frac', '\\\\mathcal', '$$', '\\\\(', '\\\\[']) {
    if (text.includes(tex)) problems.push(`raw TeX visible: ${tex}`);
  }
  return problems;
}"""


def read_to_the_end(page):
    """Open every folded block and scroll down the page as a reader does, so that the lazily
    loaded figures of the palette in use load (those of the other palette stay unloaded)."""
    open_folded_blocks(page)
    # The height grows while scrolling: blocks off the screen count at a placeholder height
    # (content-visibility) until they are laid out.
    top = 0
    while top < page.evaluate("document.documentElement.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {top})")
        page.wait_for_timeout(20)
        top += 600
    page.wait_for_load_state("networkidle")


def visit(page, url: str, at_load=None) -> Visit:
    """Load `url` in `page` (a Playwright page) and collect the problems a reader would meet
    while reading it to the end; `at_load(page)` runs first, on the page as it loaded."""
    result = Visit(url)
    local = urlparse(url).netloc

    def on_request(route):
        if urlparse(route.request.url).netloc not in (local, ""):
            result.problems.append(f"request to another host: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    def on_response(response):
        kind = response.request.resource_type
        try:
            size = len(response.body())
        except Exception:  # a redirect or an aborted request has no body
            size = 0
        result.bytes_by_type[kind] = result.bytes_by_type.get(kind, 0) + size
        if kind == "image":
            result.images.append(response.url)

    page.route("**/*", on_request)
    page.on("console", lambda message: message.type == "error" and result.problems.append(
        f"console error: {message.text}"))
    page.on("pageerror", lambda error: result.problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: urlparse(request.url).netloc == local
            and result.problems.append(f"failed request: {request.url}"))
    page.on("response", on_response)
    response = page.goto(url, wait_until="networkidle")
    if response is None or not response.ok:
        result.problems.append(f"page did not load: {response.status if response else 'none'}")
    if at_load is not None:
        at_load(page)
    read_to_the_end(page)
    result.problems += page.evaluate(_PAGE_CHECKS)
    # What the caller does next (a check's own fetch) is not the reader's load; an error it
    # meets on the page (a console error, a failed request) is still the page's problem.
    page.unroute("**/*")
    page.remove_listener("response", on_response)
    return result


HEADINGS_IN_ORDER = """() => {
  const levels = [...document.querySelectorAll('article h1, article h2, article h3, article h4')]
    .filter(h => h.offsetParent !== null || h.closest('details'))
    .map(h => Number(h.tagName[1]));
  const jumps = [];
  for (let i = 1; i < levels.length; i++)
    if (levels[i] > levels[i - 1] + 1) jumps.push(`h${levels[i - 1]} then h${levels[i]}`);
  return jumps;
}"""

TABLES_WITHOUT_HEADERS = """() => [...document.querySelectorAll('article table')]
  .filter(t => !t.querySelector('thead th')).length"""


# What the reader's browser holds as elements (folded blocks' content included: it stays in the
# page, for find-in-page and for readers without JavaScript).
ELEMENT_COUNT = "document.querySelectorAll('*').length"

# The page's full height with every block laid out (content-visibility skips the off-screen
# ones and counts them at a placeholder height).
RENDERED_HEIGHT = """() => {
  const style = document.createElement('style');
  style.textContent = '.md-typeset > * { content-visibility: visible !important; }';
  document.head.append(style);
  const height = document.documentElement.scrollHeight;
  style.remove();
  return height;
}"""

# Code blocks whose lines are wider than the block: the reader would have to scroll sideways.
CODE_WIDER_THAN_ITS_BLOCK = """() => [...document.querySelectorAll('pre > code')]
  .filter(code => code.scrollWidth > code.clientWidth)
  .map(code => {
    const title = code.closest('.highlight')?.querySelector('.filename')?.textContent;
    return `${title || 'a code block'}: ${code.scrollWidth} px of lines in ${code.clientWidth} px`;
  })"""


def open_folded_blocks(page):
    """Open every folded block, as a reader clicking each one."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

# Every figure the reader sees (an SVG image shown in the article, the variant the browser chose
# for this screen and palette), and the size each of its texts is drawn at, in CSS px: the
# figure's file is drawn again inline at the image's rendered size, where each text's font size
# times the scale of its coordinate system is what the image shows.
FIGURE_TEXT_SIZES = """async () => {
  const found = [];
  const shown = [...document.querySelectorAll('article img')]
    .filter(img => img.offsetParent !== null && /\\.svg(#|$)/.test(img.currentSrc));
  for (const img of shown) {
    const box = img.getBoundingClientRect();
    const source = await (await fetch(img.currentSrc)).text();
    const parsed = new DOMParser().parseFromString(source, 'image/svg+xml').documentElement;
    const svg = document.importNode(parsed, true);
    svg.setAttribute('width', box.width);
    svg.setAttribute('height', box.height);
    const holder = document.createElement('div');
    holder.style.cssText = 'position: absolute; left: 0; top: 0; visibility: hidden';
    holder.append(svg);
    document.body.append(holder);
    // Each element that holds text of its own: a <text>, or a <tspan> in one (the exponent of
    // a log axis's label is a smaller tspan).
    const own = e => [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.data.trim());
    const texts = [...svg.querySelectorAll('text, tspan')].filter(own).map(t => {
      const m = t.getScreenCTM();
      return {text: t.closest('text').textContent.replace(/\\s+/g, ' ').trim(),
              px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)};
    });
    holder.remove();
    found.push({figure: new URL(img.currentSrc).pathname.split('/').pop(),
                width: Math.round(box.width), texts});
  }
  return found;
}"""
