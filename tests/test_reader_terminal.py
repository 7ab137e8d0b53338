"""A command runs as a reader's terminal runs it: each kind of process state that an in-process
runner had to imitate, on a page whose Expected output is what a real terminal shows.

Each case failed on the in-process runner (commit 4c06948, `lessonkit.engine.execute`): the
page was judged otherwise than a reader's terminal judges it, or (os._exit) the whole pytest run
ended with status 0. Each case is also checked the other way: the page claiming what the
in-process runner printed fails.
"""

import pytest

from tests import test_engine
from tests.test_wrong_pages import command, fenced, output

pytest_plugins = ["pytester"]
lessons = test_engine.lessons  # the fixture: write a page and run the doc tests on it

# name -> (the page's files and commands, what a terminal shows, what the in-process runner
# showed instead)
CASES = {
    "__main__ is the script (pickling a class it defines)": (
        fenced("point.py", "import pickle\n\n\nclass Point:\n    pass\n\n\n"
                           "print(len(pickle.dumps(Point())) > 0)\n")
        + command("python point.py"), "True\n", "False\n"),
    "a file named like a module the test process had imported": (
        fenced("textwrap.py", 'VALUE = "the page\'s own"\n')
        + fenced("main.py", "import textwrap\n\nprint(getattr(textwrap, 'VALUE', 'stdlib'))\n")
        + command("python main.py"), "the page's own\n", "stdlib\n"),
    "logging's handlers (pytest's are on the root logger)": (
        fenced("log.py", 'import logging\n\nlogging.warning("careful")\nprint("done")\n')
        + command("python log.py"), "WARNING:root:careful\ndone\n", "done\n"),
    "atexit handlers run when the process ends": (
        fenced("bye.py", 'import atexit\n\natexit.register(print, "bye")\nprint("done")\n')
        + command("python bye.py"), "done\nbye\n", "done\n"),
    "a thread that prints after the script's last line": (
        fenced("late.py", "import threading\nimport time\n\nthreading.Thread(target=lambda: "
                          '(time.sleep(0.3), print("late"))).start()\nprint("early")\n')
        + command("python late.py"), "early\nlate\n", "early\n"),
    "a file left open is flushed when the process ends": (
        fenced("write.py", 'log = open("log.txt", "w")\nlog.write("written")\n')
        + fenced("read.py", 'print(repr(open("log.txt").read()))\n')
        + command("python write.py", "python read.py"), "'written'\n", "''\n"),
    "stdout is a terminal": (
        fenced("tty.py", "import sys\n\nprint(sys.stdout.isatty(), sys.stdin.isatty())\n")
        + command("python tty.py"), "True True\n", "False False\n"),
    "stdout is line-buffered on a terminal: a partial line waits for its newline": (
        fenced("mix.py", 'import sys\n\nsys.stdout.write("partial")\nsys.stderr.write("E\\n")\n'
                         "print()\n")
        + command("python mix.py"), "E\npartial\n", "partialE\n\n"),
    "the terminal's size": (
        fenced("size.py", "import os\n\nprint(os.get_terminal_size())\n")
        + command("python size.py"), "os.terminal_size(columns=80, lines=24)\n",
        "os.terminal_size(columns=80, lines=24)\n".replace("80", "100")),
}


@pytest.mark.parametrize("case", CASES)
def test_a_command_runs_as_a_readers_terminal_runs_it(lessons, case):
    page, terminal, in_process = CASES[case]
    lessons(page + output(terminal)).assert_outcomes(passed=1)
    lessons(page + output(in_process)).assert_outcomes(failed=1)


def test_an_exit_status_is_the_one_a_shell_reports(lessons):
    page = fenced("stop.py", "import sys\n\nsys.exit(int(sys.argv[1]))\n")
    lessons(page + command("python stop.py 256")).assert_outcomes(passed=1)  # 256 & 255 == 0
    lessons(page + command("python stop.py -1", attrs=' exit="255"')).assert_outcomes(passed=1)
    lessons(page + command("python stop.py 3", attrs=' exit="3"')).assert_outcomes(passed=1)


def test_a_command_that_ends_its_process_abruptly_ends_only_itself(lessons):
    page = (fenced("abrupt.py", 'import os\n\nprint("x", flush=True)\nos._exit(0)\n')
            + command("python abrupt.py") + output("x\n")
            + fenced("after.py", 'print("still here")\n') + command("python after.py"))
    result = lessons(page + output("still here\n"))
    result.assert_outcomes(passed=2)
    lessons(page + output("not here\n")).assert_outcomes(passed=1, failed=1)


def test_a_command_waiting_for_typed_input_is_stopped_at_its_time_limit(lessons, pytester):
    page = (fenced("ask.py", 'import time\n\nopen("started.txt", "w").close()\n'
                             'name = input("name? ")\n')
            + command("python ask.py", attrs=' timeout="3"'))
    result = lessons(page)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:8: `python ask.py` was still running at its time limit*"])


def test_a_time_limit_that_is_not_a_number_of_seconds_is_an_error(lessons):
    page = fenced("ok.py", "print(1)\n") + command("python ok.py", attrs=' timeout="soon"')
    result = lessons(page + output("1\n"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['page.md:5: timeout="soon": the time limit must be a number*'])


@pytest.mark.parametrize("syntax", ["~/lab.py", "{a,b}", "[ab].py", "!!"])
def test_every_construct_bash_would_expand_is_refused_and_named(lessons, syntax):
    page = fenced("ok.py", "print(1)\n") + command(f"python ok.py {syntax}") + output("1\n")
    result = lessons(page)
    result.stdout.fnmatch_lines([f"page.md:5: line 6: `{syntax[0]}` in *is shell syntax*"])
