"""``priocli explain``: the content of the answers, on the fixtures and on small inline clusters.

Every expectation here is a verdict the engine reached (filter statuses, the deciding
pickOneNodeForPreemption criterion, the reprieve order) or a figure found by re-running the
pass (extra capacity, priority, toleration, label), not just that something was printed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from conftest import FIXTURES

from priocli.api import load_cluster, simulate_cluster, simulate_paths
from priocli.cli import main
from priocli.explain import CandidateInfo, Explanation, PodNotFoundError, explain_pod, label_fix
from priocli.load.cluster import ClusterInput, build_cluster
from priocli.load.documents import read_bytes
from priocli.preemption import CRITERIA

BLOG = str(FIXTURES / "blog-minor-evicted")
NEVER = str(FIXTURES / "blog-never-pending")
HIERARCHY = str(FIXTURES / "class-hierarchy")
FILTERS = ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
           "PodTopologySpread", "InterPodAffinity"]


# ------------------------------------------------------------------ inline clusters


def node(name: str, cpu: str = "2", memory: str = "4Gi", *, labels: dict[str, str] | None = None,
         taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    alloc = {"cpu": cpu, "memory": memory, "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": taints} if taints else {}, "status": {"allocatable": alloc, "capacity": alloc}}


def pclass(name: str, value: int, *, never: bool = False) -> dict[str, Any]:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, "preemptionPolicy": "Never" if never else "PreemptLowerPriority"}


def pod(name: str, cpu: str = "100m", *, on: str | None = None, cls: str | None = None,
        labels: dict[str, str] | None = None, start: str = "2024-05-01T09:00:00Z",
        owner: tuple[str, str] | None = None, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "labels": labels or {"app": name}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                    "uid": f"uid-{owner[1]}", "controller": True}]
    s: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox:1.36",
                                         "resources": {"requests": {"cpu": cpu, "memory": "128Mi"}}}],
                         **(spec or {})}
    if cls:
        s["priorityClassName"] = cls
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": s}
    if on:
        s["nodeName"] = on
        obj["status"] = {"phase": "Running", "startTime": start, "conditions": [{"type": "Ready", "status": "True"}]}
    return obj


def pdb(name: str, match: dict[str, str], allowed: int = 0) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name, "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": match}},
            "status": {"disruptionsAllowed": allowed, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}}


def cluster(*objs: dict[str, Any]) -> ClusterInput:
    return build_cluster(read_bytes(yaml.safe_dump_all(objs).encode(), "inline.yaml"))


def fixture(path: str) -> ClusterInput:
    return load_cluster([path])


def candidate(e: Explanation, node_name: str) -> CandidateInfo:
    assert e.preemption is not None
    return next(c for c in e.preemption.candidates if c.node == node_name)


# ------------------------------------------------------------------ the fixtures


@pytest.mark.parametrize("path", [BLOG, NEVER, HIERARCHY])
def test_pending_message_is_the_reports_message(path: str) -> None:
    report = simulate_paths([path])
    pending = [o for o in report.outcomes if o.status == "pending"]
    assert pending or path == BLOG
    ci = fixture(path)
    for o in pending:
        e = explain_pod(ci, o.pod.key, max_reruns=0)
        assert e.message == o.message
        assert e.as_dict()["message"] == report.report()["pods"][report.outcomes.index(o)]["message"]
        assert e.attempts[-1].message == o.message  # the last attempt is the one whose message is reported


def test_blog_preemptor() -> None:
    e = explain_pod(fixture(BLOG), "critical-app")
    assert e.outcome == "scheduled on node-a after 2 attempts, by preempting 1 pod: default/minor-app"
    assert e.message is None
    assert [(a.cycle, a.result, a.node) for a in e.attempts] == [(1, "nominated", "node-a"), (2, "scheduled", "node-a")]
    assert e.attempts[0].victims == ["default/minor-app"] and e.attempts[1].nominated_node_first
    # the verdicts of the full attempt (the last one only tried its nominated node)
    assert e.nodes is not None and e.nodes.attempt == 1
    [g] = e.nodes.groups
    assert (g.verdict, g.plugin, g.code, g.text, g.nodes) == (
        "failed", "NodeResourcesFit", "Unschedulable", "Insufficient memory", ["node-a"])
    assert [(f.plugin, f.verdict) for f in g.filters] == [
        *((p, "pass") for p in FILTERS[:5]), ("NodeResourcesFit", "fail"),
        ("PodTopologySpread", "not evaluated"), ("InterPodAffinity", "not evaluated")]
    assert e.scoring is not None and not e.scoring.scored and "nominated node node-a was tried first" in e.scoring.why
    p = e.preemption
    assert p is not None and p.eligible and p.nominated_node == "node-a" and p.deciding_criterion is None
    assert p.reason == "node-a was the only candidate node"
    [c] = p.candidates
    assert c.chosen and c.num_pdb_violations == 1
    assert [(v.pod, v.priority, v.start_time, v.pdb_violating) for v in c.victims] == [
        ("default/minor-app", 1000, "2024-05-01T09:00:35Z", True)]
    assert [(s.pod, s.result, s.reasons) for s in c.reprieve] == [
        ("default/minor-app", "victim", ["Insufficient memory"])]
    assert e.preempted == ["default/minor-app"]
    # what would let it run without evicting: one more node like node-a
    assert e.what_if is not None and e.what_if.capacity is not None
    cap = e.what_if.capacity
    assert (cap.like, cap.count, cap.scaled) == ("node-a", 1, {})
    assert cap.allocatable["cpu"] == "2" and cap.allocatable["memory"] == "1Gi"
    assert cap.trials[-1].runs and cap.trials[-1].node == "node-a-whatif" and cap.trials[-1].evicts == []
    assert cap.answer == ("adding 1 node like node-a (2 cpu, 1Gi memory) would let it schedule with no evictions "
                          "(it would run on node-a-whatif)")


def test_blog_evicted_story() -> None:
    e = explain_pod(fixture(BLOG), "default/minor-app")
    assert e.outcome == "evicted from node-a by default/critical-app, violating PodDisruptionBudget default/minor-app-pdb"
    assert e.attempts == [] and e.preemption is None
    ev = e.eviction
    assert ev is not None
    assert (ev.preemptor, ev.preemptor_priority, ev.node, ev.cycle) == ("default/critical-app", 1000000, "node-a", 1)
    assert ev.pdb_violated == ["default/minor-app-pdb"] and ev.pdb_violating_in_dry_run is True
    assert ev.victim_step is not None and ev.victim_step.order == 1
    assert (ev.victim_step.plugin, ev.victim_step.reasons) == ("NodeResourcesFit", ["Insufficient memory"])
    assert "with it added back the preemptor no longer fit (NodeResourcesFit: Insufficient memory)" in ev.why
    assert ev.replacement is None and ev.replacement_note == "a bare pod (no controller): nothing recreates it"
    # equal priority is never a victim: the lowest priority that keeps it is the preemptor's
    assert e.what_if is not None and e.what_if.priority is not None
    pr = e.what_if.priority
    assert (pr.question, pr.lowest) == ("not evicted", 1000000)
    assert (1001, False) in pr.trials and (1000000, True) in pr.trials
    assert pr.at_lowest is not None and pr.at_lowest.node == "node-a"


def test_blog_never_pending() -> None:
    e = explain_pod(fixture(NEVER), "critical-app")
    assert e.outcome == ("pending after 1 attempt: no node fits; not eligible to preempt: preemptionPolicy: Never "
                         "(PriorityClass high-priority)")
    assert e.message == ("0/1 nodes are available: 1 Insufficient memory. "
                         "preemption: not eligible due to preemptionPolicy=Never.")
    assert e.preemption is not None and e.preemption.eligible is False and e.preemption.candidates == []
    w = e.what_if
    assert w is not None and w.priority is not None and w.capacity is not None
    assert w.capacity.like == "node-a" and w.capacity.count == 1
    pr = w.priority
    assert pr.blocked_by_never
    assert pr.with_preemption_at_current is not None
    assert pr.with_preemption_at_current.runs and pr.with_preemption_at_current.evicts == ["default/minor-app"]
    # with PreemptLowerPriority it needs only to outrank minor-app (1000)
    assert pr.lowest == 1001 and (1000, False) in pr.trials
    assert pr.answer.startswith("preemptionPolicy: Never is what keeps it waiting")


def test_hierarchy_sum_of_priorities_decides() -> None:
    e = explain_pod(fixture(HIERARCHY), "prod/checkout-1")
    p = e.preemption
    assert p is not None and p.nominated_node == "node-c"
    assert p.deciding_criterion == "lowest sum of victim priorities"
    assert {c.node: c.eliminated_by for c in p.candidates} == {
        "node-a": "lowest sum of victim priorities", "node-b": "lowest sum of victim priorities", "node-c": None}
    assert candidate(e, "node-c").figures[CRITERIA[2]] < candidate(e, "node-a").figures[CRITERIA[2]]
    assert [(s.pod, s.result) for s in candidate(e, "node-c").reprieve] == [
        ("default/sandbox-5", "reprieved"), ("default/sandbox-6", "victim")]


def test_hierarchy_start_time_decides_and_reprieve_order() -> None:
    e = explain_pod(fixture(HIERARCHY), "checkout-2")
    p = e.preemption
    assert p is not None and p.nominated_node == "node-b"
    assert p.deciding_criterion == "latest start time of the highest-priority victims"
    assert candidate(e, "node-a").eliminated_by == p.deciding_criterion
    assert candidate(e, "node-a").figures[p.deciding_criterion] == "2024-05-01T09:00:35Z"
    assert candidate(e, "node-b").figures[p.deciding_criterion] == "2024-05-01T09:01:45Z"
    # node-c is not a candidate: without its two sandboxes it still lacks cpu
    assert [(g.text, g.nodes) for g in p.not_candidates] == [("Insufficient cpu", ["node-c"])]
    # reprieve: higher priority first; etl-1 stays, the sandboxes go
    assert [(s.order, s.pod, s.priority, s.result) for s in candidate(e, "node-b").reprieve] == [
        (1, "batch/etl-1", 900000, "reprieved"), (2, "default/sandbox-3", 0, "victim"),
        (3, "default/sandbox-4", 0, "victim")]


def test_hierarchy_victim_rather_than_reprieved_neighbour() -> None:
    e = explain_pod(fixture(HIERARCHY), "sandbox-3")
    ev = e.eviction
    assert ev is not None and (ev.preemptor, ev.node, ev.cycle) == ("prod/checkout-2", "node-b", 2)
    assert ev.reprieved_neighbours == ["batch/etl-1"]
    assert ev.victim_step is not None and (ev.victim_step.order, ev.victim_step.reasons) == (2, ["Insufficient cpu"])
    assert ev.other_candidates == {"node-a": "latest start time of the highest-priority victims"}
    assert ev.pdb_violated == [] and ev.pdb_violating_in_dry_run is False
    assert "reprieved before it: batch/etl-1" in ev.why


def test_hierarchy_never_and_no_victims() -> None:
    ci = fixture(HIERARCHY)
    etl = explain_pod(ci, "etl-2")
    assert etl.nodes is not None
    assert [(g.nodes, g.text) for g in etl.nodes.groups] == [
        (["node-b", "node-c"], "Insufficient cpu"), (["node-a"], "Insufficient cpu, Insufficient memory")]
    assert etl.preemption is not None and etl.preemption.eligible is False
    assert etl.what_if is not None and etl.what_if.priority is not None
    assert etl.what_if.priority.blocked_by_never and etl.what_if.priority.with_preemption_at_current is not None
    assert etl.what_if.priority.with_preemption_at_current.runs
    # one node like the others is enough for etl-2 (checkout-1 takes a new node first; the rest still fits)
    assert etl.what_if.capacity is not None and etl.what_if.capacity.count == 1

    sb = explain_pod(ci, "sandbox-7")
    assert sb.preemption is not None and sb.preemption.eligible
    assert sb.preemption.reason == "eligible, but no candidate node: 3 nodes have no pod of lower priority to evict"
    assert [(g.text, g.count) for g in sb.preemption.not_candidates] == [
        ("No preemption victims found for incoming pod", 3)]
    # one extra node is taken by the higher-priority pods queued ahead of it: two are needed
    cap = sb.what_if.capacity if sb.what_if else None
    assert cap is not None and cap.count == 2 and not cap.trials[0].runs
    assert cap.trials[0].added_node_verdict is not None
    assert sb.what_if is not None and sb.what_if.priority is not None and sb.what_if.priority.lowest == 1


def test_pod_running_from_the_input() -> None:
    e = explain_pod(fixture(HIERARCHY), "default/sandbox-1")
    assert e.outcome == "running on node-a, where the input binds it (never scheduled by the pass)"
    assert e.attempts == [] and e.nodes is None and e.what_if is None
    assert any("never scheduled it" in n for n in e.notes)


# ------------------------------------------------------------------ pickOneNodeForPreemption, one criterion each


LOW = [pclass("low", 10), pclass("mid", 100), pclass("high", 1000), pclass("zero", 0), pclass("five", 5),
       pclass("three", 3), pclass("one", 1), pclass("min", -2147483648)]

CRITERION_CASES = {
    "fewest PDB violations": [
        pod("a1", "1", on="node-a", cls="low", labels={"app": "guarded"}), pod("b1", "1", on="node-b", cls="low"),
        pdb("guard", {"app": "guarded"})],
    "lowest priority of the first victim": [
        pod("a1", "1", on="node-a", cls="mid"), pod("b1", "1", on="node-b", cls="low")],
    "lowest sum of victim priorities": [
        pod("a1", "500m", on="node-a", cls="five"), pod("a2", "500m", on="node-a", cls="three"),
        pod("b1", "500m", on="node-b", cls="five"), pod("b2", "500m", on="node-b", cls="one")],
    # equal first victims and equal sums (0 + 2^31 + (-2^31 + 2^31) = 0 + 2^31): only the count differs
    "fewest victims": [
        pod("a1", "500m", on="node-a", cls="zero"), pod("a2", "500m", on="node-a", cls="min"),
        pod("b1", "1", on="node-b", cls="zero")],
    "node name order": [pod("a1", "1", on="node-a", cls="low"), pod("b1", "1", on="node-b", cls="low")],
}


@pytest.mark.parametrize("criterion", list(CRITERION_CASES))
def test_each_criterion_decides(criterion: str) -> None:
    ci = cluster(*LOW, node("node-a", "1"), node("node-b", "1"), *CRITERION_CASES[criterion],
                 pod("p", "1", cls="high"))
    e = explain_pod(ci, "p", max_reruns=0)
    p = e.preemption
    assert p is not None and p.deciding_criterion == criterion
    winner = "node-a" if criterion == "node name order" else "node-b"
    loser = "node-b" if winner == "node-a" else "node-a"
    assert p.nominated_node == winner and e.pod.node == winner
    assert candidate(e, loser).eliminated_by == criterion and candidate(e, winner).eliminated_by is None
    # the figure of the deciding criterion is what tells them apart, the earlier ones tie
    k = CRITERIA.index(criterion)
    for earlier in CRITERIA[:k]:
        assert candidate(e, loser).figures[earlier] == candidate(e, winner).figures[earlier]
    if criterion != "node name order":
        assert candidate(e, loser).figures[criterion] > candidate(e, winner).figures[criterion]


# ------------------------------------------------------------------ scores and the tie rule


def test_score_tie_goes_to_the_first_name() -> None:
    e = explain_pod(cluster(node("node-b"), node("node-a"), pod("p")), "p")
    s = e.scoring
    assert s is not None and s.scored and s.chosen == "node-a"
    assert s.tie == ["node-a", "node-b"] and s.nodes[0].total == s.nodes[1].total
    assert "name sorts first" in s.why and "at random" in s.why
    assert e.what_if is None  # running, nothing evicted: nothing to change


def test_score_winner_and_margin() -> None:
    e = explain_pod(cluster(node("node-a"), node("node-b"), pod("x", "1", on="node-a"), pod("p")), "p")
    s = e.scoring
    assert s is not None and s.chosen == "node-b" and s.runner_up == "node-a" and s.tie == []
    totals = {r.node: r.total for r in s.nodes}
    assert s.margin == totals["node-b"] - totals["node-a"] > 0
    assert sum(s.differences.values()) == s.margin
    assert set(s.nodes[0].plugins) >= {"TaintToleration", "NodeResourcesFit", "NodeResourcesBalancedAllocation"}
    assert all(r.total == sum(r.plugins.values()) for r in s.nodes)


# ------------------------------------------------------------------ tolerations, labels, capacity


GPU = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]


def test_many_tainted_nodes_grouped_and_the_toleration_that_opens_them() -> None:
    nodes = [node(f"gpu-{i:02d}", taints=GPU) for i in range(28)] + [node("n-1", "1"), node("n-2", "1")]
    e = explain_pod(cluster(*nodes, pod("f1", "1", on="n-1"), pod("f2", "1", on="n-2"), pod("p", "500m")), "p")
    assert e.nodes is not None and e.nodes.total == 30 and e.nodes.feasible == 0
    taint, full = e.nodes.groups
    assert (taint.count, taint.text, taint.plugin, taint.code) == (
        28, "node(s) had untolerated taint {dedicated: gpu}", "TaintToleration", "UnschedulableAndUnresolvable")
    assert [f.verdict for f in taint.filters] == ["pass", "pass", "fail", *["not evaluated"] * 5]
    assert (full.count, full.text) == (2, "Insufficient cpu")
    p = e.preemption
    assert p is not None and p.reason == ("eligible, but no candidate node: 2 nodes have no pod of lower priority to "
                                          "evict; 28 nodes have a failure preemption cannot resolve")
    assert e.what_if is not None
    [fix] = e.what_if.placement
    assert (fix.kind, fix.change) == ("toleration", "tolerate dedicated=gpu:NoSchedule")
    assert len(fix.nodes) == len(fix.opened) == 28
    assert fix.trial is not None and fix.trial.runs and fix.trial.node is not None
    assert fix.trial.node.startswith("gpu-") and fix.trial.evicts == []


def test_label_that_opens_nodes() -> None:
    ci = cluster(node("n-1"), node("n-2", labels={"disktype": "hdd"}),
                 pod("p", spec={"nodeSelector": {"disktype": "ssd"}}))
    e = explain_pod(ci, "p")
    assert e.nodes is not None and e.nodes.groups[0].plugin == "NodeAffinity"
    assert e.what_if is not None
    [fix] = e.what_if.placement
    assert (fix.kind, fix.change, fix.opened) == ("label", "label the nodes disktype=ssd", ["n-1", "n-2"])
    assert fix.trial is not None and fix.trial.runs
    cap = e.what_if.capacity
    assert cap is not None and cap.like is None  # a node like the existing ones fails the same selector
    assert "NodeAffinity" in (cap.answer or "")
    assert all(t.added_node_verdict and t.added_node_verdict.startswith("NodeAffinity") for t in cap.trials)


def test_cordoned_node_and_its_toleration() -> None:
    cordoned = node("node-c", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    cordoned["spec"]["unschedulable"] = True
    e = explain_pod(cluster(cordoned, pod("p")), "p")
    assert e.nodes is not None and [(g.plugin, g.text) for g in e.nodes.groups] == [
        ("NodeUnschedulable", "node(s) were unschedulable")]
    assert e.what_if is not None
    [fix] = e.what_if.placement  # the cordon's taint is the same one: one toleration, not two
    assert fix.change == "tolerate node.kubernetes.io/unschedulable:NoSchedule (Exists)"
    assert fix.opened == ["node-c"] and fix.trial is not None and fix.trial.runs


def test_label_fix_per_operator() -> None:
    def fix_for(expr: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, str | None] | None:
        aff = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [expr]}]}}}}
        ci = cluster(node("node-x", labels=labels), pod("p", spec=aff))
        p = next(x for x in ci.pods if x.name == "p")
        return label_fix(p, ci.nodes[0])

    assert fix_for({"key": "zone", "operator": "In", "values": ["a", "b"]}) == {"zone": "a"}
    assert fix_for({"key": "gpu", "operator": "Exists"}) == {"gpu": ""}
    assert fix_for({"key": "spot", "operator": "DoesNotExist"}, {"spot": "true"}) == {"spot": None}
    assert fix_for({"key": "tier", "operator": "NotIn", "values": ["low"]}, {"tier": "low"}) == {"tier": None}
    assert fix_for({"key": "cores", "operator": "Gt", "values": ["8"]}, {"cores": "4"}) == {"cores": "9"}
    assert fix_for({"key": "cores", "operator": "Lt", "values": ["8"]}, {"cores": "9"}) == {"cores": "7"}


def test_capacity_scales_the_missing_resource() -> None:
    e = explain_pod(cluster(node("n-1", "2"), node("n-2", "4", "8Gi"), pod("big", "7")), "big")
    cap = e.what_if.capacity if e.what_if else None
    assert cap is not None
    # both shapes reach 8 cpu (n-1 x4, n-2 x2): n-1's has less memory, so it is the smaller extra capacity
    assert (cap.like, cap.count, cap.scaled) == ("n-1", 1, {"cpu": 4})
    assert (cap.allocatable["cpu"], cap.allocatable["memory"]) == ("8", "4Gi")
    assert [t.change for t in cap.trials] == ["+1 node like n-1 (4x cpu)"]
    assert cap.trials[-1].runs and cap.trials[-1].node == "n-1-whatif"


def test_rerun_budget_cuts_searches_short() -> None:
    e = explain_pod(fixture(HIERARCHY), "sandbox-7", max_reruns=1)
    w = e.what_if
    assert w is not None and w.reruns == 1 and w.cut_short and w.stopped_by == "max-reruns"
    assert w.capacity is not None and w.capacity.count is None and "re-run budget" in (w.capacity.answer or "")
    assert w.priority is not None and w.priority.lowest is None and "cut short" in w.priority.answer


def test_time_budget_cuts_searches_short() -> None:
    e = explain_pod(fixture(NEVER), "critical-app", what_if_seconds=0)
    w = e.what_if
    assert w is not None and w.reruns == 0 and w.cut_short and w.stopped_by == "what-if-seconds"
    assert w.priority is not None and w.priority.lowest is None


# ------------------------------------------------------------------ replacements, workloads, never attempted


def _rs_cluster() -> ClusterInput:
    web = {"app": "web", "pod-template-hash": "7d9f"}
    return cluster(pclass("low", 10), pclass("high", 1000), node("n-1", "1"),
                   pod("web-7d9f-abcde", "1", on="n-1", cls="low", labels=web, owner=("ReplicaSet", "web-7d9f")),
                   pod("web-7d9f-bcdfg", "100m", cls="low", labels=web, owner=("ReplicaSet", "web-7d9f")),
                   pod("p", "1", cls="high"))


def test_evicted_pod_and_its_replacement() -> None:
    ci = _rs_cluster()
    replacement = simulate_cluster(ci).outcome("default/web-7d9f-abcde")
    assert replacement is not None and replacement.replaced_by
    e = explain_pod(ci, "default/web-7d9f-abcde")
    ev = e.eviction
    assert ev is not None and ev.replacement == replacement.replaced_by
    assert ev.replacement_status == "pending" and ev.replacement_message is not None
    assert ev.replacement_note.startswith(f"ReplicaSet/web-7d9f recreated it as {replacement.replaced_by}, pending")

    r = explain_pod(ci, replacement.replaced_by)
    assert r.pod.initial == "replacement" and r.pod.replaces == "default/web-7d9f-abcde"
    assert r.outcome.startswith("replacement for default/web-7d9f-abcde, pending after 1 attempt")
    assert r.nodes is not None and r.what_if is not None and r.what_if.capacity is None


@pytest.mark.parametrize("query", ["deployment/web", "deploy/web", "default/deployment/web", "rs/web-7d9f"])
def test_workload_picks_its_first_pod(query: str) -> None:
    e = explain_pod(_rs_cluster(), query, max_reruns=0)
    assert e.pod.name == "web-7d9f-abcde"
    assert e.resolved == (f"{query.split('/', 1)[1] if query.startswith('default/') else query} has 2 pods: "
                          f"explaining the first, default/web-7d9f-abcde (also: default/web-7d9f-bcdfg)")


def test_gated_pod_was_never_attempted() -> None:
    e = explain_pod(cluster(node("n-1"), pod("g", spec={"schedulingGates": [{"name": "wait"}]})), "g")
    assert e.attempts == [] and e.outcome == "pending: the scheduler never tried it (see the message)"
    assert e.message == "Scheduling is blocked due to non-empty scheduling gates"
    assert e.what_if is not None and e.what_if.capacity is None and e.what_if.notes


def test_not_found_lists_close_matches() -> None:
    ci = fixture(HIERARCHY)
    with pytest.raises(PodNotFoundError) as exc:
        explain_pod(ci, "checkout")
    assert set(exc.value.matches) == {"prod/checkout-1", "prod/checkout-2"}
    with pytest.raises(PodNotFoundError) as exc:
        explain_pod(ci, "nothing-like-it")
    assert exc.value.matches == [] and str(exc.value) == 'pod "nothing-like-it" not found'


def test_name_in_two_namespaces_is_ambiguous() -> None:
    a = pod("same")
    b = pod("same")
    b["metadata"]["namespace"] = "other"
    with pytest.raises(PodNotFoundError) as exc:
        explain_pod(cluster(node("node-x"), a, b), "same")
    assert exc.value.matches == ["default/same", "other/same"]


# ------------------------------------------------------------------ a realistic generated cluster


def _generator() -> Any:
    import importlib.util
    import sys

    name = "priocli_bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, FIXTURES.parent / "benchmarks" / "generate.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def test_traced_answers_match_the_untraced_report(tmp_path: Any) -> None:
    """Tracing a pod (exact preemption dry runs, no skipped retries) must not change the pass:
    explain's message, eviction and reprieve story agree with what simulate reports."""
    gen = _generator()
    gen.generate(gen.shape_for("custom", 30, 600, 150), tmp_path, formats=("json",), seed=3)
    ci = load_cluster([str(tmp_path / "snapshot.json"), str(tmp_path / "wave.json")])
    report = simulate_cluster(ci)
    pending = [o for o in report.outcomes if o.status == "pending" and o.initial != "replacement"][:5]
    evicted = [o for o in report.outcomes if o.status == "evicted"][:5]
    assert pending and evicted
    for o in pending:
        e = explain_pod(ci, o.pod.key, max_reruns=0)
        assert e.message == o.message and e.attempts and e.attempts[-1].message == o.message
        assert e.nodes is not None and sum(g.count for g in e.nodes.groups) == report.node_count
    for o in evicted:
        e = explain_pod(ci, o.pod.key, max_reruns=0)
        ev = e.eviction
        assert ev is not None and (ev.preemptor, ev.node) == (o.preempted_by, o.node)
        assert ev.victim_step is not None and ev.victim_step.result == "victim" and ev.victim_step.reasons
        assert ev.replacement == o.replaced_by
        pre = explain_pod(ci, ev.preemptor, max_reruns=0)
        assert o.pod.key in pre.preempted


