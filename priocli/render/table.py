"""The human-readable outcome of a pass: a pod table, the evictions, the warnings and a summary.

Everything is built from :class:`rich.text.Text` objects, never from markup strings: pod
names and scheduler messages contain brackets (``[gate-a gate-b]``) that must print as-is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from priocli.model import NEVER

if TYPE_CHECKING:
    from rich.console import Console

    from priocli.result import Eviction, PodOutcome, SimulationResult

# Colour carries meaning; with no colour the words (BEFORE → AFTER, REASON) still say it all.
STYLE_EVICTED = "red"
STYLE_PENDING = "yellow"
STYLE_SCHEDULED = "green"
STYLE_UNCHANGED = "dim"
STYLE_HEADER = "bold"

ARROW = "→"


def is_unchanged(o: PodOutcome) -> bool:
    """Bound before and still running on its node: nothing to tell about it."""
    return o.initial == "running" and o.status == "running"


def row_style(o: PodOutcome) -> str:
    if o.status == "evicted":
        return STYLE_EVICTED
    if o.status == "pending":
        return STYLE_PENDING
    if o.initial != "running":
        return STYLE_SCHEDULED  # newly scheduled (queued or replacement, now running)
    return STYLE_UNCHANGED


def transition(o: PodOutcome) -> str:
    """``running → evicted``, ``queued → running``, ``replacement → pending``; ``running`` when unchanged."""
    if is_unchanged(o):
        return "running"
    return f"{o.initial} {ARROW} {o.status}"


def priority_text(o: PodOutcome) -> str:
    p = o.pod
    text = str(p.priority)
    if p.priority_class_name:
        text += f" {p.priority_class_name}"
    if p.preemption_policy == NEVER:
        text += " (Never)"
    return text


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


class _Index:
    """Look-ups the reasons need: evictions by victim and by preemptor, outcomes by key."""

    def __init__(self, result: SimulationResult) -> None:
        self.by_victim: dict[str, Eviction] = {}
        self.victims_of: dict[str, list[str]] = {}
        for e in result.evictions:
            self.by_victim[e.pod] = e
            self.victims_of.setdefault(e.preemptor, []).append(e.pod)
        self.outcomes: dict[str, PodOutcome] = {o.pod.key: o for o in result.outcomes}


def reason(o: PodOutcome, index: _Index) -> str:
    """Why the pod ends where it ends, in one line."""
    key = o.pod.key
    parts: list[str] = []
    if o.status == "evicted":
        text = f"evicted by {o.preempted_by}" if o.preempted_by else "evicted"
        ev = index.by_victim.get(key)
        if ev is not None and ev.pdb_violated:
            text += f", PDB {', '.join(ev.pdb_violated)} violated"
        parts.append(text)
        if o.replaced_by:
            repl = index.outcomes.get(o.replaced_by)
            if repl is None:
                parts.append(f"{ARROW} replacement {o.replaced_by}")
            elif repl.status == "running" and repl.node:
                parts.append(f"{ARROW} replacement {o.replaced_by} running on {repl.node}")
            else:
                parts.append(f"{ARROW} replacement {o.replaced_by} {repl.status}")
        return " ".join(parts)
    if o.pod.replaces:
        parts.append(f"replaces {o.pod.replaces}")
    if o.status == "pending":
        if o.nominated_node:
            parts.append(f"nominated to {o.nominated_node}")
        if o.message:
            parts.append(o.message)
        elif not o.nominated_node:
            parts.append("not scheduled")
        return "; ".join(parts)
    victims = index.victims_of.get(key)
    if victims:
        shown = ", ".join(victims[:5]) + (f", ... ({len(victims) - 5} more)" if len(victims) > 5 else "")
        parts.append(f"preempted {shown}")
    return "; ".join(parts)


def _cell(text: str | None, style: str = "") -> Text:
    return Text(text if text else "-", style=style)


def pods_table(outcomes: Iterable[PodOutcome], index: _Index) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
                  header_style=STYLE_HEADER, expand=False)
    table.add_column("NAMESPACE", no_wrap=True)
    table.add_column("NAME", no_wrap=True)
    table.add_column("PRIORITY", no_wrap=True)
    table.add_column("BEFORE → AFTER", no_wrap=True)
    table.add_column("NODE", no_wrap=True)
    table.add_column("REASON", overflow="fold", ratio=1)
    for o in outcomes:
        style = row_style(o)
        table.add_row(
            Text(o.pod.namespace), Text(o.pod.name), Text(priority_text(o)),
            Text(transition(o)), _cell(o.node), Text(reason(o, index)),
            style=style,
        )
    return table


def evictions_table(evictions: Iterable[Eviction]) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
                  header_style=STYLE_HEADER, expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("POD", no_wrap=True)
    table.add_column("NODE", no_wrap=True)
    table.add_column("PREEMPTOR", no_wrap=True)
    table.add_column("PDB VIOLATED", overflow="fold")
    for i, e in enumerate(evictions, 1):
        table.add_row(Text(str(i)), Text(e.pod, style=STYLE_EVICTED), Text(e.node), Text(e.preemptor),
                      Text(", ".join(e.pdb_violated) if e.pdb_violated else "-",
                           style=STYLE_EVICTED if e.pdb_violated else ""))
    return table


def summary_line(result: SimulationResult) -> str:
    """``2 pods: 1 running, 1 scheduled, 0 pending, 1 evicted on 1 node``."""
    s = result.summary()
    return (f"{_plural(s['pods'], 'pod')}: {s['running']} running, {s['scheduled']} scheduled, "
            f"{s['pending']} pending, {s['evicted']} evicted on {_plural(s['nodes'], 'node')}")


def render_table(result: SimulationResult, console: Console, *, show_all: bool = False) -> None:
    """Print the outcome of ``result`` on ``console``.

    By default pods that keep running where they were are only counted ("N pods unchanged");
    ``show_all`` lists them too (dimmed).
    """
    index = _Index(result)
    shown = [o for o in result.outcomes if show_all or not is_unchanged(o)]
    hidden = len(result.outcomes) - len(shown)

    if shown:
        console.print(pods_table(shown, index))
    elif not result.outcomes:
        console.print(Text("No pods.", style=STYLE_UNCHANGED))
    if hidden:
        where = "it was" if hidden == 1 else "they were"
        note = f"{_plural(hidden, 'pod')} unchanged (running where {where}; --all lists them)"
        console.print(Text(note, style=STYLE_UNCHANGED))

    if result.evictions:
        console.print()
        console.print(Text(f"Evictions ({len(result.evictions)}, in order)", style=STYLE_HEADER))
        console.print(evictions_table(result.evictions))

    if result.warnings:
        console.print()
        console.print(Text(f"Warnings ({len(result.warnings)})", style=STYLE_HEADER))
        for w in result.warnings:
            line = Text(f"{w.code}: ", style="yellow")
            line.append(w.message)
            if w.object and w.object not in w.message:
                line.append(f" ({w.object})")
            console.print(line)

    console.print()
    console.print(Text(summary_line(result), style=STYLE_HEADER))
