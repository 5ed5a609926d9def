import doctest
import subprocess
import sys

import tierwise
import tierwise._core


def test_stubs_match_the_extension():
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "tierwise._core"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_docstring_examples_run():
    for mod in (tierwise, tierwise._core):
        failed, attempted = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert failed == 0
    r = doctest.run_docstring_examples  # the class docstrings of the extension
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    n = 0
    for obj in (tierwise.KnowledgeGraph,):
        for test in finder.find(obj, globs={"tw": tierwise}):
            n += len(test.examples)
            runner.run(test)
    assert n > 0 and runner.failures == 0
    del r
