"""The runner (lessonkit.engine.runner) on tiny scripts without torch, each a few hundredths of a
second: the reader's terminal, the output up to the process's end, exit statuses as a shell reports
them, time limits, REPL fences, a page's blocks. Direct calls, so that `make mutations`
(benchmarks/mutations.py) can run them against every mutant of the module; time limits are short,
so that a broken runner fails fast instead of hanging."""

import os
import signal
import sys
import time
from pathlib import Path

from lessonkit.engine import runner
from lessonkit.engine.pages import Kind

PYTHON = runner.Interpreter((sys.executable,))  # the venv's python, as the doc tests run it
LIMIT = 20  # seconds: far above what these tiny commands take, far below the runner's default
# A command stopped at its time limit ends by the terminal's hangup or the kill that follows it.
STOPPED = (128 + signal.SIGHUP, 128 + signal.SIGKILL)


def script(folder: Path, code: str, name: str = "lab.py") -> list:
    (folder / name).write_text(code, encoding="utf-8")
    return [name]


# -- runner: the reader's terminal -----------------------------------------------------------

def test_the_environment_is_a_readers_terminal_plus_the_interpreters_settings(monkeypatch):
    for name in ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", "/home/reader")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")  # this machine's, not the reader's
    venv = runner.Interpreter(("/opt/venv/bin/python",), {"OMP_WAIT_POLICY": "PASSIVE"})
    assert runner.terminal_env(venv) == {
        "HOME": "/home/reader", "LANG": "C.UTF-8", "TERM": "xterm-256color",
        "PATH": "/opt/venv/bin:/usr/bin:/bin", "OMP_WAIT_POLICY": "PASSIVE"}
    # A reader's own locale stays; `python` found on the PATH adds nothing to it.
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.delenv("PATH")
    assert runner.terminal_env(runner.Interpreter()) == {
        "HOME": "/home/reader", "LANG": "de_DE.UTF-8", "TERM": "xterm-256color",
        "PATH": os.defpath}


def test_interpreters_with_the_same_settings_are_one_key():
    first = runner.Interpreter(("python",), {"A": "1", "B": "2"})
    second = runner.Interpreter(("python",), {"B": "2", "A": "1"})
    assert first == second and {first: "seen"}[second] == "seen"


def test_a_command_runs_on_an_80_by_24_terminal_that_is_its_own(tmp_path):
    argv = script(tmp_path, """\
import fcntl, os, struct, sys, termios
print(*os.get_terminal_size(), sys.stdin.isatty(), sys.stdout.isatty(), sys.stderr.isatty())
print(struct.unpack("HHHH", fcntl.ioctl(1, termios.TIOCGWINSZ, bytes(8))))
print(os.getcwd() == sys.argv[1], os.environ["TERM"], "PYTEST_CURRENT_TEST" in os.environ)
with open("/dev/tty", "w") as tty:  # its controlling terminal, as a getpass prompt uses
    tty.write("On the terminal\\n")
sys.stderr.write("And on stderr\\n")
""")
    done = runner.run([*argv, str(tmp_path)], tmp_path, PYTHON, timeout=LIMIT)
    assert done.output == ("80 24 True True True\n(24, 80, 0, 0)\nTrue xterm-256color False\n"
                           "On the terminal\nAnd on stderr\n")
    assert (done.status, done.ending) == (0, runner.Ending.EXITED)
    assert 0 < done.seconds < LIMIT


def test_the_output_is_what_the_terminal_showed_until_the_process_ended(tmp_path):
    argv = script(tmp_path, """\
import atexit, os, sys, time
atexit.register(print, "at exit")
print("\\x1b[31mred\\x1b[0m")
os.write(1, b"\\xff bytes that are not UTF-8\\n")
time.sleep(0.4)  # nothing to read for a while: the runner waits for the process
print("later")
sys.exit(3)
""")
    done = runner.run(argv, tmp_path, PYTHON, timeout=LIMIT)
    assert done.output == "red\n\ufffd bytes that are not UTF-8\nlater\nat exit\n"
    assert (done.status, done.ending) == (3, runner.Ending.EXITED)


