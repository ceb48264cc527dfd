"""The human-readable outcome of a pass: a pod table, the evictions, the warnings and a summary.

Everything is built from :class:`rich.text.Text` objects, never from markup strings: pod
names and scheduler messages contain brackets (``[gate-a gate-b]``) that must print as-is.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
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


MAX_CHAIN = 5  # replacement hops told on an evicted pod's line


def replacement_chain(o: PodOutcome, index: _Index) -> list[str]:
    """What became of an evicted pod's replacement, hop by hop: ``→ replacement ns/b pending: 0/1 ...``.

    A replacement that is itself evicted continues the chain with its own replacement.
    """
    parts: list[str] = []
    seen: set[str] = set()
    cur = o
    while cur.replaced_by and cur.replaced_by not in seen and len(seen) < MAX_CHAIN:
        key = cur.replaced_by
        seen.add(key)
        repl = index.outcomes.get(key)
        if repl is None:
            parts.append(f"{ARROW} replacement {key}")
            break
        if repl.status == "running" and repl.node:
            text = f"{ARROW} replacement {key} running on {repl.node}"
            victims = index.victims_of.get(key)
            if victims:
                text += f" (preempted {', '.join(victims[:3])}{', ...' if len(victims) > 3 else ''})"
        elif repl.status == "evicted":
            text = f"{ARROW} replacement {key} evicted" + (f" by {repl.preempted_by}" if repl.preempted_by else "")
        else:
            text = f"{ARROW} replacement {key} {repl.status}"
            if repl.nominated_node:
                text += f" (nominated to {repl.nominated_node})"
            if repl.message:
                text += f": {repl.message}"
        parts.append(text)
        cur = repl
    return parts


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
        parts.extend(replacement_chain(o, index))
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


GAP = "  "
MIN_LAST = 30  # narrowest last column worth wrapping into; below that lines just run long


def print_columns(console: Console, headers: Sequence[str], rows: Iterable[tuple[Sequence[str], str]]) -> None:
    """A kubectl-style table: bold headers, columns two spaces apart, one style per row.

    The last column wraps (continuation lines indented under it) to fit the console width.
    Built as one :class:`~rich.text.Text` and printed once: a rich ``Table`` costs ~0.3 ms a
    row, too slow for ``--all`` on a 150,000-pod snapshot.
    """
    rows = list(rows)
    n = len(headers)
    widths = [cell_len(h) for h in headers]
    for cells, _style in rows:
        for i in range(n - 1):
            w = cell_len(cells[i])
            if w > widths[i]:
                widths[i] = w
    indent = sum(widths[:-1]) + len(GAP) * (n - 1)
    room = console.width - indent
    wrap = room >= MIN_LAST
    pad = " " * indent

    out = Text(no_wrap=True, overflow="ignore", end="")

    def line(cells: Sequence[str], style: str) -> None:
        head = GAP.join(c + " " * (widths[i] - cell_len(c)) for i, c in enumerate(cells[:-1]))
        last = cells[-1]
        parts = textwrap.wrap(last, room, break_on_hyphens=False) if wrap and cell_len(last) > room else [last]
        text = (head + GAP if n > 1 else "") + (parts[0] if parts else "")
        for more in parts[1:]:
            text += "\n" + pad + more
        out.append(text.rstrip(" ") + "\n", style=style)

    line(headers, STYLE_HEADER)
    for cells, style in rows:
        line(cells, style)
    console.print(out, no_wrap=True, crop=False, overflow="ignore", end="", soft_wrap=True)


def pod_rows(outcomes: Iterable[PodOutcome], index: _Index) -> Iterator[tuple[list[str], str]]:
    for o in outcomes:
        yield ([o.pod.namespace, o.pod.name, priority_text(o), transition(o), o.node or "-", reason(o, index)],
               row_style(o))


def eviction_rows(evictions: Iterable[Eviction]) -> Iterator[tuple[list[str], str]]:
    for i, e in enumerate(evictions, 1):
        yield [str(i), e.pod, e.node, e.preemptor, ", ".join(e.pdb_violated) or "-"], STYLE_EVICTED


POD_HEADERS = ("NAMESPACE", "NAME", "PRIORITY", f"BEFORE {ARROW} AFTER", "NODE", "REASON")
EVICTION_HEADERS = ("#", "POD", "NODE", "PREEMPTOR", "PDB VIOLATED")


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
        print_columns(console, POD_HEADERS, pod_rows(shown, index))
    elif not result.outcomes:
        console.print(Text("No pods.", style=STYLE_UNCHANGED))
    if hidden:
        where = "it was" if hidden == 1 else "they were"
        note = f"{_plural(hidden, 'pod')} unchanged (running where {where}; --all lists them)"
        console.print(Text(note, style=STYLE_UNCHANGED))

    if result.evictions:
        console.print()
        console.print(Text(f"Evictions ({len(result.evictions)}, in order)", style=STYLE_HEADER))
        print_columns(console, EVICTION_HEADERS, eviction_rows(result.evictions))

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
