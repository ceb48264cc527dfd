"""NodeName: a pod naming a node fits only that node (UnschedulableAndUnresolvable elsewhere).

Pods with ``spec.nodeName`` bypass the scheduler (the kubelet admits them), so in a pass they
are current state, never queued: the filter itself is checked directly.
"""

from __future__ import annotations

from dataclasses import replace

from helpers import load, node, pod, run, states

from priocli.framework import UNSCHEDULABLE_AND_UNRESOLVABLE
from priocli.load.parse import Admission, parse_node, parse_pod
from priocli.plugins import nodename

REASON = "node(s) didn't match the requested node name"


def test_filter_rejects_every_other_node() -> None:
    admission = Admission.build([])
    a, b = parse_node(node("a"), None, 0), parse_node(node("b"), None, 1)
    free = parse_pod(pod("p"), None, 0, admission).pod
    pinned = replace(free, spec=replace(free.spec, node_name="a"))
    assert nodename.filter_node(pinned, a) is None
    st = nodename.filter_node(pinned, b)
    assert st is not None
    assert (st.code, st.reasons, st.plugin) == (UNSCHEDULABLE_AND_UNRESOLVABLE, (REASON,), "NodeName")


def test_filter_passes_pods_without_node_name() -> None:
    admission = Admission.build([])
    free = parse_pod(pod("p"), None, 0, admission).pod
    assert nodename.filter_node(free, parse_node(node("b"), None, 0)) is None


def test_pod_with_node_name_runs_there_without_being_scheduled() -> None:
    """The kubelet, not the scheduler, admits it: it runs even where it does not fit."""
    result = run(node("a", cpu="1"), node("b"), pod("big", cpu="3", node="a"))
    assert states(result) == {"default/big": ("running", "a")}
    assert [e for e in result.events if e["pod"] == "default/big"] == []


def test_pod_bound_to_an_unknown_node() -> None:
    result = run(node("a"), pod("ghost", node="gone"))
    assert states(result) == {"default/ghost": ("running", "gone")}
    assert [(w.code, w.object) for w in result.warnings] == [("UnknownNode", "Node gone")]
    assert load(node("a"), pod("ghost", node="gone")).pods[0].node_name == "gone"