# ------------------------------------------------------------------ the command


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def test_cli_table_is_plain_when_not_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "explain", "critical-app", NEVER)
    assert (code, err) == (0, "")
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0] == "default/critical-app  priority 1000000 (high-priority, preemptionPolicy: Never)  queued → pending"
    assert lines[1].startswith("Outcome: pending after 1 attempt")
    report = simulate_paths([NEVER]).outcome("default/critical-app")
    assert report is not None and f"FailedScheduling: {report.message}" in lines
    assert re.search(r"1 node: Insufficient memory .*\[node-a\]", out)
    flat = " ".join(out.split())  # long lines wrap at the console width
    assert "not evaluated after the first failure: PodTopologySpread, InterPodAffinity" in flat
    assert "What would change" in out and "lowest priority at which it runs with PreemptLowerPriority: 1001" in flat


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "explain", "prod/checkout-2", HIERARCHY, "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["apiVersion"], doc["kind"]) == ("priocli/v1", "PodExplanation")
    assert set(doc) >= {"pod", "outcome", "message", "attempts", "nodes", "scoring", "preemption", "eviction",
                        "whatIf"}
    assert doc["pod"]["status"] == "running" and doc["pod"]["node"] == "node-b"
    assert doc["nodes"]["groups"][0] | {"filters": None} == {
        "verdict": "failed", "text": "Insufficient cpu, Insufficient memory", "plugin": "NodeResourcesFit",
        "code": "Unschedulable", "nodes": ["node-a", "node-b", "node-c"], "filters": None, "count": 3}
    pre = doc["preemption"]
    assert pre["decidingCriterion"] == "latest start time of the highest-priority victims"
    assert [c["node"] for c in pre["candidates"]] == ["node-a", "node-b"]
    assert [s["pod"] for s in pre["candidates"][1]["reprieve"]] == [
        "batch/etl-1", "default/sandbox-3", "default/sandbox-4"]
    assert doc["whatIf"]["capacity"]["count"] == 2


