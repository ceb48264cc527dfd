"""``priocli explain``: why one pod ends where it ends, and what would change that.

Every verdict is read from the engine, never re-derived: the traced attempts of the pass
(:class:`~priocli.simulator.Attempt`: the filter status of every node, the weighted scores,
the preemption dry run with its candidates, eliminated nodes and reprieve steps). The
what-if answers come from re-running the whole pass on a modified
:class:`~priocli.load.cluster.ClusterInput` (one more node like an existing one, another
priority value, one more toleration, one more node label) and reading its outcome.

:func:`explain_pod` returns an :class:`Explanation`: plain dataclasses of strings, numbers
and lists (``as_dict()`` gives the JSON form, camelCase keys) that
:mod:`priocli.render.explain` prints.
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timezone
from typing import Any

from priocli.errors import PriocliError
from priocli.framework import (
    NO_STATUS,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    Status,
    unresolvable,
)
from priocli.load.cluster import ClusterInput
from priocli.model import (
    CPU,
    EPHEMERAL,
    MEMORY,
    NEVER,
    PODS,
    PREEMPT_LOWER,
    Node,
    NodeSelectorTerm,
    Pod,
    Taint,
    Toleration,
)
from priocli.plugins import (
    interpodaffinity,
    nodeaffinity,
    nodename,
    nodeports,
    noderesources,
    nodeunschedulable,
    podtopologyspread,
    tainttoleration,
)
from priocli.preemption import (
    CRITERIA,
    MAX_INT32_PLUS_1,
    NO_VICTIMS,
    NOT_ELIGIBLE_NEVER,
    NOT_ELIGIBLE_TERMINATING,
    NOT_HELPFUL,
    Candidate,
    PreemptionResult,
    _earliest_start_of_highest,
    _start,
)
from priocli.preemption import NAME as PREEMPTION_NAME
from priocli.quantity import format_bytes, format_cpu
from priocli.result import SimulationResult
from priocli.scheduler import STATIC_FILTERS, Diagnosis, Scheduler
from priocli.simulator import RECREATING_CONTROLLERS, Attempt, Options, Simulation

API_VERSION = "priocli/v1"
KIND = "PodExplanation"

# The filters in the order Scheduler.filter_view runs them (volume plugins are not modeled).
FILTER_ORDER: tuple[str, ...] = (*(p.NAME for p in STATIC_FILTERS), nodeports.NAME, noderesources.NAME,
                                 podtopologyspread.NAME, interpodaffinity.NAME)
CODE_NAMES = {UNSCHEDULABLE: "Unschedulable", UNSCHEDULABLE_AND_UNRESOLVABLE: "UnschedulableAndUnresolvable"}
MAX_USER_PRIORITY = 1_000_000_000  # the highest value a user-defined PriorityClass may have
DEFAULT_MAX_RERUNS = 40  # what-if re-runs of the whole pass, all searches together
DEFAULT_WHAT_IF_SECONDS = 60.0  # and the time they may take (one pass of a large cluster takes seconds)
MAX_CAPACITY_SHAPES = 10  # node shapes tried for the capacity answer, smallest first
MAX_PLACEMENT_FIXES = 4  # toleration / label changes verified, the ones opening most nodes first
HOSTNAME = "kubernetes.io/hostname"
PLACEMENT_PLUGINS = (nodeunschedulable.NAME, tainttoleration.NAME, nodeaffinity.NAME)

# kubectl's resource names and short names -> the controller kind owning the pods
WORKLOAD_KINDS: dict[str, str] = {
    "deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
    "replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
    "statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
    "daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
    "job": "Job", "jobs": "Job",
    "cronjob": "CronJob", "cronjobs": "CronJob", "cj": "CronJob",
    "replicationcontroller": "ReplicationController", "replicationcontrollers": "ReplicationController",
    "rc": "ReplicationController",
}


class PodNotFoundError(PriocliError):
    """The POD argument names no pod of the pass; ``matches`` are the closest ``namespace/name`` keys."""

    def __init__(self, query: str, matches: Sequence[str], detail: str = "") -> None:
        self.query = query
        self.matches = list(matches)
        msg = f'pod "{query}" not found'
        if detail:
            msg += f" ({detail})"
        if self.matches:
            msg += "; did you mean: " + ", ".join(self.matches) + "?"
        super().__init__(msg)


# ====================================================================== the data structure


@dataclass(slots=True)
class PodInfo:
    namespace: str
    name: str
    priority: int
    priority_class_name: str | None
    preemption_policy: str
    initial: str  # running | queued | replacement
    status: str  # running | pending | evicted
    node: str | None
    nominated_node: str | None
    replaces: str | None
    owner: str | None  # "Kind/name" of the controller


@dataclass(slots=True)
class AttemptSummary:
    cycle: int
    result: str  # scheduled | nominated | failed
    node: str | None  # scheduled: the node; nominated: the nominated node
    nominated_node_first: bool  # scheduled on its nominated node, tried first, without scoring
    victims: list[str]  # nominated: the pods its preemption evicted
    message: str | None  # failed / nominated: the FailedScheduling message of the attempt


@dataclass(slots=True)
class FilterVerdict:
    plugin: str
    verdict: str  # pass | fail | not evaluated
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class NodeGroup:
    """Nodes that got the same verdict in one attempt (or in the preemption dry run)."""

    verdict: str  # feasible | failed | not evaluated
    text: str  # the status reasons joined ("" when feasible)
    plugin: str | None
    code: str | None  # Unschedulable | UnschedulableAndUnresolvable
    nodes: list[str]
    filters: list[FilterVerdict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.nodes)


@dataclass(slots=True)
class NodeVerdicts:
    cycle: int
    attempt: int  # 1-based index of the attempt these verdicts come from
    total: int  # nodes in the cluster
    feasible: int
    prefilter: str | None  # a PreFilter rejection: every node got that status
    error: str | None  # a scheduler error (no FitError)
    note: str | None
    groups: list[NodeGroup]


@dataclass(slots=True)
class NodeScore:
    node: str
    total: int
    plugins: dict[str, int]


@dataclass(slots=True)
class Scoring:
    cycle: int
    chosen: str
    scored: bool  # False: one feasible node, or the nominated node tried first: no scoring
    nodes: list[NodeScore]  # by total, highest first, then node name
    why: str
    tie: list[str]  # the nodes sharing the highest total, when the tie rule decided
    runner_up: str | None
    margin: int | None
    differences: dict[str, int]  # plugin -> chosen minus runner-up (non-zero only)


@dataclass(slots=True)
class PodRef:
    pod: str
    priority: int
    start_time: str | None  # ISO 8601; None: no start time (counts as "now")
    simulated_start: bool  # bound during the pass: the start time is the simulated one
    pdb_violating: bool


@dataclass(slots=True)
class ReprieveStep:
    order: int
    pod: str
    priority: int
    start_time: str | None
    pdb_violating: bool
    result: str  # reprieved | victim
    plugin: str | None  # victim: the filter that failed with the pod added back
    reasons: list[str]


@dataclass(slots=True)
class CandidateInfo:
    node: str
    chosen: bool
    eliminated_by: str | None  # the pickOneNodeForPreemption criterion that dropped it
    victims: list[PodRef]
    num_pdb_violations: int
    figures: dict[str, Any]  # criterion -> this candidate's value (what the criterion compares)
    reprieve: list[ReprieveStep]


@dataclass(slots=True)
class PreemptionInfo:
    cycle: int | None
    needed: bool  # False: a node fit, preemption never ran
    eligible: bool | None
    reason: str | None  # why not eligible / why no candidate / how the node was chosen
    message: str | None  # the PostFilter message (None when a node was nominated)
    nominated_node: str | None
    candidates: list[CandidateInfo]
    deciding_criterion: str | None
    not_candidates: list[NodeGroup]  # nodes preemption did not try or whose dry run failed


@dataclass(slots=True)
class EvictionStory:
    preemptor: str
    preemptor_priority: int
    node: str
    cycle: int | None
    pdb_violated: list[str]
    pdb_violating_in_dry_run: bool | None
    why: str
    victim_step: ReprieveStep | None
    reprieve: list[ReprieveStep]  # the whole reprieve order on the node
    reprieved_neighbours: list[str]
    other_candidates: dict[str, str]  # node -> criterion that eliminated it
    replacement: str | None
    replacement_status: str | None
    replacement_node: str | None
    replacement_message: str | None
    replacement_note: str


@dataclass(slots=True)
class Trial:
    """One re-run of the pass with a change."""

    change: str
    runs: bool
    node: str | None
    evicts: list[str]  # pods the explained pod evicts in that pass
    message: str | None  # still pending: its message
    evictions_in_pass: int
    added_node_verdict: str | None = None  # capacity trials: the pod's last filter verdict on the first added node


@dataclass(slots=True)
class CapacityWhatIf:
    answer: str | None
    like: str | None  # the existing node whose shape the extra node copies
    count: int | None  # how many such nodes
    allocatable: dict[str, str]  # the extra node's cpu/memory/... as quantities
    scaled: dict[str, int]  # resource -> multiple of the shape's allocatable (when an existing shape is too small)
    trials: list[Trial]
    cut_short: bool
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PriorityWhatIf:
    question: str  # "runs" (pending / preemptor) or "not evicted" (victim)
    current: int
    policy: str
    blocked_by_never: bool
    with_preemption_at_current: Trial | None  # preemptionPolicy Never: the same pod with PreemptLowerPriority
    lowest: int | None
    at_lowest: Trial | None
    answer: str
    trials: list[tuple[int, bool]]  # (priority, outcome as asked) for every value tried
    cut_short: bool


@dataclass(slots=True)
class PlacementFix:
    kind: str  # toleration | label
    change: str  # "dedicated=gpu:NoSchedule" / "disktype=ssd on the nodes" ...
    nodes: list[str]  # the nodes the change targets
    opened: list[str]  # those of them that pass the blocking filter afterwards
    after: list[NodeGroup]  # their verdicts after the change
    trial: Trial | None
    answer: str


@dataclass(slots=True)
class WhatIf:
    reruns: int
    max_reruns: int
    cut_short: bool  # a search stopped early: stopped_by says what stopped it
    capacity: CapacityWhatIf | None
    priority: PriorityWhatIf | None
    placement: list[PlacementFix]
    notes: list[str]
    stopped_by: str | None = None  # "max-reruns" | "what-if-seconds"


@dataclass(slots=True)
class Explanation:
    query: str
    resolved: str | None  # "deployment/web has 3 pods: explaining the first, default/web-x"
    pod: PodInfo
    outcome: str  # one line
    message: str | None  # pending: the FailedScheduling message, identical to the report's
    attempts: list[AttemptSummary]
    nodes: NodeVerdicts | None
    scoring: Scoring | None
    preemption: PreemptionInfo | None
    preempted: list[str]  # pods this pod evicted
    eviction: EvictionStory | None
    what_if: WhatIf | None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        body = _json(self)
        assert isinstance(body, dict)
        return {"apiVersion": API_VERSION, "kind": KIND, **body}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _json(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        out = {_camel(f.name): _json(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, NodeGroup):
            out["count"] = obj.count
        return out
    if isinstance(obj, dict):
        return {k: _json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json(v) for v in obj]
    return obj


# ====================================================================== running the pass


class _Run:
    """One pass with some pods traced."""

    def __init__(self, cluster: ClusterInput, trace: Iterable[str]) -> None:
        self.cluster = cluster
        self.sim = Simulation(cluster, Options(trace=frozenset(trace)))
        self.result: SimulationResult = self.sim.run()
        assert self.sim.scheduler is not None
        self.sched: Scheduler = self.sim.scheduler
        self.outcomes = {o.pod.key: o for o in self.result.outcomes}

    def attempts(self, key: str) -> list[Attempt]:
        return self.sim.traces.get(key, [])

    def name(self, i: int) -> str:
        return self.sched.nodes[i].name

    def status(self, diag: Diagnosis, i: int) -> Status | None:
        return self.sched.status(diag, i)

    def start(self, pod: Pod) -> tuple[str | None, bool]:
        t = self.sched.state.start_of(pod)
        return (None if t is None else _iso(t)), pod.uid in self.sched.state.bound_start

    def start_value(self, pod: Pod) -> float:
        return _start(self.sched.state.start_of(pod))

    def evicted_by(self, key: str) -> list[str]:
        return [e.pod for e in self.result.evictions if e.preemptor == key]


def _iso(t: float) -> str:
    if math.isinf(t):
        return "now"
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ====================================================================== finding the pod


def resolve_pod(query: str, pods: Sequence[Pod]) -> tuple[str, str | None]:
    """``namespace/name``, ``name``, or a workload (``deployment/web``, ``ns/job/x``) -> a pod key.

    Returns the key and, for a workload, a sentence saying which of its pods was picked (never a
    replacement made during the pass). Raises :class:`PodNotFoundError` listing close matches.
    """
    keys = [p.key for p in pods]
    keyset = set(keys)
    if query in keyset:
        return query, None
    parts = query.split("/")
    if len(parts) == 1:
        same = [k for k in keys if k.split("/", 1)[1] == query]
        if len(same) == 1:
            return same[0], None
        if len(same) > 1:
            raise PodNotFoundError(query, sorted(same), "the name is in several namespaces; give namespace/name")
    workload = _resolve_workload(parts, pods)
    if workload is not None:
        return workload
    raise PodNotFoundError(query, close_matches(query, keys))


def close_matches(query: str, keys: Sequence[str], n: int = 5) -> list[str]:
    """Keys close to ``query`` (difflib), compared on namespace/name and on the name alone."""
    found = difflib.get_close_matches(query, keys, n=n, cutoff=0.6)
    name = query.rsplit("/", 1)[-1]
    by_name: dict[str, list[str]] = {}
    for k in keys:
        by_name.setdefault(k.split("/", 1)[1], []).append(k)
    for m in difflib.get_close_matches(name, list(by_name), n=n, cutoff=0.6):
        found.extend(by_name[m])
    out: list[str] = []
    for k in found:
        if k not in out:
            out.append(k)
    return out[:n]


def _resolve_workload(parts: list[str], all_pods: Sequence[Pod]) -> tuple[str, str] | None:
    if len(parts) == 2:
        namespace, (kind_word, name) = None, parts
    elif len(parts) == 3:
        namespace, kind_word, name = parts
    else:
        return None
    kind = WORKLOAD_KINDS.get(kind_word.lower())
    if kind is None or not name:
        return None
    pods = [p for p in all_pods if p.replaces is None and (namespace is None or p.namespace == namespace)
            and _owned_by(p, kind, name)]
    if not pods:
        return None
    pods.sort(key=lambda p: (p.namespace, p.name))
    first = pods[0].key
    what = f"{kind_word}/{name}"
    if len(pods) == 1:
        return first, f"{what} has 1 pod: {first}"
    others = ", ".join(p.key for p in pods[1:4]) + (", ..." if len(pods) > 4 else "")
    return first, f"{what} has {len(pods)} pods: explaining the first, {first} (also: {others})"


def _owned_by(pod: Pod, kind: str, name: str) -> bool:
    owner = pod.owner
    if owner is None:
        return False
    if kind == "Deployment":
        if owner.kind != "ReplicaSet":
            return False
        h = pod.labels.get("pod-template-hash")
        return owner.name == f"{name}-{h}" if h else owner.name.rsplit("-", 1)[0] == name
    if kind == "CronJob":
        return owner.kind == "Job" and owner.name.rsplit("-", 1)[0] == name
    return owner.kind == kind and owner.name == name


# ====================================================================== the explanation


def explain_pod(cluster: ClusterInput, query: str, *, max_reruns: int = DEFAULT_MAX_RERUNS,
                what_if_seconds: float | None = DEFAULT_WHAT_IF_SECONDS) -> Explanation:
    """Explain one pod's outcome in the pass over ``cluster``.

    ``max_reruns`` caps the what-if re-runs of the pass (0: none), ``what_if_seconds`` the time
    they may take (None: no limit); a search stopped by either says it was cut short.
    """
    try:  # a pod of the input: trace it in the first pass already
        key: str | None
        key, resolved = resolve_pod(query, cluster.pods)
    except PodNotFoundError:
        key, resolved = None, None
    base = _Run(cluster, [key] if key else [])
    if key is None:  # a replacement created during the pass, or nothing (close matches then include those)
        key, resolved = resolve_pod(query, [o.pod for o in base.result.outcomes])
    outcome = base.outcomes[key]
    trace = {key}
    if outcome.status == "evicted" and outcome.preempted_by:
        trace.add(outcome.preempted_by)
    if trace != set(base.sim.options.trace):
        base = _Run(cluster, trace)
    deadline = None if what_if_seconds is None else time.perf_counter() + what_if_seconds
    return _Explainer(base, key, query, resolved, max_reruns, deadline).build()


class _Explainer:
    def __init__(self, run: _Run, key: str, query: str, resolved: str | None, max_reruns: int,
                 deadline: float | None = None) -> None:
        self.run = run
        self.key = key
        self.query = query
        self.resolved = resolved
        self.outcome = run.outcomes[key]
        self.pod = self.outcome.pod
        self.attempts = run.attempts(key)
        self.max_reruns = max(0, max_reruns)
        self.reruns = 0
        self.cut_short = False
        self.deadline = deadline
        self.timed_out = False

    # ------------------------------------------------------------------ assembly

    def build(self) -> Explanation:
        o, pod = self.outcome, self.pod
        info = PodInfo(pod.namespace, pod.name, pod.priority, pod.priority_class_name, pod.preemption_policy,
                       o.initial, o.status, o.node, o.nominated_node, pod.replaces,
                       f"{pod.owner.kind}/{pod.owner.name}" if pod.owner else None)
        full = self._last_full_attempt()
        pre_attempt = self._last_preemption_attempt()
        preempted = self.run.evicted_by(self.key)
        nodes = self._node_verdicts(full) if full is not None else None
        scoring = self._scoring()
        preemption = self._preemption(pre_attempt)
        eviction = self._eviction() if o.status == "evicted" else None
        notes: list[str] = []
        if o.initial == "running" and pod.key not in {e.pod for e in self.run.result.evictions}:
            notes.append("bound to its node in the input: the pass never scheduled it, so there is no "
                         "scheduling attempt to explain")
        what_if = self._what_if(full)
        return Explanation(
            query=self.query, resolved=self.resolved, pod=info, outcome=self._outcome_line(preemption, preempted),
            message=o.message if o.status == "pending" else None, attempts=self._attempt_summaries(),
            nodes=nodes, scoring=scoring, preemption=preemption, preempted=preempted, eviction=eviction,
            what_if=what_if, notes=notes)

    def _last_full_attempt(self) -> Attempt | None:
        """The last attempt that filtered every node (an attempt on the nominated node alone is skipped)."""
        for a in reversed(self.attempts):
            if not a.nominated_node_first:
                return a
        return None

    def _last_preemption_attempt(self) -> Attempt | None:
        for a in reversed(self.attempts):
            if a.preemption is not None:
                return a
        return None

    def _attempt_summaries(self) -> list[AttemptSummary]:
        out = []
        for a in self.attempts:
            p = a.preemption
            if a.node is not None and a.message is None:
                out.append(AttemptSummary(a.cycle, "scheduled", self.run.name(a.node), a.nominated_node_first, [],
                                          None))
            elif p is not None and p.nominated_node is not None:
                out.append(AttemptSummary(a.cycle, "nominated", self.run.name(p.nominated_node), False,
                                          [v.key for v in p.victims], a.message))
            else:
                out.append(AttemptSummary(a.cycle, "failed", None, False, [], a.message))
        return out

    def _outcome_line(self, pre: PreemptionInfo | None, preempted: list[str]) -> str:
        line = self._outcome(pre, preempted)
        if self.pod.replaces:
            line = f"replacement for {self.pod.replaces}, {line}"
        return line

    def _outcome(self, pre: PreemptionInfo | None, preempted: list[str]) -> str:
        o = self.outcome
        n = len(self.attempts)
        tries = f"{n} attempt{'s' if n != 1 else ''}"
        if o.status == "evicted":
            line = f"evicted from {o.node} by {o.preempted_by}"
            pdbs = self._eviction_record_pdbs()
            if pdbs:
                line += f", violating PodDisruptionBudget {', '.join(pdbs)}"
            return line
        if o.status == "running":
            if o.initial == "running":
                return f"running on {o.node}, where the input binds it (never scheduled by the pass)"
            line = f"scheduled on {o.node} after {tries}"
            if preempted:
                line += f", by preempting {len(preempted)} pod{'s' if len(preempted) != 1 else ''}: " + ", ".join(
                    preempted)
            return line
        # pending
        if not self.attempts:
            return "pending: the scheduler never tried it (see the message)"
        if o.nominated_node:
            return (f"pending after {tries}, nominated to {o.nominated_node} (its preemption is done, "
                    f"the pod is not bound yet)")
        line = f"pending after {tries}: no node fits"
        if pre is not None and pre.reason:
            line += f"; {pre.reason}"
        return line

    def _eviction_record_pdbs(self) -> list[str]:
        for e in self.run.result.evictions:
            if e.pod == self.key:
                return list(e.pdb_violated)
        return []

    # ------------------------------------------------------------------ filters

    def _node_verdicts(self, a: Attempt) -> NodeVerdicts:
        run, diag = self.run, a.diagnosis
        total = len(run.sched.nodes)
        groups: dict[tuple, NodeGroup] = {}
        note = None
        for i in range(total):
            code = int(diag.codes[i])
            name = run.name(i)
            if code == SUCCESS:
                gk: tuple = ("feasible",)
                if gk not in groups:
                    groups[gk] = NodeGroup("feasible", "", None, None, [],
                                           [FilterVerdict(p, "pass") for p in FILTER_ORDER])
            elif code == NO_STATUS:
                gk = ("not evaluated",)
                if gk not in groups:
                    groups[gk] = NodeGroup("not evaluated", "not filtered in this attempt", None, None, [])
                    note = ("nodes outside the PreFilterResult (NodeAffinity matchFields metadata.name) are not "
                            "filtered and get no status")
            else:
                st = run.status(diag, i)
                assert st is not None
                gk = ("failed", st)
                if gk not in groups:
                    groups[gk] = NodeGroup("failed", ", ".join(st.reasons), st.plugin, CODE_NAMES.get(st.code),
                                           [], _filter_chain(st, bool(diag.prefilter_msg)))
            groups[gk].nodes.append(name)
        ordered = sorted(groups.values(), key=lambda g: (g.verdict != "feasible", g.verdict == "not evaluated",
                                                        -g.count, g.text))
        for g in ordered:
            g.nodes.sort()
        return NodeVerdicts(a.cycle, self.attempts.index(a) + 1, total, int((diag.codes == SUCCESS).sum()),
                            diag.prefilter_msg or None, diag.error or None, note, ordered)

    # ------------------------------------------------------------------ scores

    def _scoring(self) -> Scoring | None:
        bound = [a for a in self.attempts if a.node is not None and a.message is None]
        if not bound:
            return None
        a = bound[-1]
        run = self.run
        assert a.node is not None
        chosen = run.name(a.node)
        if a.nominated_node_first:
            return Scoring(a.cycle, chosen, False, [], f"its nominated node {chosen} was tried first and fit: taken "
                           "without filtering the other nodes or scoring", [], None, None, {})
        if a.scores is None:
            return Scoring(a.cycle, chosen, False, [], f"{chosen} was the only feasible node: chosen without scoring",
                           [], None, None, {})
        sb = a.scores
        rows = [NodeScore(run.name(i), int(sb.totals[k]), {p: int(v[k]) for p, v in sb.plugins.items()})
                for k, i in enumerate(sb.nodes)]
        rows.sort(key=lambda r: (-r.total, r.node))
        best = rows[0].total
        tie = [r.node for r in rows if r.total == best]
        mine = next(r for r in rows if r.node == chosen)
        if len(tie) > 1:
            why = (f"{len(tie)} nodes tie at the highest total {best} ({', '.join(tie)}): priocli takes the one whose "
                   f"name sorts first, {chosen} (kube-scheduler picks one of them at random)")
            return Scoring(a.cycle, chosen, True, rows, why, tie, None, 0, {})
        runner = rows[1]
        diff = {p: mine.plugins[p] - runner.plugins.get(p, 0) for p in mine.plugins
                if mine.plugins[p] != runner.plugins.get(p, 0)}
        lead = sorted(((v, p) for p, v in diff.items() if v > 0), reverse=True)
        why = f"highest total {best}, {best - runner.total} more than {runner.node} ({runner.total})"
        if lead:
            why += "; ahead on " + ", ".join(f"{p} (+{v})" for v, p in lead)
        return Scoring(a.cycle, chosen, True, rows, why, [], runner.node, best - runner.total, diff)

    # ------------------------------------------------------------------ preemption

    def _preemption(self, a: Attempt | None) -> PreemptionInfo | None:
        if not self.attempts:
            return None
        if a is None:
            last = self.attempts[-1]
            if last.diagnosis.error:
                return PreemptionInfo(last.cycle, False, None, "a scheduler error, not a FitError: no preemption",
                                      None, None, [], None, [])
            return PreemptionInfo(None, False, None, "not needed: a node fit", None, None, [], None, [])
        p = a.preemption
        assert p is not None
        return self._preemption_info(a, p, self.pod)

    def _preemption_info(self, a: Attempt, p: PreemptionResult, pod: Pod) -> PreemptionInfo:
        run = self.run
        diag = a.diagnosis
        if p.message in (f"preemption: {NOT_ELIGIBLE_NEVER}", f"preemption: {NOT_ELIGIBLE_TERMINATING}"):
            if p.message.endswith(NOT_ELIGIBLE_NEVER):
                cls = f" (PriorityClass {pod.priority_class_name})" if pod.priority_class_name else ""
                reason = f"not eligible to preempt: preemptionPolicy: Never{cls}"
            else:
                reason = ("not eligible to preempt: a lower-priority pod on its nominated node is still terminating "
                          "because of an earlier preemption")
            return PreemptionInfo(a.cycle, True, False, reason, p.message, None, [], None, [])
        # Nodes preemption did not try (UnschedulableAndUnresolvable) and failed dry runs, grouped.
        groups: dict[Status, NodeGroup] = {}
        not_helpful = unresolvable(PREEMPTION_NAME, NOT_HELPFUL)
        for i in range(len(run.sched.nodes)):
            st = p.dry_run_statuses.get(i)
            if st is None and int(diag.codes[i]) == UNSCHEDULABLE_AND_UNRESOLVABLE:
                st = not_helpful
            if st is None:
                continue
            g = groups.get(st)
            if g is None:
                g = groups[st] = NodeGroup("failed", ", ".join(st.reasons), st.plugin, CODE_NAMES.get(st.code), [])
            g.nodes.append(run.name(i))
        for g in groups.values():
            g.nodes.sort()
        not_candidates = sorted(groups.values(), key=lambda g: (-g.count, g.text))
        candidates = [self._candidate(c, p) for c in p.candidates]
        if p.nominated_node is None:
            counts = {NOT_HELPFUL: 0, NO_VICTIMS: 0, "": 0}
            for g in not_candidates:
                counts[g.text if g.text in counts else ""] += g.count
            parts = []
            if counts[NO_VICTIMS]:
                parts.append(f"{_count(counts[NO_VICTIMS], 'node')} no pod of lower priority to evict")
            if counts[""]:
                parts.append(f"{_count(counts[''], 'node')} still no room with every lower-priority pod removed")
            if counts[NOT_HELPFUL]:
                parts.append(f"{_count(counts[NOT_HELPFUL], 'node')} a failure preemption cannot resolve")
            reason = "eligible, but no candidate node: " + "; ".join(parts) if parts else "eligible, but no candidate node"
            return PreemptionInfo(a.cycle, True, True, reason, p.message, None, [], None, not_candidates)
        chosen = run.name(p.nominated_node)
        deciding = None
        if len(candidates) == 1:
            reason = f"{chosen} was the only candidate node"
        else:
            deciding = max((p.eliminated[c.node] for c in p.candidates if c.node in p.eliminated),
                           key=CRITERIA.index)
            reason = f"{chosen} chosen among {len(candidates)} candidates; deciding criterion: {deciding}"
        return PreemptionInfo(a.cycle, True, True, reason, p.message or None, chosen, candidates, deciding,
                              not_candidates)

    def _candidate(self, c: Candidate, p: PreemptionResult) -> CandidateInfo:
        run = self.run
        violating = {id(pod) for pod, v, _ in c.steps if v}
        victims = [self._ref(v, id(v) in violating) for v in c.victims]
        figures: dict[str, Any] = {
            CRITERIA[0]: c.num_pdb_violations,
            CRITERIA[1]: c.victims[0].priority,
            CRITERIA[2]: sum(v.priority + MAX_INT32_PLUS_1 for v in c.victims),
            CRITERIA[3]: len(c.victims),
            CRITERIA[4]: _iso(_earliest_start_of_highest(c.victims, run.start_value)),
            CRITERIA[5]: run.name(c.node),
        }
        return CandidateInfo(run.name(c.node), c.node == p.nominated_node, p.eliminated.get(c.node), victims,
                             c.num_pdb_violations, figures, self._steps(c))

    def _ref(self, pod: Pod, violating: bool) -> PodRef:
        start, simulated = self.run.start(pod)
        return PodRef(pod.key, pod.priority, start, simulated, violating)

    def _steps(self, c: Candidate) -> list[ReprieveStep]:
        out = []
        for k, (pod, violating, st) in enumerate(c.steps, 1):
            start, _ = self.run.start(pod)
            out.append(ReprieveStep(k, pod.key, pod.priority, start, violating,
                                    "reprieved" if st is None else "victim", st.plugin if st else None,
                                    list(st.reasons) if st else []))
        return out

    # ------------------------------------------------------------------ eviction

    def _eviction(self) -> EvictionStory | None:
        o, run = self.outcome, self.run
        preemptor = o.preempted_by
        if preemptor is None or o.node is None:
            return None
        pdbs = self._eviction_record_pdbs()
        prio = run.outcomes[preemptor].pod.priority if preemptor in run.outcomes else 0
        attempt = cand = None
        for a in run.attempts(preemptor):
            p = a.preemption
            if p is not None and p.nominated_node is not None and any(v.key == self.key for v in p.victims):
                attempt = a
                cand = next(c for c in p.candidates if c.node == p.nominated_node)
        replacement = run.outcomes.get(o.replaced_by) if o.replaced_by else None
        owner = self.pod.owner
        if replacement is not None:
            repl_note = f"{owner.kind}/{owner.name} recreated it as {replacement.pod.key}" if owner else \
                f"recreated as {replacement.pod.key}"
            if replacement.status == "running":
                repl_note += f", now running on {replacement.node}"
            else:
                repl_note += f", {replacement.status}"
                if replacement.nominated_node:
                    repl_note += f" (nominated to {replacement.nominated_node})"
        elif owner is None:
            repl_note = "a bare pod (no controller): nothing recreates it"
        elif owner.kind not in RECREATING_CONTROLLERS:
            repl_note = f"its controller {owner.kind}/{owner.name} is not one priocli recreates pods for"
        else:
            repl_note = "no replacement was created"
        if attempt is None or cand is None:
            return EvictionStory(preemptor, prio, o.node, None, pdbs, None,
                                 f"evicted by {preemptor}'s preemption (its attempt was not traced)", None, [], [],
                                 {}, o.replaced_by, replacement.status if replacement else None,
                                 replacement.node if replacement else None,
                                 replacement.message if replacement else None, repl_note)
        assert attempt.preemption is not None
        steps = self._steps(cand)
        mine = next((s for s in steps if s.pod == self.key), None)
        reprieved = [s.pod for s in steps if s.result == "reprieved"]
        if mine is None:
            why = f"all lower-priority pods on {o.node} had to go"
        else:
            before = [s for s in steps if s.order < mine.order]
            why = (f"lower priority than {preemptor} ({self.pod.priority} < {prio}); in the reprieve loop on "
                   f"{o.node} it was step {mine.order} of {len(steps)}: with it added back the preemptor no longer "
                   f"fit ({mine.plugin}: {', '.join(mine.reasons)})")
            kept = [s.pod for s in before if s.result == "reprieved"]
            if kept:
                why += f"; reprieved before it: {', '.join(kept)}"
            if mine.pdb_violating:
                why += "; PDB-violating pods are tried first, then the rest, each by priority then start time"
        others = {run.name(n): crit for n, crit in attempt.preemption.eliminated.items()}
        return EvictionStory(preemptor, prio, o.node, attempt.cycle, pdbs, mine.pdb_violating if mine else None, why,
                             mine, steps, reprieved, others, o.replaced_by,
                             replacement.status if replacement else None, replacement.node if replacement else None,
                             replacement.message if replacement else None, repl_note)

    # ------------------------------------------------------------------ what would change

    def _budget(self) -> bool:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.cut_short = self.timed_out = True
            return False
        if self.reruns >= self.max_reruns:
            self.cut_short = True
            return False
        self.reruns += 1
        return True

    def _trial(self, change: str, cluster: ClusterInput, key: str | None = None) -> tuple[Trial, _Run]:
        key = key or self.key
        r = _Run(cluster, [key])
        o = r.outcomes.get(key)
        runs = o is not None and o.status == "running"
        evicts = r.evicted_by(key)
        return Trial(change, runs, o.node if o and runs else None, evicts,
                     o.message if o and o.status == "pending" else None, len(r.result.evictions)), r

    def _what_if(self, full: Attempt | None) -> WhatIf | None:
        o = self.outcome
        notes: list[str] = []
        wants_capacity = o.status == "pending" or (o.status == "running" and self.run.evicted_by(self.key))
        wants_priority = o.status in ("pending", "evicted")
        if not (wants_capacity or wants_priority):
            return None
        if o.initial == "replacement":
            return WhatIf(0, self.max_reruns, False, None, None, [],
                          ["a replacement pod is created by the pass itself: what-if re-runs change the input pods, "
                           "explain the pod it replaces instead"])
        if o.status == "pending" and not self.attempts:
            return WhatIf(0, self.max_reruns, False, None, None, [],
                          ["the scheduler never tried this pod: capacity or priority would not change that"])
        if self.max_reruns == 0:
            return WhatIf(0, 0, False, None, None, [], ["what-if re-runs disabled (--max-reruns 0)"])
        pinned, _ = nodeaffinity.pre_filter(self.pod)
        if pinned is not None and wants_capacity:
            wants_capacity = False
            notes.append("the pod is pinned to nodes by name (matchFields metadata.name): a new node would not "
                         "be considered, so no capacity answer")
        capacity = self._capacity() if wants_capacity else None
        priority = self._priority() if wants_priority else None
        placement = self._placement(full) if o.status == "pending" and full is not None else []
        stopped = ("what-if-seconds" if self.timed_out else "max-reruns") if self.cut_short else None
        return WhatIf(self.reruns, self.max_reruns, self.cut_short, capacity, priority, placement, notes, stopped)

    # ---- capacity

    def _capacity(self) -> CapacityWhatIf:
        cluster = self.run.cluster
        requests = {r: v for r, v in self.pod.spec.requests.items() if v > 0}
        # A shape: allocatable and taints, plus the labels this pod's placement rules read (its node
        # selector and affinity, the topology keys of its spread and pod affinity terms).
        keys = _label_keys(self.pod) - {HOSTNAME}
        shapes: dict[tuple, Node] = {}
        for node in sorted(cluster.nodes, key=lambda n: n.name):
            if node.unschedulable:
                continue
            k = (tuple(sorted(node.allocatable.items())), node.taints,
                 tuple(sorted((a, b) for a, b in node.labels.items() if a in keys)))
            shapes.setdefault(k, node)
        plans: list[tuple[tuple, Node, dict[str, int]]] = []
        for node in shapes.values():
            scale: dict[str, int] = {}
            possible = True
            for r, v in requests.items():
                have = node.allocatable.get(r, 0)
                if v > have:
                    if have <= 0:
                        possible = False
                        break
                    scale[r] = -(-v // have)
            if not possible:
                continue
            alloc = {r: q * scale.get(r, 1) for r, q in node.allocatable.items()}
            size = (bool(scale), alloc.get(CPU, 0), alloc.get(MEMORY, 0), sum(alloc.values()), sum(scale.values()),
                    node.name)
            plans.append((size, node, scale))
        plans.sort(key=lambda t: t[0])
        trials: list[Trial] = []
        notes: list[str] = []
        found: tuple[Node, dict[str, int], int, Trial] | None = None
        roomy: list[tuple[Node, dict[str, int]]] = []  # shapes whose new node passed the placement filters
        for n, (_, node, scale) in enumerate(plans):
            if n >= MAX_CAPACITY_SHAPES:
                notes.append(f"{len(plans) - n} larger node shapes not tried")
                break
            if not self._budget():
                break
            trial = self._capacity_trial(node, scale, 1)
            trials.append(trial)
            if trial.runs and not trial.evicts:
                found = (node, scale, 1, trial)
                break
            if trial.added_node_verdict is not None and trial.added_node_verdict != "not filtered" and not \
                    trial.added_node_verdict.startswith(tuple(f"{p}:" for p in (*PLACEMENT_PLUGINS, nodename.NAME))):
                roomy.append((node, scale))
        if found is None and roomy and not self.cut_short:
            # One node was not enough (pods ahead in the queue took it): try two, then three of the smallest shape.
            node, scale = roomy[0]
            for count in (2, 3):
                if not self._budget():
                    break
                trial = self._capacity_trial(node, scale, count)
                trials.append(trial)
                if trial.runs and not trial.evicts:
                    found = (node, scale, count, trial)
                    break
        if found is None:
            if not plans:
                answer = ("no existing node shape could hold the pod: "
                          + ", ".join(r for r in requests if all(n.allocatable.get(r, 0) <= 0 for n in cluster.nodes))
                          + " is on no node")
            elif self.cut_short:
                answer = f"no answer within the re-run budget after {len(trials)} trials"
            else:
                answer = "adding a node like an existing one would not let it schedule without evictions"
                blocked = sorted({t.added_node_verdict for t in trials if t.added_node_verdict and not
                                  t.added_node_verdict.startswith(("feasible", noderesources.NAME))})
                if blocked and not roomy:
                    answer += " (the new node would fail too: " + "; ".join(blocked) + ")"
            return CapacityWhatIf(answer, None, None, {}, {}, trials, self.cut_short, notes)
        node, scale, count, trial = found
        alloc = {r: q * scale.get(r, 1) for r, q in node.allocatable.items()}
        shape = _describe_allocatable(alloc, requests)
        like = f"{count} node{'s' if count != 1 else ''} like {node.name}"
        if scale:
            like += " with " + ", ".join(f"{m}x its {r}" for r, m in sorted(scale.items()))
        where = f" (it would run on {trial.node})" if trial.node else ""
        answer = f"adding {like} ({shape}) would let it schedule with no evictions{where}"
        return CapacityWhatIf(answer, node.name, count, {r: _quantity(r, v) for r, v in alloc.items()}, scale, trials,
                              self.cut_short, notes)

    def _capacity_trial(self, like: Node, scale: dict[str, int], count: int) -> Trial:
        cluster = self.run.cluster
        taken = {n.name for n in cluster.nodes}
        extra = []
        for k in range(count):
            name = f"{like.name}-whatif" + (f"-{k + 1}" if count > 1 else "")
            while name in taken:
                name += "-x"
            taken.add(name)
            labels = dict(like.labels)
            if HOSTNAME in labels:
                labels[HOSTNAME] = name
            alloc = {r: q * scale.get(r, 1) for r, q in like.allocatable.items()}
            extra.append(Node(len(cluster.nodes) + k, name, labels, alloc, like.taints, False, {}, None))
        change = f"+{count} node{'s' if count != 1 else ''} like {like.name}"
        if scale:
            change += " (" + ", ".join(f"{m}x {r}" for r, m in sorted(scale.items())) + ")"
        trial, r = self._trial(change, replace(cluster, nodes=[*cluster.nodes, *extra]))
        last = next((a for a in reversed(r.attempts(self.key)) if not a.nominated_node_first), None)
        if last is not None:
            i = len(cluster.nodes)
            st = r.status(last.diagnosis, i)
            code = int(last.diagnosis.codes[i])
            trial.added_node_verdict = ("feasible" if code == SUCCESS else "not filtered" if st is None
                                        else f"{st.plugin}: {', '.join(st.reasons)}")
        return trial

    # ---- priority

    def _with_pod(self, **changes: Any) -> ClusterInput:
        cluster = self.run.cluster
        pods = [replace(p, **changes) if p.key == self.key else p for p in cluster.pods]
        return replace(cluster, pods=pods)

    def _priority(self) -> PriorityWhatIf:
        o, pod = self.outcome, self.pod
        evicted = o.status == "evicted"
        never = pod.preemption_policy == NEVER and not evicted
        others = {p.priority for p in self.run.cluster.pods if p.key != self.key}
        values = sorted({v for p in others for v in (p, p + 1)} | {pod.priority, MAX_USER_PRIORITY})
        values = [v for v in values if v <= MAX_USER_PRIORITY]
        # The outcome only changes where the pod's priority crosses another pod's (p: queue order,
        # p + 1: p becomes preemptible), so these values cover every distinct outcome.
        low = min(values) if never else pod.priority + 1
        values = sorted({v for v in values if v >= low} | ({low} if low <= MAX_USER_PRIORITY else set()))
        trials: list[tuple[int, bool]] = []
        cache: dict[int, Trial] = {}

        def ok(value: int) -> bool | None:
            if value in cache:
                return cache[value].runs
            if not self._budget():
                return None
            what = f"priority {value}" + (", preemptionPolicy PreemptLowerPriority" if never else "")
            trial, _ = self._trial(what, self._with_pod(priority=value, preemption_policy=PREEMPT_LOWER)
                                   if never else self._with_pod(priority=value))
            cache[value] = trial
            trials.append((value, trial.runs))
            return trial.runs

        at_current = None
        if never:
            if self._budget():
                at_current, _ = self._trial(f"priority {pod.priority}, preemptionPolicy PreemptLowerPriority",
                                            self._with_pod(preemption_policy=PREEMPT_LOWER))
                cache[pod.priority] = at_current
                trials.append((pod.priority, at_current.runs))
        lowest: int | None = None
        if values:
            top = ok(values[-1])
            if top:
                lo, hi = 0, len(values) - 1  # values[hi] is known good
                while lo < hi:
                    mid = (lo + hi) // 2
                    r = ok(values[mid])
                    if r is None:
                        break
                    if r:
                        hi = mid
                    else:
                        lo = mid + 1
                lowest = values[hi]  # when cut short: the lowest value known to work
        question = "not evicted" if evicted else "runs"
        at_lowest = cache.get(lowest) if lowest is not None else None
        answer = self._priority_answer(evicted, never, lowest, at_lowest, at_current, values)
        return PriorityWhatIf(question, pod.priority, pod.preemption_policy, never, at_current, lowest, at_lowest,
                              answer, sorted(trials), self.cut_short)

    def _priority_answer(self, evicted: bool, never: bool, lowest: int | None, at_lowest: Trial | None,
                         at_current: Trial | None, values: list[int]) -> str:
        pod = self.pod
        parts = []
        if never:
            if at_current is not None and at_current.runs:
                how = f", evicting {', '.join(at_current.evicts)}" if at_current.evicts else ""
                parts.append(f"preemptionPolicy: Never is what keeps it waiting: with PreemptLowerPriority at its "
                             f"priority {pod.priority} it would run on {at_current.node}{how}")
            else:
                parts.append("preemptionPolicy: Never forbids preemption, but even with PreemptLowerPriority at its "
                             f"priority {pod.priority} it would stay pending")
        if lowest is None:
            if self.cut_short:
                parts.append("the priority search was cut short by the re-run budget")
            elif evicted:
                parts.append(f"no priority up to {MAX_USER_PRIORITY} keeps it from being evicted")
            else:
                parts.append(f"no priority up to {MAX_USER_PRIORITY} lets it run: preemption cannot make room")
            return "; ".join(parts)
        assert at_lowest is not None
        if evicted:
            tail = f"it would keep running on {at_lowest.node}" if at_lowest.node else "it would not be evicted"
            parts.append(f"at priority {lowest} or more it would not be evicted ({tail})")
        else:
            policy = " with PreemptLowerPriority" if never else ""
            how = f", evicting {', '.join(at_lowest.evicts)}" if at_lowest.evicts else " without evicting anything"
            parts.append(f"lowest priority at which it runs{policy}: {lowest} (on {at_lowest.node}{how})")
        if self.cut_short:
            parts.append("the search was cut short: a lower value may work")
        return "; ".join(parts)

    # ---- tolerations and labels

    def _placement(self, a: Attempt) -> list[PlacementFix]:
        run, pod = self.run, self.pod
        diag = a.diagnosis
        if diag.prefilter_msg:
            return []
        tol_groups: dict[tuple[Taint, ...], list[int]] = {}
        label_groups: dict[tuple[tuple[str, str | None], ...], list[int]] = {}
        for i in range(len(run.sched.nodes)):
            st = run.status(diag, i)
            if st is None or st.plugin not in PLACEMENT_PLUGINS:
                continue
            node = run.sched.nodes[i]
            if st.plugin in (nodeunschedulable.NAME, tainttoleration.NAME):
                taints = []
                if node.unschedulable and not tainttoleration.tolerated(nodeunschedulable.UNSCHEDULABLE_TAINT,
                                                                        pod.spec.tolerations):
                    taints.append(nodeunschedulable.UNSCHEDULABLE_TAINT)
                taints += [t for t in node.taints if t.effect in tainttoleration.FILTER_EFFECTS
                           and not tainttoleration.tolerated(t, pod.spec.tolerations) and t not in taints]
                tol_groups.setdefault(tuple(taints), []).append(i)
            else:
                fix = label_fix(pod, node)
                if fix is not None:
                    label_groups.setdefault(tuple(sorted(fix.items(), key=lambda kv: kv[0])), []).append(i)
        out: list[PlacementFix] = []
        order = sorted(tol_groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))[:MAX_PLACEMENT_FIXES]
        for taints, idx in order:
            tolerations = tuple(_toleration_for(t) for t in taints)
            change = ", ".join(_describe_toleration(t) for t in tolerations)
            cluster = self._with_pod(spec=replace(pod.spec, tolerations=pod.spec.tolerations + tolerations))
            out.append(self._placement_fix("toleration", f"tolerate {change}", idx, cluster,
                                           (tainttoleration.NAME, nodeunschedulable.NAME)))
        for fix, idx in sorted(label_groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))[:MAX_PLACEMENT_FIXES]:
            change = ", ".join(f"{k}={v}" if v is not None else f"remove label {k}" for k, v in fix)
            names = {run.sched.nodes[i].name for i in idx}
            nodes = [replace(n, labels=_relabel(n.labels, dict(fix))) if n.name in names else n
                     for n in run.cluster.nodes]
            out.append(self._placement_fix("label", f"label the nodes {change}", idx,
                                           replace(run.cluster, nodes=nodes), (nodeaffinity.NAME,)))
        return out

    def _placement_fix(self, kind: str, change: str, idx: list[int], cluster: ClusterInput,
                       plugins: tuple[str, ...]) -> PlacementFix:
        names = sorted(self.run.name(i) for i in idx)
        if not self._budget():
            return PlacementFix(kind, change, names, [], [], None, "not verified: the re-run budget is used up")
        trial, r = self._trial(change, cluster)
        after_attempt = None
        for a in reversed(r.attempts(self.key)):
            if not a.nominated_node_first:
                after_attempt = a
                break
        groups: dict[tuple, NodeGroup] = {}
        opened: list[str] = []
        if after_attempt is not None:
            diag = after_attempt.diagnosis
            for i in idx:
                st = r.status(diag, i)
                code = int(diag.codes[i])
                if code == SUCCESS:
                    gk: tuple = ("feasible",)
                    groups.setdefault(gk, NodeGroup("feasible", "", None, None, []))
                elif st is None:
                    gk = ("not evaluated",)
                    groups.setdefault(gk, NodeGroup("not evaluated", "not filtered", None, None, []))
                else:
                    gk = ("failed", st)
                    groups.setdefault(gk, NodeGroup("failed", ", ".join(st.reasons), st.plugin,
                                                    CODE_NAMES.get(st.code), []))
                groups[gk].nodes.append(r.name(i))
                if st is None or st.plugin not in plugins:
                    opened.append(r.name(i))
        opened.sort()
        for g in groups.values():
            g.nodes.sort()
        after = sorted(groups.values(), key=lambda g: (g.verdict != "feasible", -g.count, g.text))
        n = len(names)
        answer = f"{change}: opens {len(opened)} of {n} node{'s' if n != 1 else ''}"
        if trial.runs:
            answer += f"; the pod would then run on {trial.node}"
            if trial.evicts:
                answer += f", evicting {', '.join(trial.evicts)}"
        else:
            answer += "; the pod would still stay pending"
            rest = [g for g in after if g.verdict == "failed" and g.plugin not in plugins]
            if rest:
                answer += " (" + "; ".join(f"{g.count} then fail {g.plugin}: {g.text}" for g in rest) + ")"
        return PlacementFix(kind, change, names, opened, after, trial, answer)


def _filter_chain(st: Status, prefilter: bool) -> list[FilterVerdict]:
    """Every filter's verdict on a node whose first failure is ``st`` (later filters never run)."""
    if prefilter:
        return [FilterVerdict(st.plugin, "fail", [f"PreFilter: {', '.join(st.reasons)}"]),
                *(FilterVerdict(p, "not evaluated") for p in FILTER_ORDER if p != st.plugin)]
    out = []
    seen = False
    for p in FILTER_ORDER:
        if p == st.plugin:
            out.append(FilterVerdict(p, "fail", list(st.reasons)))
            seen = True
        else:
            out.append(FilterVerdict(p, "not evaluated" if seen else "pass"))
    if not seen:  # a status from outside the filter list (e.g. a scheduler error)
        out.append(FilterVerdict(st.plugin, "fail", list(st.reasons)))
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}" + (" has" if n == 1 else " have")


