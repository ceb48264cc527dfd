"""``check --format github``: GitHub Actions workflow commands, one ``::error`` per violation.

Each annotation points at the manifest file and line that introduced the pod, so GitHub shows
it on the pull request's diff::

    ::error file=deploy/job.yaml,line=12,title=priocli pending::default/migrate (priority 0) stays Pending: ...

Values are escaped as the Actions toolkit does (``%``, CR, LF in the message; also ``:`` and
``,`` in properties). A last plain line gives the verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from priocli.check import CheckResult, Violation


def escape_data(text: str) -> str:
    """The message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(v: Violation, level: str = "error") -> str:
    props = []
    if v.file and not v.file.startswith("<"):  # not <stdin> or <live:CONTEXT>: no file to annotate
        props.append(f"file={escape_property(v.file)}")
        if v.line:
            props.append(f"line={v.line}")
    props.append(f"title={escape_property('priocli ' + v.policy)}")
    return f"::{level} {','.join(props)}::{escape_data(v.message)}"


def render_github(check: CheckResult) -> str:
    """The annotations of every violation, then one verdict line; ends with a newline."""
    lines = [annotation(v) for v in check.violations]
    if check.passed:
        lines.append(f"::notice title={escape_property('priocli check')}::{escape_data(check.headline())}")
    lines.append(f"priocli check {check.headline()}")
    return "\n".join(lines) + "\n"
