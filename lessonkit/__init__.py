"""Code shared by the doc tests and the site build: how a lesson's blocks are read, run, checked.

- `includes`: expands `--8<--` includes with the site's own pymdownx.snippets settings.
- `pages`: finds every fenced block of a page and says what it is (code, file, command, output).
- `execute`: runs Python source in this process as `python FILE args` would, capturing output.
- `compare`: compares printed output with an Expected output block, exactly or within a tolerance.
- `hooks`: the MkDocs hooks (math, downloads, verification record).
"""
