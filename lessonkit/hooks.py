"""MkDocs hooks: everything the build adds to the Markdown pages, in one place.

- The snippet files are published under `downloads/`, so a reader can fetch the exact file the page
  shows (and the doc tests ran).
- TeX from pymdownx.arithmatex becomes MathML at build time: browsers render it natively, with no
  script and no request to another host. A formula that cannot be converted fails the build.
"""

import html
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from lessonkit.includes import snippet_dirs

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])"
    r"</(?P=tag)>",
    re.DOTALL,
)


def on_files(files, config):
    for folder in snippet_dirs():
        for path in sorted(folder.glob("*.py")):
            files.append(File.generated(config, f"downloads/{path.name}", abs_src_path=str(path)))
    return files


def on_page_content(content, page, config, files):
    def to_mathml(match):
        tex = html.unescape(match["inline"] if match["inline"] is not None else match["block"])
        display = "inline" if match["inline"] is not None else "block"
        try:
            return convert(tex.strip(), display=display)
        except Exception as error:
            raise PluginError(
                f"{page.file.src_uri}: cannot render the formula {tex!r}: {error}"
            ) from error

    return _MATH.sub(to_mathml, content)
