"""Code shared by the doc tests and the site build: how a lesson's blocks are read, run, checked.

- `includes`: expands `--8<--` includes with the site's own pymdownx.snippets settings (mkdocs.yml
  read by MkDocs' load_config), reads section markers, says where the build cache lives.
- `pages`: finds every fenced block of a page and says what it is (code, file, command, output).
- `execute`: runs Python source in this process as `python FILE args` would, capturing output.
- `compare`: compares printed output with an Expected output block, exactly or within a tolerance.
- `pytest_plugin`: the doc tests (pytest11 entry point): pages and blocks as pytest items.
- `markdown_docs`, `fences`: pytest-markdown-docs runs the plain Python fences (pytest11 entry
  point with its documented hooks); what such a fence may be.
- `report`: the doc tests' record of a run, written by the plugin and read by the hooks.
- `sources`, `figures`, `notebooks`: the build's fingerprints, figures and notebooks.
- `reading_time`: a page's reading time and the home page's lesson table, from the pages.
- `hooks`: the MkDocs hooks (math, downloads, verification notice, placeholders).
"""
