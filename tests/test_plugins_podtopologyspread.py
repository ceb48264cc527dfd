"""PodTopologySpread: hard constraints (``whenUnsatisfiable: DoNotSchedule``) filter with
``node(s) didn't match pod topology spread constraints`` (Unschedulable) or, on a node without
the topology key, ``... (missing required label)`` (UnschedulableAndUnresolvable); soft
constraints and the system defaults (hostname 3, zone 5) score.

skew = matching pods in the node's domain + (1 if the pod matches its own selector) - the
smallest domain count (0 when there are fewer domains than ``minDomains``). Counted: pods of
the same namespace, not terminating, on nodes that have every key and pass the inclusion
policies (``nodeAffinityPolicy`` Honor, ``nodeTaintsPolicy`` Ignore by default); ``{}``
counts nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import message, node, pc, pod, run, states, taint, trace

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
REASON = "node(s) didn't match pod topology spread constraints"
MISSING = "node(s) didn't match pod topology spread constraints (missing required label)"
WEB = {"app": "web"}


def zone_node(name: str, zone: str, **kw: Any) -> dict:
    labels = {ZONE: zone, **kw.pop("labels", {})}
    return node(name, labels=labels, **kw)


def constraint(key: str = ZONE, max_skew: int = 1, selector: dict | str | None = "web", *,
               when: str = "DoNotSchedule", **extra: Any) -> dict:
    c: dict[str, Any] = {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when}
    if selector == "web":
        c["labelSelector"] = {"matchLabels": dict(WEB)}
    elif selector is not None:
        c["labelSelector"] = selector
    c.update(extra)
    return c


def spread_pod(*constraints: dict, name: str = "p", labels: dict | None = None, **kw: Any) -> dict:
    spec = {"topologySpreadConstraints": list(constraints), **kw.pop("spec", {})}
    return pod(name, labels=WEB if labels is None else labels, spec=spec, **kw)


def web(name: str, on: str, **kw: Any) -> dict:
    return pod(name, node=on, labels=kw.pop("labels", WEB), **kw)


def filler(name: str, on: str, **kw: Any) -> dict:
    """A pod that matches no selector, to give nodes equal load (scores then tie: name order)."""
    return pod(name, node=on, labels={"app": "other"}, **kw)


def where(*docs: dict) -> tuple[str, str | None]:
    return states(run(*docs))["default/p"]


# ----------------------------------------------------------------------------- skew


def test_pod_goes_to_the_zone_with_fewer_matching_pods() -> None:
    nodes = (zone_node("a1", "a"), zone_node("a2", "a"), zone_node("b1", "b"))
    assert where(*nodes, web("w1", "a1"), filler("f", "b1"), spread_pod(constraint())) == ("running", "b1")


def test_max_skew_allows_the_difference() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    assert where(*nodes, web("w1", "a1"), filler("f", "b1"), spread_pod(constraint(max_skew=2))) == ("running", "a1")


def test_skew_failure_message() -> None:
    result = run(zone_node("a1", "a"), zone_node("a2", "a"), zone_node("b1", "b", cpu="1"),
                 web("w1", "a1"), filler("f", "b1", cpu="1"), spread_pod(constraint(), cpu="1"))
    assert states(result)["default/p"] == ("pending", None)
    assert message(result, "default/p") == (
        f"0/3 nodes are available: 1 Insufficient cpu, 2 {REASON}. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")


def test_hostname_spreading() -> None:
    nodes = (zone_node("a1", "a"), zone_node("a2", "a"), zone_node("a3", "a"))
    docs = (*nodes, web("w1", "a1"), web("w2", "a2"), filler("f", "a3", cpu="2"))
    assert where(*docs, spread_pod(constraint(HOST))) == ("running", "a3")


def test_pods_queued_in_one_pass_spread() -> None:
    nodes = (zone_node("a1", "a"), zone_node("a2", "a"), zone_node("b1", "b"), zone_node("b2", "b"))
    pods = [spread_pod(constraint(), name=f"p{i}") for i in range(4)]
    result = run(*nodes, *pods)
    placed = [states(result)[f"default/p{i}"] for i in range(4)]
    assert sorted(n[:1] for st, n in placed if st == "running" and n) == ["a", "a", "b", "b"]


def test_a_pod_not_matching_its_own_selector() -> None:
    """self = 0: skew = count - min, so a node whose domain is 1 ahead still passes with maxSkew 1."""
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1"), filler("f", "b1"))
    assert where(*docs, spread_pod(constraint(), labels={"app": "other"})) == ("running", "a1")
    assert where(*docs, web("w2", "a1"), spread_pod(constraint(), labels={"app": "other"})) == ("running", "b1")


# ----------------------------------------------------------------------------- minDomains


def test_min_domains_shortfall_forces_the_minimum_to_zero() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1"), web("w2", "b1"))
    assert where(*docs, spread_pod(constraint())) == ("running", "a1")
    result = run(*docs, spread_pod(constraint(minDomains=3)))
    assert message(result, "default/p") == (
        f"0/2 nodes are available: 2 {REASON}. "
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")


def test_min_domains_met() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"), zone_node("c1", "c"))
    docs = (*nodes, web("w1", "a1"), web("w2", "b1"), web("w3", "c1"))
    assert where(*docs, spread_pod(constraint(minDomains=3))) == ("running", "a1")


# ----------------------------------------------------------------------------- inclusion policies


def test_node_affinity_policy_honor_ignores_nodes_the_pod_cannot_use() -> None:
    nodes = (zone_node("a1", "a", labels={"pool": "main"}), zone_node("b1", "b", labels={"pool": "main"}),
             zone_node("c1", "c", labels={"pool": "spare"}))
    docs = (*nodes, web("w1", "a1"), web("w2", "b1"))
    sel = {"nodeSelector": {"pool": "main"}}
    assert where(*docs, spread_pod(constraint(), spec=sel)) == ("running", "a1")
    assert where(*docs, spread_pod(constraint(nodeAffinityPolicy="Honor"), spec=sel)) == ("running", "a1")
    # Ignore: c1's empty zone counts, so the minimum is 0 and a1, b1 are one ahead
    result = run(*docs, spread_pod(constraint(nodeAffinityPolicy="Ignore"), spec=sel))
    assert message(result, "default/p") == (
        f"0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 {REASON}. "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod.")


def test_node_taints_policy() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"), zone_node("c1", "c", taints=[taint("dedicated", "x")]))
    docs = (*nodes, web("w1", "a1"), web("w2", "b1"))
    assert where(*docs, spread_pod(constraint(nodeTaintsPolicy="Honor"))) == ("running", "a1")
    # Ignore (the default): the tainted node's empty zone counts
    for c in (constraint(), constraint(nodeTaintsPolicy="Ignore")):
        result = run(*docs, spread_pod(c))
        assert message(result, "default/p") == (
            f"0/3 nodes are available: 1 node(s) had untolerated taint {{dedicated: x}}, 2 {REASON}. "
            "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
            "2 No preemption victims found for incoming pod.")


# ----------------------------------------------------------------------------- selectors


def test_match_label_keys_narrow_the_selector_to_the_pods_value() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    v2 = {**WEB, "version": "v2"}
    docs = (*nodes, web("old", "a1", labels={**WEB, "version": "v1"}), filler("f", "b1"))
    assert where(*docs, spread_pod(constraint(), labels=v2)) == ("running", "b1")
    assert where(*docs, spread_pod(constraint(matchLabelKeys=["version"]), labels=v2)) == ("running", "a1")
    # a key the pod does not have is ignored
    assert where(*docs, spread_pod(constraint(matchLabelKeys=["track"]), labels=v2)) == ("running", "b1")


def test_empty_selector_counts_nothing() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1"), web("w2", "a1"), web("w3", "a1"),
            filler("f1", "b1"), filler("f2", "b1"), filler("f3", "b1"))
    assert where(*docs, spread_pod(constraint())) == ("running", "b1")
    assert where(*docs, spread_pod(constraint(selector={}))) == ("running", "a1")


def test_no_selector_matches_nothing() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1"), web("w2", "a1"), filler("f1", "b1"), filler("f2", "b1"))
    assert where(*docs, spread_pod(constraint(selector=None))) == ("running", "a1")


def test_only_pods_of_the_same_namespace_count() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1", ns="other"), filler("f", "b1"))
    assert where(*docs, spread_pod(constraint())) == ("running", "a1")


def test_terminating_pods_do_not_count() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1", meta={"deletionTimestamp": "2024-05-01T10:00:00Z"}), filler("f", "b1"))
    assert where(*docs, spread_pod(constraint())) == ("running", "a1")


# ----------------------------------------------------------------------------- missing label


def test_node_without_the_topology_key() -> None:
    result = run(node("bare"), spread_pod(constraint()))
    assert message(result, "default/p") == (
        f"0/1 nodes are available: 1 {MISSING}. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


def test_nodes_without_the_key_are_skipped_and_not_counted() -> None:
    docs = (node("bare"), zone_node("z1", "a"), web("w1", "bare"), spread_pod(constraint()))
    assert where(*docs) == ("running", "z1")


def test_missing_label_is_counted_per_node_with_other_reasons() -> None:
    result = run(node("bare1"), node("bare2"), zone_node("a1", "a"), zone_node("b1", "b"),
                 web("w1", "a1"), filler("f", "b1", cpu="4"), spread_pod(constraint(), cpu="1"))
    assert message(result, "default/p") == (
        f"0/4 nodes are available: 1 Insufficient cpu, 1 {REASON}, 2 {MISSING}. "
        "preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling.")


# ----------------------------------------------------------------------------- preemption


def test_preemption_removes_a_matching_lower_priority_pod_to_fix_the_skew() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b", cpu="1"))
    result = run(*nodes, pc("high", 1000), web("w-low", "a1"), pod("f", cls="high", node="b1", cpu="1"),
                 spread_pod(constraint(), cls="high", cpu="1"))
    assert states(result) == {"default/f": ("running", "b1"), "default/p": ("running", "a1"),
                              "default/w-low": ("evicted", "a1")}


def test_preemption_does_not_help_when_the_matching_pods_are_not_lower() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b", cpu="1"))
    result = run(*nodes, pc("high", 1000), web("w", "a1", cls="high"), pod("other", node="a1"),
                 pod("f", cls="high", node="b1", cpu="1"), spread_pod(constraint(), cls="high", cpu="1"))
    assert message(result, "default/p") == (
        f"0/2 nodes are available: 1 Insufficient cpu, 1 {REASON}. "
        f"preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 {REASON}.")


# ----------------------------------------------------------------------------- scoring

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": dict(WEB)}}


def test_system_default_spreading_for_pods_of_a_service() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1"), filler("f", "b1"))
    assert where(*docs, pod("p", labels=WEB)) == ("running", "a1")  # no Service: a tie, name order
    assert where(*docs, SERVICE, pod("p", labels=WEB)) == ("running", "b1")
    [attempt] = trace("default/p", *docs, SERVICE, pod("p", labels=WEB))
    assert attempt.scores is not None
    # raw a1 = round(1*ln 4 + 2 + 1*ln 4 + 4) = 9, b1 = 6 -> 100*(9+6-raw)/9 -> 66, 100; weight 2
    assert attempt.scores.plugins["PodTopologySpread"].tolist() == [132, 200]


def test_no_system_defaults_without_a_service_or_controller() -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    [attempt] = trace("default/p", *nodes, web("w1", "a1"), filler("f", "b1"), pod("p", labels=WEB))
    assert attempt.scores is not None and "PodTopologySpread" not in attempt.scores.plugins


def test_hard_constraints_only_get_no_spreading_score() -> None:
    nodes = (zone_node("a1", "a"), zone_node("a2", "a"))
    [attempt] = trace("default/p", *nodes, SERVICE, web("w1", "a1"), filler("f", "a2"),
                      spread_pod(constraint(max_skew=5)))
    assert attempt.scores is not None and "PodTopologySpread" not in attempt.scores.plugins


@pytest.mark.parametrize("key", [ZONE, HOST])
def test_soft_constraint_prefers_the_smaller_domain(key: str) -> None:
    nodes = (zone_node("a1", "a"), zone_node("b1", "b"))
    docs = (*nodes, web("w1", "a1"), filler("f", "b1"))
    assert where(*docs, spread_pod(constraint(key, when="ScheduleAnyway"))) == ("running", "b1")
    [attempt] = trace("default/p", *docs, spread_pod(constraint(key, when="ScheduleAnyway")))
    assert attempt.scores is not None
    # raw a1 = round(1 * ln(2 + 2)) = 1, b1 = 0 -> 100*(1+0-raw)/1 -> 0, 100; weight 2
    assert attempt.scores.plugins["PodTopologySpread"].tolist() == [0, 200]