def _label_keys(pod: Pod) -> set[str]:
    """Node label keys the pod's placement rules read."""
    s = pod.spec
    keys = {k for k, _ in s.node_selector}
    for term in s.required_node_affinity or ():
        keys.update(r.key for r in term.match_expressions)
    for pref in s.preferred_node_affinity:
        keys.update(r.key for r in pref.term.match_expressions)
    keys.update(c.topology_key for c in s.topology_spread)
    for t in (*s.pod_affinity_required, *s.pod_anti_affinity_required):
        keys.add(t.topology_key)
    for w in (*s.pod_affinity_preferred, *s.pod_anti_affinity_preferred):
        keys.add(w.term.topology_key)
    return keys


def _toleration_for(taint: Taint) -> Toleration:
    if not taint.value:
        return Toleration(taint.key, "Exists", "", taint.effect)
    return Toleration(taint.key, "Equal", taint.value, taint.effect)


def _describe_toleration(t: Toleration) -> str:
    if t.operator == "Exists":
        return f"{t.key}:{t.effect} (Exists)"
    return f"{t.key}={t.value}:{t.effect}"


def _relabel(labels: dict[str, str], fix: dict[str, str | None]) -> dict[str, str]:
    out = dict(labels)
    for k, v in fix.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def label_fix(pod: Pod, node: Node) -> dict[str, str | None] | None:
    """Label changes (value None: remove the label) that satisfy the pod's nodeSelector and required
    node affinity on ``node``, using the term needing the fewest changes; None when labels cannot
    (``matchFields``, malformed terms). A suggestion only: explain verifies it by re-running the pass."""
    fix: dict[str, str | None] = {}
    for k, v in pod.spec.node_selector:
        if node.labels.get(k) != v:
            fix[k] = v
    terms = pod.spec.required_node_affinity
    if terms is None:
        return fix or None
    best: dict[str, str | None] | None = None
    for term in terms:
        if nodeaffinity.term_is_empty(term):
            continue
        t = _term_fix(term, _relabel(node.labels, fix))
        if t is not None and (best is None or len(t) < len(best)):
            best = t
    if best is None:
        return None
    return {**fix, **best} or None


