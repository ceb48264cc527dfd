"""``check --format markdown``: a pull-request comment (or a GitHub job summary).

The verdict, a table of the policies, the violations of each failed policy (folded when long),
and the pod counts without and with the change. User text is escaped so that a pod name or a
scheduler message cannot break the table or inject HTML.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from priocli.check import CheckResult

MAX_LISTED = 50
FOLD_OVER = 5  # violations; more are put in a <details> block


def _md(text: str) -> str:
    """Escape for inline Markdown: HTML, pipes (tables), backticks and emphasis characters."""
    text = html.escape(text, quote=False)
    for ch in ("\\", "|", "`", "*", "_", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def render_markdown(check: CheckResult) -> str:
    lines: list[str] = []
    verdict = "✅ passed" if check.passed else "❌ failed"
    lines.append(f"### priocli check {verdict}")
    lines.append("")
    mode = ("compared with the current state: only what the change causes counts" if check.baseline is not None
            else "absolute outcome (no baseline)")
    lines.append(f"{_md(check.headline()).capitalize()}; {mode}.")
    lines.append("")
    lines.append("| | policy | fails on | violations |")
    lines.append("|---|---|---|---|")
    for o in check.outcomes:
        mark = "✅" if o.passed else "❌"
        lines.append(f"| {mark} | `{o.name}` | {_md(o.description)} | {len(o.violations)} |")
    for o in check.failed:
        lines.append("")
        n = len(o.violations)
        title = f"**`{o.name}`**: {n} violation{'s' if n != 1 else ''}"
        items = []
        for v in o.violations[:MAX_LISTED]:
            where = f" (`{v.where().replace('`', '')}`)" if v.where() else ""
            items.append(f"- {_md(v.message)}{where}")
        if n > MAX_LISTED:
            items.append(f"- … and {n - MAX_LISTED} more (`--format json` lists all)")
        if n > FOLD_OVER:
            lines.append(f"<details><summary>{title}</summary>")
            lines.append("")
            lines.extend(items)
            lines.append("")
            lines.append("</details>")
        else:
            lines.append(title)
            lines.append("")
            lines.extend(items)
    lines.append("")
    lines.append("| | pods | running | scheduled | pending | evicted |")
    lines.append("|---|---|---|---|---|---|")
    runs = [("current state", check.baseline), ("with the change", check.result)]
    if check.baseline is None:
        runs = [("outcome", check.result)]
    for label, run in runs:
        if run is None:
            continue
        s = run.summary()
        lines.append(f"| {label} | {s['pods']} | {s['running']} | {s['scheduled']} | {s['pending']} | {s['evicted']} |")
    lines.append("")
    lines.append("<sub>priocli: kube-scheduler v1.29.4 semantics</sub>")
    return "\n".join(lines) + "\n"
