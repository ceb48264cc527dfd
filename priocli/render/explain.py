"""``priocli explain`` for people (a rich tree per section) and for tools (JSON).

Built from :class:`rich.text.Text` objects, never markup: pod names and scheduler messages
contain brackets. Colour carries meaning only (green: fits / runs / kept, red: fails /
evicted, yellow: pending / cut short, dim: not evaluated); the words say the same without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from priocli.model import NEVER

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from priocli.explain import (
        AttemptSummary,
        CandidateInfo,
        EvictionStory,
        Explanation,
        NodeGroup,
        NodeVerdicts,
        PreemptionInfo,
        ReprieveStep,
        Scoring,
        Trial,
        WhatIf,
    )

GOOD = "green"
BAD = "red"
WAIT = "yellow"
DIM = "dim"
HEAD = "bold"

SHOW_NODES = 5  # node names listed per group before "and N more"
SHOW_SCORES = 10  # feasible nodes listed in the score table
SHOW_ATTEMPTS = 8


def render_explain_json(explanation: Explanation) -> str:
    from priocli.render.json import dumps

    return dumps(explanation.as_dict()) + "\n"


def _status_style(status: str) -> str:
    return {"running": GOOD, "pending": WAIT, "evicted": BAD}.get(status, "")


def node_list(nodes: Sequence[str], limit: int = SHOW_NODES) -> str:
    """``a, b, c`` or ``a, b, c, d, e and 23 more``."""
    shown = ", ".join(nodes[:limit])
    if len(nodes) > limit:
        shown += f" and {len(nodes) - limit} more"
    return shown


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _line(*parts: tuple[str, str] | str) -> Text:
    t = Text()
    for p in parts:
        if isinstance(p, tuple):
            t.append(p[0], style=p[1])
        else:
            t.append(p)
    return t


def render_explain(e: Explanation, console: Console) -> None:
    pod = e.pod
    head = _line((f"{pod.namespace}/{pod.name}", HEAD), f"  priority {pod.priority}")
    extra = [x for x in (pod.priority_class_name, "preemptionPolicy: Never" if pod.preemption_policy == NEVER else None)
             if x]
    if extra:
        head.append(f" ({', '.join(extra)})")
    head.append(f"  {pod.initial} → ")
    head.append(pod.status, style=_status_style(pod.status))
    console.print(head)
    if e.resolved:
        console.print(Text(e.resolved, style=DIM))
    console.print(_line(("Outcome: ", HEAD), (e.outcome, _status_style(pod.status))))
    if e.message:
        console.print(_line(("FailedScheduling: " if e.attempts else "Message: ", HEAD), e.message))
    for note in e.notes:
        console.print(Text(note, style=DIM))

    if e.attempts:
        _section(console, _attempts_tree(e))
    if e.nodes is not None:
        _section(console, _nodes_tree(e.nodes))
    if e.scoring is not None:
        _section(console, _scoring_tree(e.scoring))
    if e.preemption is not None and e.preemption.needed:
        _section(console, _preemption_tree(e.preemption))
    if e.eviction is not None:
        _section(console, _eviction_tree(e.eviction))
    if e.what_if is not None:
        _section(console, _what_if_tree(e.what_if))


def _section(console: Console, tree: RenderableType) -> None:
    console.print()
    console.print(tree)


# ------------------------------------------------------------------ attempts


def _runs(attempts: Sequence[AttemptSummary]) -> list[list[AttemptSummary]]:
    """Consecutive attempts with the same result, node and message, together."""
    runs: list[list[AttemptSummary]] = []
    for a in attempts:
        last = runs[-1][-1] if runs else None
        if last is not None and (last.result, last.node, last.message, last.victims) == (
                a.result, a.node, a.message, a.victims) and a.result == "failed":
            runs[-1].append(a)
        else:
            runs.append([a])
    return runs


def _attempts_tree(e: Explanation) -> Tree:
    n = len(e.attempts)
    tree = Tree(Text(f"Attempts ({n})", style=HEAD))
    runs = _runs(e.attempts)
    shown = runs if len(runs) <= SHOW_ATTEMPTS else runs[:2] + runs[-(SHOW_ATTEMPTS - 2):]
    for k, run in enumerate(shown):
        if len(runs) > SHOW_ATTEMPTS and k == 2:
            hidden = sum(len(r) for r in runs[2:-(SHOW_ATTEMPTS - 2)])
            tree.add(Text(f"... {hidden} more attempts ...", style=DIM))
        a = run[-1]
        if len(run) == 1:
            t = Text(f"cycle {a.cycle}: ")
        else:
            t = Text(f"cycles {run[0].cycle}-{a.cycle} ({len(run)} attempts, the same each time): ")
        if a.result == "scheduled":
            t.append(f"scheduled on {a.node}", style=GOOD)
            if a.nominated_node_first:
                t.append(" (its nominated node, tried first)")
        elif a.result == "nominated":
            t.append(f"nominated to {a.node}", style=WAIT)
            t.append(", evicting ")
            t.append(", ".join(a.victims), style=BAD)
            if a.message:
                t.append(f": {a.message}")
        else:
            t.append("failed", style=WAIT)
            if a.message:
                t.append(f": {a.message}")
        tree.add(t)
    return tree


# ------------------------------------------------------------------ filters


def _group_label(g: NodeGroup) -> Text:
    t = Text()
    if g.verdict == "feasible":
        t.append(f"{_plural(g.count, 'node')}: feasible", style=GOOD)
    elif g.verdict == "not evaluated":
        t.append(f"{_plural(g.count, 'node')}: {g.text}", style=DIM)
    else:
        t.append(f"{_plural(g.count, 'node')}: ", style=BAD)
        t.append(g.text, style=BAD)
        if g.plugin:
            t.append(f"  ({g.plugin}, {g.code})", style=DIM)
    t.append(f"  [{node_list(g.nodes)}]")
    return t


def _filter_line(g: NodeGroup) -> Text | None:
    if not g.filters or g.verdict == "feasible":
        return Text("every filter passed: " + ", ".join(f.plugin for f in g.filters), style=GOOD) if g.filters else None
    passed = [f.plugin for f in g.filters if f.verdict == "pass"]
    failed = [f for f in g.filters if f.verdict == "fail"]
    skipped = [f.plugin for f in g.filters if f.verdict == "not evaluated"]
    t = Text()
    if passed:
        t.append("passed: " + ", ".join(passed), style=GOOD)
        t.append("; ")
    for f in failed:
        t.append(f"failed: {f.plugin} ({', '.join(f.reasons)})", style=BAD)
    if skipped:
        t.append("; ")
        t.append("not evaluated after the first failure: " + ", ".join(skipped), style=DIM)
    return t


def _nodes_tree(v: NodeVerdicts) -> Tree:
    title = Text(f"Filters (attempt {v.attempt}, cycle {v.cycle}): ", style=HEAD)
    title.append(f"{v.feasible} of {_plural(v.total, 'node')} feasible",
                 style=GOOD if v.feasible else BAD)
    tree = Tree(title)
    if v.error:
        tree.add(Text(f"scheduler error: {v.error}", style=BAD))
    if v.prefilter:
        tree.add(Text(f"PreFilter rejected the pod: {v.prefilter} (every node gets this status)", style=BAD))
    for g in v.groups:
        branch = tree.add(_group_label(g))
        line = _filter_line(g)
        if line is not None:
            branch.add(line)
    if v.note:
        tree.add(Text(v.note, style=DIM))
    return tree


# ------------------------------------------------------------------ scores


def _scoring_tree(s: Scoring) -> Tree:
    title = Text(f"Node choice (cycle {s.cycle}): ", style=HEAD)
    title.append(s.chosen, style=GOOD)
    tree = Tree(title)
    tree.add(Text(s.why))
    if s.scored and s.nodes:
        plugins: list[str] = []
        for row in s.nodes:
            for p in row.plugins:
                if p not in plugins:
                    plugins.append(p)
        table = Table(box=None, show_edge=False, pad_edge=False, header_style=HEAD)
        table.add_column("NODE")
        table.add_column("TOTAL", justify="right")
        for p in plugins:
            table.add_column(p, justify="right")
        for row in s.nodes[:SHOW_SCORES]:
            style = GOOD if row.node == s.chosen else ("" if row.total == s.nodes[0].total else DIM)
            table.add_row(row.node, str(row.total), *(str(row.plugins.get(p, "-")) for p in plugins), style=style)
        tree.add(table)
        if len(s.nodes) > SHOW_SCORES:
            tree.add(Text(f"... {len(s.nodes) - SHOW_SCORES} more feasible nodes (-o json lists them all)",
                          style=DIM))
    return tree


# ------------------------------------------------------------------ preemption


def _step_text(s: ReprieveStep) -> Text:
    t = Text(f"{s.order}. {s.pod} (priority {s.priority}, started {s.start_time or 'never (counts as now)'}"
             f"{', PDB-violating' if s.pdb_violating else ''}): ")
    if s.result == "reprieved":
        t.append("reprieved", style=GOOD)
        t.append(": the preemptor still fits with it back")
    else:
        t.append("victim", style=BAD)
        t.append(f": with it back the preemptor fails {s.plugin} ({', '.join(s.reasons)})")
    return t


def _candidate_branch(tree: Tree, c: CandidateInfo, deciding: str | None, winner: CandidateInfo | None) -> None:
    label = Text(c.node, style=HEAD)
    if c.chosen:
        label.append("  chosen", style=GOOD)
    elif c.eliminated_by:
        label.append(f"  eliminated by: {c.eliminated_by}", style=BAD)
        fig = c.figures.get(c.eliminated_by)
        if winner is not None and fig is not None:
            label.append(f" ({fig} vs {winner.figures.get(c.eliminated_by)} on {winner.node})", style=DIM)
    label.append(f"  {_plural(len(c.victims), 'victim')}, {c.num_pdb_violations} PDB violation"
                 f"{'' if c.num_pdb_violations == 1 else 's'}")
    branch = tree.add(label)
    for v in c.victims:
        t = Text("victim ", style=BAD)
        t.append(f"{v.pod}: priority {v.priority}, started {v.start_time or 'never (counts as now)'}"
                 f"{' (simulated)' if v.simulated_start else ''}")
        if v.pdb_violating:
            t.append(", violates a PDB", style=BAD)
        branch.add(t)
    if c.chosen and c.reprieve:
        order = branch.add(Text("reprieve order (PDB-violating first, then by priority, then start time):"))
        for s in c.reprieve:
            order.add(_step_text(s))


def _preemption_tree(p: PreemptionInfo) -> Tree:
    title = Text("Preemption" + (f" (cycle {p.cycle})" if p.cycle is not None else "") + ": ", style=HEAD)
    style = GOOD if p.nominated_node else (BAD if p.eligible is False else WAIT)
    title.append(p.reason or "", style=style)
    tree = Tree(title)
    if p.message:
        tree.add(Text(f"PostFilter message: {p.message}", style=DIM))
    winner = next((c for c in p.candidates if c.chosen), None)
    if p.candidates:
        if p.deciding_criterion:
            tree.add(Text(f"pickOneNodeForPreemption criteria in order: fewest PDB violations, lowest priority of "
                          f"the first victim, lowest sum of victim priorities, fewest victims, latest start time of "
                          f"the highest-priority victims, node name; decided by: {p.deciding_criterion}"))
        for c in sorted(p.candidates, key=lambda c: (not c.chosen, c.node)):
            _candidate_branch(tree, c, p.deciding_criterion, winner)
    if p.not_candidates:
        nc = tree.add(Text("not candidates:"))
        for g in p.not_candidates:
            nc.add(_group_label(g))
    return tree


# ------------------------------------------------------------------ eviction


def _eviction_tree(ev: EvictionStory) -> Tree:
    title = Text("Eviction: ", style=HEAD)
    title.append(f"by {ev.preemptor} (priority {ev.preemptor_priority}) on {ev.node}"
                 + (f", cycle {ev.cycle}" if ev.cycle is not None else ""), style=BAD)
    tree = Tree(title)
    tree.add(Text(f"why a victim: {ev.why}"))
    if ev.pdb_violated:
        tree.add(Text(f"PodDisruptionBudget violated: {', '.join(ev.pdb_violated)} (preemption may violate PDBs; "
                      f"it only prefers nodes with fewer violations)", style=BAD))
    else:
        tree.add(Text("no PodDisruptionBudget violated"))
    if ev.reprieve:
        order = tree.add(Text(f"reprieve order on {ev.node}:"))
        for s in ev.reprieve:
            order.add(_step_text(s))
    if ev.other_candidates:
        others = tree.add(Text(f"{ev.node} was chosen over:"))
        for node, crit in sorted(ev.other_candidates.items()):
            others.add(Text(f"{node}: eliminated by {crit}"))
    t = Text("replacement: ")
    style = _status_style(ev.replacement_status or "") if ev.replacement else DIM
    t.append(ev.replacement_note, style=style)
    if ev.replacement_message:
        t.append(f": {ev.replacement_message}")
    tree.add(t)
    return tree


# ------------------------------------------------------------------ what would change


def _trial_text(tr: Trial) -> Text:
    t = Text(f"{tr.change}: ")
    if tr.runs:
        t.append(f"runs on {tr.node}", style=GOOD)
        if tr.evicts:
            t.append(", evicting " + ", ".join(tr.evicts), style=BAD)
    else:
        t.append("still pending", style=WAIT)
        if tr.added_node_verdict and tr.added_node_verdict != "feasible":
            t.append(f"; the new node: {tr.added_node_verdict}")
        elif tr.added_node_verdict == "feasible":
            t.append("; the new node fit but pods ahead in the queue took it")
        if tr.message:
            t.append(f" ({tr.message})", style=DIM)
    return t


def _what_if_tree(w: WhatIf) -> Tree:
    title = Text("What would change", style=HEAD)
    title.append(f"  (re-running the pass: {w.reruns} re-run{'s' if w.reruns != 1 else ''}", style=DIM)
    if w.stopped_by == "what-if-seconds":
        title.append(", cut short: out of time (--what-if-seconds)", style=WAIT)
    elif w.cut_short:
        title.append(f", cut short at --max-reruns {w.max_reruns}", style=WAIT)
    title.append(")", style=DIM)
    tree = Tree(title)
    for note in w.notes:
        tree.add(Text(note, style=DIM))
    if w.capacity is not None:
        c = w.capacity
        branch = tree.add(_line(("capacity: ", HEAD), (c.answer or "", GOOD if c.like else WAIT)))
        for tr in c.trials:
            branch.add(_trial_text(tr))
        for note in c.notes:
            branch.add(Text(note, style=DIM))
    if w.priority is not None:
        p = w.priority
        ok = p.lowest is not None
        branch = tree.add(_line(("priority: ", HEAD), (p.answer, GOOD if ok else WAIT)))
        if p.trials:
            t = Text("tried: ")
            for k, (value, good) in enumerate(p.trials):
                if k:
                    t.append(", ")
                t.append(f"{value} ")
                t.append("runs" if good and p.question == "runs" else "kept" if good else
                         ("evicted" if p.question != "runs" else "pending"), style=GOOD if good else BAD)
            branch.add(t)
    for fix in w.placement:
        branch = tree.add(_line((f"{fix.kind}: ", HEAD), (fix.answer, GOOD if fix.trial and fix.trial.runs else WAIT)))
        branch.add(Text(f"targets {_plural(len(fix.nodes), 'node')}: {node_list(fix.nodes)}"))
        for g in fix.after:
            branch.add(_group_label(g))
    return tree