def _term_fix(term: NodeSelectorTerm, labels: dict[str, str]) -> dict[str, str | None] | None:
    if term.match_fields:
        return None
    out: dict[str, str | None] = {}
    for r in term.match_expressions:
        have = labels.get(r.key)
        op = r.operator
        if op == "In":
            if not r.values:
                return None
            if have not in r.values:
                out[r.key] = r.values[0]
        elif op == "NotIn":
            if have is not None and have in r.values:
                out[r.key] = None
        elif op == "Exists":
            if r.values:
                return None
            if have is None:
                out[r.key] = ""
        elif op == "DoesNotExist":
            if r.values:
                return None
            if have is not None:
                out[r.key] = None
        elif op in ("Gt", "Lt"):
            try:
                want = int(r.values[0]) if len(r.values) == 1 else None
            except ValueError:
                want = None
            if want is None:
                return None
            try:
                cur = int(have) if have is not None else None
            except ValueError:
                cur = None
            good = cur is not None and (cur > want if op == "Gt" else cur < want)
            if not good:
                out[r.key] = str(want + 1 if op == "Gt" else want - 1)
        else:
            return None
    return out


def _quantity(resource: str, amount: int) -> str:
    if resource == CPU:
        return format_cpu(amount)
    if resource == PODS or ("/" in resource and not resource.startswith("hugepages-")):
        return str(amount)
    return format_bytes(amount)


def _describe_allocatable(alloc: dict[str, int], requests: dict[str, int]) -> str:
    """For people: cpu, memory and the other resources the pod requests; long byte counts rounded."""
    keys = [CPU, MEMORY, *sorted(r for r in requests if r not in (CPU, MEMORY))]
    out = []
    for r in keys:
        if r not in alloc:
            continue
        text = _quantity(r, alloc[r])
        in_bytes = r in (MEMORY, EPHEMERAL) or r.startswith("hugepages-")
        if in_bytes and (len(text) > 6 or text.isdigit()):
            text = _about_bytes(alloc[r])
        out.append(f"{text} {r}")
    return ", ".join(out)


def _about_bytes(b: int) -> str:
    for shift, suffix in ((40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")):
        if b >= 1 << shift:
            return f"~{b / (1 << shift):.1f}{suffix}"
    return str(b)


__all__ = [
    "Explanation",
    "PodNotFoundError",
    "close_matches",
    "explain_pod",
    "label_fix",
    "resolve_pod",
]
