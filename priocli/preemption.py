"""DefaultPreemption (the only PostFilter of the default profile), v1.29.4 semantics.

Eligibility, candidate nodes (every node whose filter status is not
UnschedulableAndUnresolvable), SelectVictimsOnNode (remove every lower-priority pod,
check the preemptor fits, then reprieve PDB-violating pods first and the rest after, each
in MoreImportantPod order), and pickOneNodeForPreemption's criteria in order. The last,
random criterion of kube-scheduler is replaced by node name order. Every potential node
is dry-run (kube-scheduler samples max(10%, 100) of them on large clusters).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from priocli.framework import (
    NO_STATUS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    Status,
    format_fit_error,
    unresolvable,
)
from priocli.model import NEVER, Pod, PodDisruptionBudget
from priocli.scheduler import Diagnosis, Scheduler

NAME = "DefaultPreemption"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
MAX_INT32_PLUS_1 = 2**31
NOW = math.inf  # GetPodStartTime of a pod without status.startTime: "now", later than any recorded time

CRITERIA = (
    "fewest PDB violations",
    "lowest priority of the first victim",
    "lowest sum of victim priorities",
    "fewest victims",
    "latest start time of the highest-priority victims",
    "node name order",
)


@dataclass(slots=True)
class Candidate:
    node: int
    victims: list[Pod]
    num_pdb_violations: int
    reprieved: list[Pod] = field(default_factory=list)


@dataclass(slots=True)
class PreemptionResult:
    nominated_node: int | None  # the chosen node, or None
    victims: list[Pod]
    message: str  # PostFilter message ("" when a node was nominated)
    clear_nomination: bool  # the preemptor's nominatedNodeName is cleared
    candidates: list[Candidate] = field(default_factory=list)
    eliminated: dict[int, str] = field(default_factory=dict)  # node -> criterion that eliminated it
    dry_run_statuses: dict[int, Status] = field(default_factory=dict)


def _start(t: float | None) -> float:
    return NOW if t is None else t


def pdb_violation_split(pods: Sequence[Pod], pdbs: Sequence[PodDisruptionBudget]) -> tuple[list[Pod], list[Pod]]:
    """filterPodsWithPDBViolation: budgets are decremented for each potential victim in order."""
    allowed = [pdb.disruptions_allowed for pdb in pdbs]
    violating, ok = [], []
    for pod in pods:
        violated = False
        if pod.labels:
            for i, pdb in enumerate(pdbs):
                if not pdb.selects(pod) or pod.name in pdb.disrupted_pods:
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else ok).append(pod)
    return violating, ok


class Preemptor:
    def __init__(self, scheduler: Scheduler, pdbs: Sequence[PodDisruptionBudget]) -> None:
        self.sched = scheduler
        self.state = scheduler.state
        self.pdbs = list(pdbs)

    # ------------------------------------------------------------------ eligibility

    def eligible(self, pod: Pod, diag: Diagnosis) -> str | None:
        """None when eligible, else the reason message."""
        if pod.preemption_policy == NEVER:
            return NOT_ELIGIBLE_NEVER
        nom = self.state.nominated_node.get(pod.uid)
        if nom is not None:
            if diag.codes[nom] == UNSCHEDULABLE_AND_UNRESOLVABLE:
                return None
            for other in self.state.pods_on[nom].values():
                if other.priority < pod.priority and other.terminating and other.disruption_target_by_scheduler:
                    return NOT_ELIGIBLE_TERMINATING
        return None

    # ------------------------------------------------------------------ dry run

    def select_victims_on_node(self, pod: Pod, diag: Diagnosis, node_index: int) -> Candidate | Status:
        sched = self.sched
        view = self.state.view(node_index)
        cycle = diag.cycle.copy() if diag.cycle is not None else None
        assert cycle is not None
        node = view.node
        potential = [p for p in view.pods if p.priority < pod.priority]
        if not potential:
            return unresolvable(NAME, NO_VICTIMS)
        for p in potential:
            view.remove_pod(p)
            cycle.remove_pod(p, node)
        st = sched.filter_with_nominated(pod, cycle, view)
        if st is not None:
            return st
        start_of = self.state.start_of
        # MoreImportantPod: higher priority first, then the earlier start time (stable: node order).
        potential.sort(key=lambda p: (-p.priority, _start(start_of(p))))
        violating, non_violating = pdb_violation_split(potential, self.pdbs)
        victims: list[Pod] = []
        reprieved: list[Pod] = []
        num_violations = 0
        for group, is_violating in ((violating, True), (non_violating, False)):
            for p in group:
                view.add_pod(p)
                cycle.add_pod(p, node)
                if sched.filter_with_nominated(pod, cycle, view) is None:
                    reprieved.append(p)
                else:
                    view.remove_pod(p)
                    cycle.remove_pod(p, node)
                    victims.append(p)
                    if is_violating:
                        num_violations += 1
        if not victims:
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (f'expected at least one victim pod on node "{node.name}"',),
                          NAME)
        return Candidate(node_index, victims, num_violations, reprieved)

    # ------------------------------------------------------------------ the whole PostFilter

    def preempt(self, pod: Pod, diag: Diagnosis) -> PreemptionResult:
        reason = self.eligible(pod, diag)
        if reason is not None:
            return PreemptionResult(None, [], f"preemption: {reason}", clear_nomination=False)
        codes = diag.codes
        uu = np.nonzero(codes == UNSCHEDULABLE_AND_UNRESOLVABLE)[0]
        potential = np.nonzero((codes == UNSCHEDULABLE) | (codes == NO_STATUS))[0]
        statuses: dict[int, Status] = {}
        not_helpful = unresolvable(NAME, NOT_HELPFUL)
        if potential.size == 0:
            msg = format_fit_error(len(uu), {NOT_HELPFUL: len(uu)} if len(uu) else {})
            return PreemptionResult(None, [], f"preemption: {msg}", clear_nomination=True)
        order = potential[np.argsort(self.sched.name_rank[potential], kind="stable")]
        candidates: list[Candidate] = []
        for i in order.tolist():
            res = self.select_victims_on_node(pod, diag, i)
            if isinstance(res, Candidate):
                candidates.append(res)
            else:
                statuses[i] = res
        if not candidates:
            hist: dict[str, int] = {}
            for st in statuses.values():
                for r in st.reasons:
                    hist[r] = hist.get(r, 0) + 1
            if len(uu):
                hist[NOT_HELPFUL] = hist.get(NOT_HELPFUL, 0) + len(uu)
            msg = format_fit_error(len(statuses) + len(uu), hist)
            res = PreemptionResult(None, [], f"preemption: {msg}", clear_nomination=True)
            res.dry_run_statuses = statuses
            for i in uu.tolist():
                res.dry_run_statuses[i] = not_helpful
            return res
        best, eliminated = pick_one_node(candidates, lambda p: _start(self.state.start_of(p)))
        res = PreemptionResult(best.node, best.victims, "", clear_nomination=False, candidates=candidates,
                               eliminated=eliminated, dry_run_statuses=statuses)
        return res


def _earliest_start_of_highest(victims: Sequence[Pod], start_time: Callable[[Pod], float]) -> float:
    """GetEarliestPodStartTime: earliest start among the victims of the highest priority."""
    top = victims[0].priority
    earliest = start_time(victims[0])
    for p in victims:
        if p.priority == top:
            earliest = min(earliest, start_time(p))
        elif p.priority > top:
            top = p.priority
            earliest = start_time(p)
    return earliest


def pick_one_node(candidates: list[Candidate], start_time: Callable[[Pod], float]
                  ) -> tuple[Candidate, dict[int, str]]:
    """pickOneNodeForPreemption; candidates arrive in node name order, which breaks the final tie."""
    scores = (
        lambda c: -c.num_pdb_violations,
        lambda c: -c.victims[0].priority,  # v1.29.4: victims[0], the first PDB-violating victim if any
        lambda c: -sum(p.priority + MAX_INT32_PLUS_1 for p in c.victims),
        lambda c: -len(c.victims),
        lambda c: _earliest_start_of_highest(c.victims, start_time),
    )
    eliminated: dict[int, str] = {}
    remaining = list(candidates)
    for criterion, fn in zip(CRITERIA, scores, strict=False):
        if len(remaining) == 1:
            break
        values = [fn(c) for c in remaining]
        best = max(values)
        keep = []
        for c, v in zip(remaining, values, strict=True):
            if v == best:
                keep.append(c)
            else:
                eliminated[c.node] = criterion
        remaining = keep
    for c in remaining[1:]:
        eliminated[c.node] = CRITERIA[-1]
    return remaining[0], eliminated
