"""The table and JSON renderers on hand-made results (no engine needed)."""

from __future__ import annotations

import io
import json

import jsonschema
from conftest import blog_result, make_pod, schema_path
from rich.console import Console

from priocli.model import Warning_
from priocli.render.json import dumps, render_json
from priocli.render.table import render_table, summary_line, transition
from priocli.result import Eviction, PodOutcome, SimulationResult


def render(result: SimulationResult, *, show_all: bool = False, color: bool = False) -> str:
    console = Console(file=io.StringIO(), width=160, force_terminal=color, no_color=not color,
                      color_system="truecolor" if color else None, markup=False, highlight=False)
    render_table(result, console, show_all=show_all)
    return console.file.getvalue()  # type: ignore[attr-defined]


def squash(text: str) -> str:
    """Whitespace collapsed: a long REASON wraps inside its column."""
    return " ".join(text.split())


def lines_with(text: str, *needles: str) -> list[str]:
    return [line for line in text.splitlines() if all(n in line for n in needles)]


def test_blog_rows_reason_and_sections() -> None:
    out = render(blog_result())
    header = lines_with(out, "NAMESPACE", "NAME", "PRIORITY", "BEFORE → AFTER", "NODE", "REASON")
    assert len(header) == 1
    [critical] = lines_with(out, "critical-app", "queued → running")
    assert "1000000 high-priority" in critical
    assert "node-a" in critical
    assert "preempted default/minor-app" in critical
    [minor] = lines_with(out, "minor-app", "running → evicted")
    assert "1000 low-priority" in minor
    assert "evicted by default/critical-app, PDB default/minor-app-pdb violated" in minor
    # the evictions section, in order, with the PDB
    assert "Evictions (1, in order)" in out
    [ev] = lines_with(out, "1  default/minor-app", "node-a", "default/critical-app", "default/minor-app-pdb")
    assert ev
    assert out.rstrip().splitlines()[-1] == "2 pods: 0 running, 1 scheduled, 0 pending, 1 evicted on 1 node"
    assert "Warnings" not in out
    assert "\x1b[" not in out


def test_pending_never_and_nominated() -> None:
    msg = ("0/1 nodes are available: 1 Insufficient memory. "
           "preemption: not eligible due to preemptionPolicy=Never.")
    result = SimulationResult(
        outcomes=[
            PodOutcome(make_pod("default/critical-app", 1000000, "high-priority", never=True), "queued",
                       "pending", message=msg),
            PodOutcome(make_pod("default/minor-app", 1000, "low-priority"), "running", "running", node="node-a"),
            PodOutcome(make_pod("prod/web", 500, "mid"), "queued", "pending", nominated_node="node-b",
                       message="0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
                               "2 No preemption victims found for incoming pod."),
        ],
        evictions=[], warnings=[], node_count=2,
    )
    out = render(result)
    [crit] = lines_with(out, "critical-app", "queued → pending")
    assert "1000000 high-priority (Never)" in crit
    assert "0/1 nodes are available: 1 Insufficient memory." in crit
    assert msg in squash(out)  # the FailedScheduling message word for word (wrapped in its column)
    [web] = lines_with(out, "prod", "web", "queued → pending")
    assert "nominated to node-b" in web
    # unchanged running pods are summarized, not listed
    assert not lines_with(out, "minor-app")
    assert "1 pod unchanged (running where it was; --all lists them)" in out
    assert "Evictions" not in out
    assert "3 pods: 1 running, 0 scheduled, 2 pending, 0 evicted on 2 nodes" in out

    full = render(result, show_all=True)
    [minor] = lines_with(full, "minor-app")
    assert "running" in minor and "node-a" in minor and "→" not in minor
    assert "unchanged" not in full


