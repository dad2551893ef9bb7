"""The fault suite: broken servers, broken files, killed and concurrent writers (issue 11).

Each test module is one category (``test_<category>_faults.py``); at the end of the run the terminal summary
prints how many cases of each category were tried and how many passed.
"""
from __future__ import annotations

import collections
import re

_tried: collections.Counter = collections.Counter()
_passed: collections.Counter = collections.Counter()


def _category(nodeid: str) -> str:
    m = re.search(r"test_(\w+?)_faults\.py", nodeid)
    return m.group(1) if m else "other"


def pytest_runtest_logreport(report):
    if "tests/faults/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        cat = _category(report.nodeid)
        _tried[cat] += 1
        if report.passed:
            _passed[cat] += 1


def pytest_terminal_summary(terminalreporter):
    if not _tried:
        return
    tr = terminalreporter
    tr.section("fault suite: cases tried per category")
    width = max(len(c) for c in _tried)
    for cat in sorted(_tried):
        tr.write_line(f"  {cat:<{width}}  {_tried[cat]:4d} tried, {_passed[cat]:4d} passed")
    tr.write_line(f"  {'total':<{width}}  {sum(_tried.values()):4d} tried, {sum(_passed.values()):4d} passed")
