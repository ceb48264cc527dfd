"""``priocli check`` as a library: what a change does to the current state, judged by policies.

The current state (a snapshot, manifests, or a live cluster) is simulated alone (the
*baseline*) and with the change applied; the change is blamed only for what it causes:

* a pod **newly evicted**: evicted with the change, not in the baseline;
* a pod **newly Pending**: Pending with the change, not Pending in the baseline (new pods of
  the change that end Pending count; so do replacement pods of newly evicted ones);
* a PodDisruptionBudget **newly violated**: violated by an eviction with the change, by none
  in the baseline.

Without the baseline (``PolicySet.baseline`` false, ``--no-baseline``) the absolute outcome
is judged. Both runs are the engine's (:func:`priocli.api.simulate_cluster`): no scheduling
rule lives here.

::

    from priocli.check import run_check
    from priocli.policy import PolicySet

    check = run_check(["deploy/"], cluster=["snapshot.json"], policies=PolicySet.default())
    for v in check.violations:
        print(v.policy, v.pod, v.message, v.file, v.line)
    raise SystemExit(0 if check.passed else 1)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from priocli.policy import EVICTION, MISSING_CLASS, PDB, PENDING, PROTECTED_EVICTION, PolicySet
from priocli.result import API_VERSION, Eviction, PodOutcome, SimulationResult

if TYPE_CHECKING:
    from rich.console import Console

    from priocli.classes import MissingClassRef
    from priocli.load.documents import Document
    from priocli.model import Pod, Source

MAX_LISTED = 50  # violations listed per policy in the human and Markdown outputs


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing the change does that a policy forbids, with where it came from (file, line)."""

    policy: str
    pod: str | None  # "namespace/name" (for missing-class: the object's key)
    message: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "pod": self.pod, "message": self.message, "file": self.file,
                "line": self.line}

    def where(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(slots=True)
class PolicyOutcome:
    name: str
    description: str
    violations: list[Violation] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.violations

    def headline(self) -> str:
        """``2 violations`` / ``passed``."""
        n = len(self.violations)
        return "passed" if not n else f"{n} violation{'s' if n != 1 else ''}"


@dataclass(slots=True)
class CheckResult:
    result: SimulationResult  # the current state with the change
    baseline: SimulationResult | None  # the current state alone (None: --no-baseline)
    policies: PolicySet
    outcomes: list[PolicyOutcome]  # one per active policy
    new_evictions: list[Eviction]
    new_pending: list[PodOutcome]
    new_pdb: list[tuple[str, Eviction]]  # (PDB key, the eviction violating it)
    missing: list[MissingClassRef]  # change objects refused for a missing class (left out of both runs)

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def violations(self) -> list[Violation]:
        return [v for o in self.outcomes for v in o.violations]

    @property
    def failed(self) -> list[PolicyOutcome]:
        return [o for o in self.outcomes if not o.passed]

    def headline(self) -> str:
        """``passed: 3 policies`` / ``failed: 2 of 3 policies (eviction, pdb)``."""
        n = len(self.outcomes)
        if self.passed:
            return f"passed: {n} polic{'ies' if n != 1 else 'y'}"
        bad = self.failed
        return f"failed: {len(bad)} of {n} polic{'ies' if n != 1 else 'y'} ({', '.join(o.name for o in bad)})"

    def report(self) -> dict[str, Any]:
        """The JSON document of ``check --format json``."""
        return {
            "apiVersion": API_VERSION,
            "kind": "CheckReport",
            "passed": self.passed,
            "baselineCompared": self.baseline is not None,
            "policies": [{"name": o.name, "description": o.description, "passed": o.passed,
                          "violations": len(o.violations)} for o in self.outcomes],
            "violations": [v.as_dict() for v in self.violations],
            "baseline": self.baseline.summary() if self.baseline is not None else None,
            "report": self.result.report(),
        }


# ------------------------------------------------------------------ inputs


def read_documents(paths: Sequence[str], stdin: BinaryIO | None = None) -> list[Document]:
    """Read PATHs (``-`` = stdin) into Documents; no PATH, no Document."""
    from priocli.load.documents import read_paths

    return read_paths(paths, stdin=stdin) if paths else []


def simulate_documents(docs: Sequence[Document]) -> SimulationResult:
    """Admit ``docs`` and run the engine's what-if pass."""
    from priocli.api import simulate_cluster
    from priocli.load.cluster import build_cluster

    return simulate_cluster(build_cluster(docs))


# ------------------------------------------------------------------ the check


def run_check(
    paths: Sequence[str],
    *,
    cluster: Sequence[str] = (),
    current: Sequence[Document] | None = None,
    policies: PolicySet | None = None,
    stdin: BinaryIO | None = None,
) -> CheckResult:
    """Simulate the current state alone and with the change (``paths``); evaluate ``policies``.

    The current state is ``current`` (Documents, e.g. :func:`live_documents`) or read from
    ``cluster``. ``policies`` defaults to :meth:`PolicySet.default`. Raises
    :class:`~priocli.errors.InputError` on bad input (a pod of the change naming a missing
    PriorityClass is one, unless the ``missing-class`` policy is on: then it is a violation).
    """
    from priocli.classes import class_names, missing_class_refs, without
    from priocli.errors import InputError
    from priocli.load.cluster import overlay

    policies = policies or PolicySet.default()
    if "-" in paths and "-" in cluster:
        raise InputError("-: standard input given both as the change and as --cluster")
    change = read_documents(paths, stdin)
    state = list(current) if current is not None else read_documents(cluster, stdin)

    missing: list[MissingClassRef] = []
    if policies.missing_class:
        names = class_names(overlay(state, change))
        scope = change if policies.baseline else overlay(state, change)
        missing = [r for r in missing_class_refs(scope, names) if r.rejected]
        refused = [r.doc for r in missing]  # the API server would refuse them: they never exist
        change = without(change, refused)
        state = without(state, refused)

    result = simulate_documents(overlay(state, change))
    baseline = simulate_documents(state) if policies.baseline else None
    return evaluate(result, baseline, policies, missing=missing,
                    change_files={d.source.file for d in change})


def evaluate(result: SimulationResult, baseline: SimulationResult | None, policies: PolicySet, *,
             missing: Sequence[MissingClassRef] = (), change_files: set[str] | None = None) -> CheckResult:
    """Compare ``result`` with ``baseline`` by pod key and judge each active policy."""
    if baseline is not None:
        was_evicted = {e.pod for e in baseline.evictions}
        was_pending = {o.pod.key for o in baseline.outcomes if o.status == "pending"}
        was_violated = {p for e in baseline.evictions for p in e.pdb_violated}
    else:
        was_evicted, was_pending, was_violated = set(), set(), set()
    new_evictions = [e for e in result.evictions if e.pod not in was_evicted]
    new_pending = [o for o in result.outcomes if o.status == "pending" and o.pod.key not in was_pending]
    new_pdb = [(p, e) for e in result.evictions for p in e.pdb_violated if p not in was_violated]

    blame = _Blame(result, change_files or set())
    outcomes: list[PolicyOutcome] = []
    for name in policies.names():
        po = PolicyOutcome(name, policies.describe(name))
        if name == EVICTION:
            po.violations = [blame.eviction(EVICTION, e) for e in new_evictions]
        elif name == PROTECTED_EVICTION:
            for e in new_evictions:
                victim = blame.pod(e.pod)
                why = policies.protect.why(victim) if victim is not None else None
                if why:
                    po.violations.append(blame.eviction(PROTECTED_EVICTION, e, f"; protected: {why}"))
        elif name == PENDING:
            for o in new_pending:
                if policies.pending_classes and o.pod.priority_class_name not in policies.pending_classes:
                    continue
                po.violations.append(blame.pending(o))
        elif name == PDB:
            po.violations = [blame.pdb(p, e) for p, e in new_pdb]
        elif name == MISSING_CLASS:
            po.violations = [Violation(MISSING_CLASS, r.key, r.message(), *_file_line(r.source)) for r in missing]
        outcomes.append(po)
    return CheckResult(result, baseline, policies, outcomes, new_evictions, new_pending, new_pdb, list(missing))


def _file_line(source: Source | None) -> tuple[str | None, int | None]:
    """A file name for annotations: relative to the working directory when it is under it."""
    if source is None:
        return None, None
    name = source.file
    if os.path.isabs(name):
        try:
            rel = os.path.relpath(name)
        except ValueError:  # another drive (Windows)
            rel = name
        if not rel.startswith(".."):
            name = rel
    return name, source.line


def _pod_text(pod: Pod) -> str:
    cls = f", {pod.priority_class_name}" if pod.priority_class_name else ""
    return f"{pod.key} (priority {pod.priority}{cls})"


class _Blame:
    """Messages for violations, and the manifest (file, line) that introduced what caused them."""

    def __init__(self, result: SimulationResult, change_files: set[str]) -> None:
        self.outcomes = {o.pod.key: o for o in result.outcomes}
        self.by_victim = {e.pod: e for e in result.evictions}
        self.change_files = change_files

    def pod(self, key: str) -> Pod | None:
        o = self.outcomes.get(key)
        return o.pod if o is not None else None

    def origin(self, key: str, depth: int = 0) -> Source | None:
        """Where the pod came from; for a replacement pod, where the preemptor of its original came from."""
        pod = self.pod(key)
        if pod is None:
            return None
        if pod.replaces and depth < 8:
            ev = self.by_victim.get(pod.replaces)
            if ev is not None:
                src = self.origin(ev.preemptor, depth + 1)
                if src is not None:
                    return src
        return pod.source

    def cause(self, e: Eviction) -> Source | None:
        """The preemptor's manifest when it is part of the change, else the victim's."""
        src = self.origin(e.preemptor)
        if src is not None and (src.file in self.change_files or not self.change_files):
            return src
        victim = self.pod(e.pod)
        return src or (victim.source if victim is not None else None)

    def eviction(self, policy: str, e: Eviction, extra: str = "") -> Violation:
        victim = self.pod(e.pod)
        preemptor = self.pod(e.preemptor)
        what = _pod_text(victim) if victim is not None else e.pod
        by = _pod_text(preemptor) if preemptor is not None else e.preemptor
        pdb = f", violating PodDisruptionBudget {', '.join(e.pdb_violated)}" if e.pdb_violated else ""
        msg = f"{what} is evicted from {e.node} by {by}{pdb}{extra}"
        return Violation(policy, e.pod, msg, *_file_line(self.cause(e)))

    def pending(self, o: PodOutcome) -> Violation:
        head = _pod_text(o.pod)
        if o.pod.replaces:
            head += f", the replacement of evicted {o.pod.replaces},"
        if o.message:
            why = o.message
        elif o.nominated_node:
            why = f"nominated to {o.nominated_node}, waiting for its victims to leave"
        else:
            why = "not scheduled"
        return Violation(PENDING, o.pod.key, f"{head} stays Pending: {why}", *_file_line(self.origin(o.pod.key)))

    def pdb(self, pdb: str, e: Eviction) -> Violation:
        msg = (f"PodDisruptionBudget {pdb} is violated: evicting {e.pod} from {e.node} (preempted by "
               f"{e.preemptor}) exceeds its disruptionsAllowed")
        return Violation(PDB, e.pod, msg, *_file_line(self.cause(e)))


# ------------------------------------------------------------------ the human summary


def summary_text(s: dict[str, int]) -> str:
    return (f"{s['pods']} pod{'s' if s['pods'] != 1 else ''}: {s['running']} running, {s['scheduled']} scheduled, "
            f"{s['pending']} pending, {s['evicted']} evicted on {s['nodes']} node{'s' if s['nodes'] != 1 else ''}")


def render_text(check: CheckResult, console: Console) -> None:
    """A short summary for people: the verdict, what the change causes, each policy and its violations."""
    from rich.text import Text

    style = "green" if check.passed else "red"
    console.print(Text(f"priocli check {check.headline()}", style=f"bold {style}"))
    if check.baseline is not None:
        console.print(Text(f"current state: {summary_text(check.baseline.summary())}"))
        console.print(Text(f"with the change: {summary_text(check.result.summary())}"))
        n_e, n_p, n_b = len(check.new_evictions), len(check.new_pending), len({p for p, _ in check.new_pdb})
        console.print(Text(f"the change causes: {n_e} newly evicted, {n_p} newly pending, "
                           f"{n_b} PodDisruptionBudget{'s' if n_b != 1 else ''} newly violated"))
    else:
        console.print(Text(f"absolute outcome (no baseline): {summary_text(check.result.summary())}"))
    console.print()
    for o in check.outcomes:
        line = Text("PASS " if o.passed else "FAIL ", style="green" if o.passed else "bold red")
        line.append(f"{o.name}: {o.description}")
        if not o.passed:
            line.append(f" ({o.headline()})")
        console.print(line, soft_wrap=True)
        for v in o.violations[:MAX_LISTED]:
            t = Text(f"  - {v.message}")
            if v.where():
                t.append(f"  [{v.where()}]", style="dim")
            console.print(t, soft_wrap=True)
        if len(o.violations) > MAX_LISTED:
            console.print(Text(f"  ... and {len(o.violations) - MAX_LISTED} more (--format json lists all)",
                               style="dim"))
    if check.result.warnings:
        n = len(check.result.warnings)
        console.print()
        console.print(Text(f"{n} warning{'s' if n != 1 else ''} (priocli simulate lists them)", style="yellow"))