def test_replacement_chain_and_warnings() -> None:
    old = make_pod("shop/web-abc", 100, "low")
    new = make_pod("shop/web-def", 100, "low", replaces="shop/web-abc")
    result = SimulationResult(
        outcomes=[
            PodOutcome(make_pod("prod/db", 1000, "high"), "queued", "running", node="n1"),
            PodOutcome(old, "running", "evicted", node="n1", preempted_by="prod/db", replaced_by="shop/web-def"),
            PodOutcome(new, "replacement", "pending", message="0/1 nodes are available: 1 Insufficient cpu."),
        ],
        evictions=[Eviction("shop/web-abc", "n1", "prod/db")],
        warnings=[Warning_("UnmodeledVolume", "volumes are not modeled [pvc-1]", "Pod shop/web-abc"),
                  Warning_("Other", "mentions Pod x/y already", "Pod x/y")],
        node_count=1,
    )
    out = render(result)
    [evicted] = lines_with(out, "web-abc", "running → evicted")
    assert "evicted by prod/db → replacement shop/web-def pending" in evicted
    assert "PDB" not in evicted
    [repl] = lines_with(out, "web-def", "replacement → pending")
    assert "replaces shop/web-abc" in repl and "Insufficient cpu" in repl
    [ev] = lines_with(out, "shop/web-abc", "n1", "prod/db")
    assert ev.rstrip().endswith("-")  # no PDB violated
    assert "Warnings (2)" in out
    # markup-like brackets print as they are
    assert "UnmodeledVolume: volumes are not modeled [pvc-1] (Pod shop/web-abc)" in out
    assert "Other: mentions Pod x/y already\n" in out.replace(" \n", "\n")


def test_replacement_running_names_its_node() -> None:
    result = SimulationResult(
        outcomes=[
            PodOutcome(make_pod("a/old"), "running", "evicted", node="n1", preempted_by="a/big",
                       replaced_by="a/new"),
            PodOutcome(make_pod("a/new", replaces="a/old"), "replacement", "running", node="n2"),
        ],
        evictions=[Eviction("a/old", "n1", "a/big")], warnings=[], node_count=2,
    )
    out = render(result)
    assert "→ replacement a/new running on n2" in out
    [new] = lines_with(out, "new", "replacement → running")
    assert "n2" in new


def test_colour_carries_meaning() -> None:
    out = render(blog_result(), color=True)
    assert "\x1b[" in out
    red = "\x1b[31m"
    green = "\x1b[32m"
    [minor] = lines_with(out, "minor-app", "evicted by")
    assert red in minor
    [critical] = lines_with(out, "critical-app", "queued")
    assert green in critical


def test_empty_result() -> None:
    out = render(SimulationResult(outcomes=[], evictions=[], warnings=[], node_count=0))
    assert "No pods." in out
    assert "0 pods: 0 running, 0 scheduled, 0 pending, 0 evicted on 0 nodes" in out


def test_transition_words() -> None:
    p = make_pod("a/b")
    assert transition(PodOutcome(p, "running", "running", node="n")) == "running"
    assert transition(PodOutcome(p, "running", "evicted", node="n")) == "running → evicted"
    assert transition(PodOutcome(p, "replacement", "pending")) == "replacement → pending"


def test_summary_line_plurals() -> None:
    assert summary_line(blog_result()) == "2 pods: 0 running, 1 scheduled, 0 pending, 1 evicted on 1 node"


def test_json_report_is_stable_and_valid() -> None:
    text = render_json(blog_result())
    assert text.endswith("}\n")
    assert text == render_json(blog_result())
    report = json.loads(text)
    jsonschema.validate(report, json.loads(schema_path().read_text()))
    assert list(report)[:5] == ["apiVersion", "kind", "pods", "evictions", "summary"]
    assert report["evictions"] == [{"pod": "default/minor-app", "node": "node-a",
                                    "preemptor": "default/critical-app",
                                    "pdbViolated": ["default/minor-app-pdb"]}]
    assert report["summary"] == {"nodes": 1, "pods": 2, "running": 0, "scheduled": 1, "pending": 0,
                                 "evicted": 1}


def test_dumps_keeps_unicode_and_indents() -> None:
    assert dumps({"a": ["é"]}) == '{\n  "a": [\n    "é"\n  ]\n}'


def test_dumps_matches_the_standard_library_byte_for_byte() -> None:
    import json

    from priocli.render.json import dumps

    obj = {"pods": [{"name": "é-ü", "priority": -2147483648, "message": "a \u2028 b \x00", "node": None}],
           "empty": [], "nested": {}, "flag": True, "big": 2**62}
    assert dumps(obj) == json.dumps(obj, indent=2, ensure_ascii=False)