def test_a_command_killed_by_a_signal_exits_as_a_shell_reports_it(tmp_path):
    argv = script(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    assert runner.run(argv, tmp_path, PYTHON, timeout=LIMIT).status == 128 + signal.SIGTERM


def test_a_command_that_leaves_a_process_behind_ends_when_it_exits(tmp_path):
    # What it left ignores the terminal's hangup and holds the terminal open: the command has
    # ended all the same, and what it left is stopped, not waited for.
    argv = script(tmp_path, """\
import signal, subprocess, sys
signal.signal(signal.SIGHUP, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
open("child.pid", "w").write(str(child.pid))
print("started")
""")
    done = runner.run(argv, tmp_path, PYTHON, timeout=LIMIT)
    assert (done.output, done.status, done.ending) == ("started\n", 0, runner.Ending.EXITED)
    assert done.seconds < 10
    assert stopped(int((tmp_path / "child.pid").read_text()))


def stopped(pid: int) -> bool:
    """The process `pid` has ended (an unreaped zombie counts as ended), within 5 s."""
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state in "ZX":
            return True
        time.sleep(0.1)
    return False


def test_a_command_waiting_for_typed_input_is_stopped_at_its_time_limit(tmp_path):
    argv = script(tmp_path, """\
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
open("child.pid", "w").write(str(child.pid))
print("Your name?", flush=True)
input()
""")
    done = runner.run(argv, tmp_path, PYTHON, timeout=1.5)
    assert done.output == "Your name?\n" and done.status in STOPPED
    assert done.ending is runner.Ending.TIMED_OUT and 1.5 <= done.seconds < 2.5
    assert stopped(int((tmp_path / "child.pid").read_text()))


def test_an_emulated_cpu_multiplies_the_time_limit(tmp_path):
    # 1.6 s of work within a limit of 1.2 s, on a CPU said to be 2.5 times slower: 3 s.
    argv = script(tmp_path, "import time\ntime.sleep(1.6)\nprint('done')\n")
    slow = runner.Interpreter((sys.executable,), slowdown=2.5)
    done = runner.run(argv, tmp_path, slow, timeout=1.2)
    assert (done.output, done.ending) == ("done\n", runner.Ending.EXITED)


# -- runner: plain Python fences pasted into a REPL -------------------------------------------

def test_a_fence_shows_what_the_repl_shows_beyond_its_prompts(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 6\n", encoding="utf-8")
    done = runner.run_fence("from helper import VALUE\nX = VALUE * 7\nX\n", tmp_path,
                            PYTHON, timeout=LIMIT)
    assert (done.output, done.status) == ("42\n", 0)  # a bare expression's value is shown
    silent = runner.run_fence("if True:\n    x = 1\n\n\nassert x == 1\n", tmp_path, PYTHON,
                              timeout=LIMIT)
    assert (silent.output, silent.status) == ("", 0)
    assert 0 < silent.seconds < LIMIT
    # What it shows is kept as shown, to the last character of its last line.
    for printed in ("Spaced  ", "TAX"):
        shown = runner.run_fence(f"print({printed!r})\n", tmp_path, PYTHON, timeout=LIMIT)
        assert shown.output == printed + "\n"


def test_a_fence_that_raises_shows_its_traceback(tmp_path):
    done = runner.run_fence("assert 1 == 2, 'no'\n", tmp_path, PYTHON, timeout=LIMIT)
    assert done.output == ('Traceback (most recent call last):\n  File "<stdin>", line 1, in '
                           "<module>\nAssertionError: no\n")


# -- runner: a page's blocks ------------------------------------------------------------------

def test_a_command_block_runs_each_command_in_the_pages_folder(tmp_path):
    block = {"kind": Kind.SHELL, "commands": [["lab.py", "1"], ["lab.py", "2"]], "timeout": None,
             "files": {"lab.py": "import sys, time\ntime.sleep(0.4)\nprint('run', sys.argv[1])\n"
                                 "sys.exit(int(sys.argv[1]) - 1)\n"}}
    saved = {}
    done = runner.run_block(block, tmp_path, saved, PYTHON)
    assert (done.output, done.exit_codes, done.commands, done.timed_out) == (
        "run 1\nrun 2\n", [0, 1], ["python lab.py 1", "python lab.py 2"], [])
    assert 0.8 <= done.seconds < LIMIT  # both commands' time
    assert saved == block["files"]


def test_a_block_stops_at_the_command_that_outlives_its_time_limit(tmp_path):
    block = {"kind": Kind.SHELL, "commands": [["slow.py"], ["slow.py"]], "timeout": 0.5,
             "files": {"slow.py": "import time\nprint('slow')\ntime.sleep(4)\n"}}
    done = runner.run_block(block, tmp_path, {}, PYTHON)
    assert (done.output, done.timed_out) == ("slow\n", ["python slow.py"])
    assert len(done.exit_codes) == 1 and done.exit_codes[0] in STOPPED


def test_a_fence_block_continues_the_fences_before_it(tmp_path):
    fence = {"kind": Kind.PYTHON, "code": "assert y == 2\n", "files": {"lab.py": "y = 1\n"},
             "timeout": None}
    done = runner.run_block(fence, tmp_path, {}, PYTHON, chain="y = 2\n")
    assert (done.output, done.exit_codes, done.commands, done.timed_out) == (
        "", [0], ["the Python fence pasted into a REPL"], [])
    assert 0 < done.seconds < LIMIT
    alone = runner.run_block({**fence, "code": "from lab import y\nassert y == 1\n"}, tmp_path,
                             {}, PYTHON)
    assert (alone.output, alone.exit_codes) == ("", [0])
    slow = runner.run_block({**fence, "code": "import time\ntime.sleep(4)\n", "timeout": 0.5},
                            tmp_path, {}, PYTHON)
    assert slow.timed_out == ["the Python fence"]