def test_cli_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "explain", "critcal-app", BLOG)
    assert (code, out) == (2, "")
    assert err == 'error: pod "critcal-app" not found; did you mean: default/critical-app?\n'


def test_cli_cluster_overlay_and_no_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "explain", "minor-app", "--cluster", f"{BLOG}/cluster.yaml",
                            f"{BLOG}/deploy.yaml", "--max-reruns", "0")
    assert code == 0 and "Outcome: evicted from node-a by default/critical-app" in out
    code, out, err = run_main(capsys, "explain", "minor-app")
    assert code == 2 and out == "" and err.startswith("error: explain needs inputs")


def test_identical_attempts_are_collapsed() -> None:
    import io

    from rich.console import Console

    from priocli.explain import AttemptSummary
    from priocli.render.explain import _attempts_tree

    e = explain_pod(fixture(NEVER), "critical-app", max_reruns=0)
    msg = e.attempts[0].message
    e.attempts = [AttemptSummary(c, "failed", None, False, [], msg) for c in (3, 7, 9)] + [
        AttemptSummary(12, "scheduled", "node-a", False, [], None)]
    console = Console(file=io.StringIO(), width=400, color_system=None)
    console.print(_attempts_tree(e))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "Attempts (4)"
    assert lines[1].startswith("├── cycles 3-9 (3 attempts, the same each time): failed: 0/1 nodes are available")
    assert lines[2] == "└── cycle 12: scheduled on node-a"


