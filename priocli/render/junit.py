"""``check --format junit``: one JUnit ``<testcase>`` per policy, a ``<failure>`` listing its violations.

CI systems (GitLab's ``artifacts:reports:junit``, Jenkins, GitHub test reporters) show each
policy as a test that passed or failed. Built with :mod:`xml.etree.ElementTree`, so names and
messages are escaped; characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from priocli.check import CheckResult

SUITE = "priocli check"
CLASSNAME = "priocli.check"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def render_junit(check: CheckResult) -> str:
    """The JUnit XML report of ``check``, ending with a newline."""
    tests = len(check.outcomes)
    failures = len(check.failed)
    t = check.result.timings
    seconds = f"{sum(t.values()):.3f}"
    root = ET.Element("testsuites", name=SUITE, tests=str(tests), failures=str(failures), errors="0",
                      time=seconds)
    suite = ET.SubElement(root, "testsuite", name=SUITE, tests=str(tests), failures=str(failures), errors="0",
                          skipped="0", time=seconds)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="baseline", value="compared" if check.baseline is not None else "none")
    for k, v in check.result.summary().items():
        ET.SubElement(props, "property", name=f"summary.{k}", value=str(v))
    for o in check.outcomes:
        case = ET.SubElement(suite, "testcase", classname=CLASSNAME, name=o.name, time="0")
        first = next((v for v in o.violations if v.file), None)
        if first is not None:
            case.set("file", _clean(first.file or ""))
            if first.line:
                case.set("line", str(first.line))
        if o.passed:
            out = ET.SubElement(case, "system-out")
            out.text = _clean(f"{o.description}: passed")
            continue
        fail = ET.SubElement(case, "failure", type=o.name, message=_clean(f"{o.description}: {o.headline()}"))
        lines = []
        for v in o.violations:
            where = f"{v.where()}: " if v.where() else ""
            lines.append(f"{where}{v.message}")
        fail.text = _clean("\n".join(lines))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
