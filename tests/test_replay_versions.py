"""The kernel matrix and the platform runs run a page as a reader saves its files: a command
runs the version of a file shown above it, also when a later block replaces that file."""

import sys

from lessonkit.engine import runner
from lessonkit.platforms import matrix

PAGE = """\
```{.python title="shared.py"}
WORD = "first"
```

```{.python title="lab.py"}
from shared import WORD
print(WORD)
```

```bash
python lab.py
```

```{.text title="Expected output"}
first
```

```{.python title="shared.py" replaces="a second version, imported by lab.py"}
WORD = "second"
```

```bash
python lab.py
```

```{.text title="Expected output"}
second
```
"""


def test_each_command_runs_the_versions_in_effect_where_it_stands(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(PAGE, encoding="utf-8")
    data = matrix.bundle([tmp_path / "docs" / "page.md"], root=tmp_path)
    first, second = matrix.run_page(data["pages"][0], runner.Interpreter((sys.executable,)))
    assert (first["output"], second["output"]) == ("first\n", "second\n")