def test_colour_carries_meaning_on_a_terminal() -> None:
    import io

    from rich.console import Console

    from priocli.render.explain import render_explain

    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=160, highlight=False)
    render_explain(explain_pod(fixture(BLOG), "minor-app", max_reruns=0), console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[31mevicted\x1b[0m" in out  # the status, red
    assert re.search(r"\x1b\[31mvictim\x1b\[0m", out)  # the reprieve step that made it a victim, red


def test_cli_live_current_state_with_the_change(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import priocli.load.live
    from priocli.load.documents import read_paths
    from priocli.load.live import LiveState

    calls: list[tuple[str | None, str | None]] = []

    def fake_load_live(*, kubeconfig: str | None, context: str | None, **_: object) -> LiveState:
        calls.append((kubeconfig, context))
        return LiveState([d.obj for d in read_paths([f"{BLOG}/cluster.yaml"])], "https://api.example:6443",
                         context or "kind-dev")

    monkeypatch.setattr(priocli.load.live, "load_live", fake_load_live)
    code, out, err = run_main(capsys, "explain", "minor-app", "--context", "prod", f"{BLOG}/deploy.yaml",
                              "-o", "json", "--max-reruns", "0")
    assert code == 0 and calls == [(None, "prod")]
    doc = json.loads(out)
    assert doc["eviction"]["preemptor"] == "default/critical-app" and doc["pod"]["status"] == "evicted"
    code, _, err = run_main(capsys, "explain", "minor-app", "--live", "--cluster", f"{BLOG}/cluster.yaml")
    assert code == 2 and "exclusive" in err
