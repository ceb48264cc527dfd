"""NodeResourcesFit (filter: ``Too many pods``, ``Insufficient <resource>``, all reasons of a node
together, Unschedulable) with its LeastAllocated score, and NodeResourcesBalancedAllocation.

Filtering uses real requests; the pod count is checked even for pods that request nothing,
which skip every other check (the zero-request shortcut). LeastAllocated uses the non-zero
defaults (100m / 200Mi per container without an entry), BalancedAllocation real requests.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import failures, load, message, node, pc, pod, run, states, trace
from hypothesis import given, settings
from hypothesis import strategies as st

NO_VICTIMS = "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
MI = 1024 * 1024


def pending_message(*docs: dict) -> str | None:
    result = run(*docs)
    assert states(result)["default/p"] == ("pending", None)
    return message(result, "default/p")


# ----------------------------------------------------------------------------- filter reasons


def test_too_many_pods() -> None:
    assert pending_message(node("a", pods=1), pod("x", node="a"), pod("p", cpu="1")) == (
        f"0/1 nodes are available: 1 Too many pods. {NO_VICTIMS}")


def test_too_many_pods_even_for_a_pod_that_requests_nothing() -> None:
    assert pending_message(node("a", pods=2), pod("x", node="a"), pod("y", node="a"), pod("p")) == (
        f"0/1 nodes are available: 1 Too many pods. {NO_VICTIMS}")


def test_node_without_pods_allocatable_fits_no_pod() -> None:
    n = node("a")
    del n["status"]["allocatable"]["pods"]
    assert pending_message(n, pod("p")) == f"0/1 nodes are available: 1 Too many pods. {NO_VICTIMS}"


@pytest.mark.parametrize(("resource", "alloc", "used", "wanted"), [
    ("cpu", "2", "1500m", "501m"),
    ("memory", "1Gi", "512Mi", "513Mi"),
    ("ephemeral-storage", "10Gi", "8Gi", "3Gi"),
    ("nvidia.com/gpu", "2", "1", "2"),
    ("hugepages-2Mi", "64Mi", "32Mi", "34Mi"),
])
def test_insufficient_resource(resource: str, alloc: str, used: str, wanted: str) -> None:
    n = node("a", alloc={resource: alloc})
    docs = [n, pod("x", node="a", resources={"requests": {resource: used}}),
            pod("p", resources={"requests": {resource: wanted}})]
    assert pending_message(*docs) == f"0/1 nodes are available: 1 Insufficient {resource}. {NO_VICTIMS}"


@pytest.mark.parametrize(("resource", "alloc", "used", "wanted"), [
    ("cpu", "2", "1500m", "500m"),
    ("memory", "1Gi", "512Mi", "512Mi"),
    ("nvidia.com/gpu", "2", "1", "1"),
])
def test_exactly_the_free_amount_fits(resource: str, alloc: str, used: str, wanted: str) -> None:
    result = run(node("a", alloc={resource: alloc}), pod("x", node="a", resources={"requests": {resource: used}}),
                 pod("p", resources={"requests": {resource: wanted}}))
    assert states(result)["default/p"] == ("running", "a")


def test_extended_resource_the_node_does_not_have() -> None:
    assert pending_message(node("a"), pod("p", resources={"requests": {"nvidia.com/gpu": "1"}})) == (
        f"0/1 nodes are available: 1 Insufficient nvidia.com/gpu. {NO_VICTIMS}")


def test_extended_resource_from_limits() -> None:
    assert pending_message(node("a"), pod("p", resources={"limits": {"nvidia.com/gpu": "1"}})) == (
        f"0/1 nodes are available: 1 Insufficient nvidia.com/gpu. {NO_VICTIMS}")


def test_every_failing_resource_is_a_reason() -> None:
    docs = [node("a", cpu="1", memory="1Gi", pods=1), pod("x", node="a"),
            pod("p", resources={"requests": {"cpu": "2", "memory": "2Gi", "nvidia.com/gpu": "1"}})]
    assert pending_message(*docs) == (
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Insufficient nvidia.com/gpu, "
        f"1 Too many pods. {NO_VICTIMS}")


def test_zero_request_pod_fits_an_overcommitted_node() -> None:
    """Pods bound by the kubelet can overcommit a node; a pod that requests nothing still fits."""
    docs = [node("a", cpu="1", memory="1Gi"), pod("x", node="a", cpu="3", memory="3Gi")]
    assert states(run(*docs, pod("p")))["default/p"] == ("running", "a")
    zero = pod("p", resources={"requests": {"cpu": "0", "memory": "0"}})
    assert states(run(*docs, zero))["default/p"] == ("running", "a")


def test_only_requested_resources_are_checked() -> None:
    docs = [node("a", cpu="1", memory="1Gi"), pod("x", node="a", cpu="3")]
    assert states(run(*docs, pod("p", memory="512Mi")))["default/p"] == ("running", "a")
    assert pending_message(*docs, pod("p", cpu="1m")) == f"0/1 nodes are available: 1 Insufficient cpu. {NO_VICTIMS}"


def test_zero_extended_request_is_not_checked() -> None:
    result = run(node("a"), pod("p", resources={"requests": {"nvidia.com/gpu": "0", "cpu": "1"}}))
    assert states(result)["default/p"] == ("running", "a")


def test_finished_pods_consume_nothing_terminating_pods_do() -> None:
    done = pod("done", node="a", cpu="2", status={"phase": "Succeeded"})
    assert states(run(node("a", cpu="2"), done, pod("p", cpu="2")))["default/p"] == ("running", "a")
    leaving = pod("leaving", node="a", cpu="2", meta={"deletionTimestamp": "2024-05-01T10:00:00Z"})
    assert states(run(node("a", cpu="2"), leaving, pod("p", cpu="2")))["default/p"] == ("pending", None)


def test_pods_scheduled_earlier_in_the_pass_count() -> None:
    result = run(node("a", cpu="2"), node("b", cpu="2"), pod("p1", cpu="1500m"), pod("p2", cpu="1500m"),
                 pod("p3", cpu="1500m"))
    assert sorted(states(result).values()) == [("pending", None), ("running", "a"), ("running", "b")]
    assert message(result, "default/p3") == (
        "0/2 nodes are available: 2 Insufficient cpu. "
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")


def test_preemption_for_an_extended_resource() -> None:
    result = run(node("a", alloc={"nvidia.com/gpu": "1"}), pc("high", 1000),
                 pod("train", node="a", resources={"requests": {"nvidia.com/gpu": "1"}}),
                 pod("web", node="a", cpu="1"),
                 pod("p", cls="high", resources={"requests": {"nvidia.com/gpu": "1"}}))
    assert states(result) == {"default/p": ("running", "a"), "default/train": ("evicted", "a"),
                              "default/web": ("running", "a")}


def test_preemption_frees_a_pod_slot_for_a_pod_that_requests_nothing() -> None:
    result = run(node("a", pods=1), pc("high", 1000), pod("low", node="a"), pod("p", cls="high"))
    assert states(result) == {"default/low": ("evicted", "a"), "default/p": ("running", "a")}
    assert failures(result, "default/p") == ["0/1 nodes are available: 1 Too many pods."]


def test_dry_run_status_after_removing_every_lower_priority_pod() -> None:
    result = run(node("a", cpu="2", memory="2Gi"), pc("high", 1000), pc("top", 2000),
                 pod("big", cls="top", node="a", cpu="1500m"), pod("small", node="a", cpu="500m", memory="1Gi"),
                 pod("p", cls="high", cpu="1", memory="1536Mi"))
    assert message(result, "default/p") == (
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. "
        "preemption: 0/1 nodes are available: 1 Insufficient cpu.")


# ----------------------------------------------------------------------------- scoring


SCORING_NODES = (
    node("a", cpu="4", memory="8Gi"), node("b", cpu="4", memory="8Gi"), node("c", cpu="4", memory="8Gi"),
    pod("on-a", node="a", cpu="1", memory="1Gi"),
    pod("on-c", node="c", cpu="1"),  # no memory request: 200Mi for LeastAllocated, 0 for BalancedAllocation
)


def scores(p: dict) -> tuple[list[int], list[int]]:
    [attempt] = trace("default/p", *SCORING_NODES, p)
    assert attempt.scores is not None and attempt.scores.nodes.tolist() == [0, 1, 2]
    plugins = attempt.scores.plugins
    return plugins["NodeResourcesFit"].tolist(), plugins["NodeResourcesBalancedAllocation"].tolist()


def least(cpu_used: int, cpu_alloc: int, mem_used: int, mem_alloc: int) -> int:
    return ((cpu_alloc - cpu_used) * 100 // cpu_alloc + (mem_alloc - mem_used) * 100 // mem_alloc) // 2


def balanced(cpu_frac: float, mem_frac: float) -> int:
    return int((1 - abs(cpu_frac - mem_frac) / 2) * 100)


def test_least_allocated_and_balanced_allocation_worked_example() -> None:
    fit, bal = scores(pod("p", cpu="1", memory="2Gi"))
    # a: cpu 2000/4000, memory 3Gi/8Gi -> (50 + 62) / 2 = 56; balanced |0.5 - 0.375| / 2 -> 93
    # b: cpu 1000/4000, memory 2Gi/8Gi -> 75; balanced 100
    # c: memory 200Mi (non-zero default of on-c) + 2Gi -> (50 + 72) / 2 = 61; balanced |0.5 - 0.25| / 2 -> 87
    assert fit == [56, 75, 61]
    assert bal == [93, 100, 87]
    assert fit == [least(2000, 4000, 3072 * MI, 8192 * MI), least(1000, 4000, 2048 * MI, 8192 * MI),
                   least(2000, 4000, 2248 * MI, 8192 * MI)]
    assert bal == [balanced(0.5, 0.375), balanced(0.25, 0.25), balanced(0.5, 0.25)]


def test_scoring_defaults_for_a_pod_without_memory_request() -> None:
    fit, bal = scores(pod("p", cpu="1"))
    # LeastAllocated counts the pod as 200Mi; BalancedAllocation as 0
    assert fit == [least(2000, 4000, 1224 * MI, 8192 * MI), least(1000, 4000, 200 * MI, 8192 * MI),
                   least(2000, 4000, 400 * MI, 8192 * MI)]
    assert fit == [67, 86, 72]
    assert bal == [balanced(0.5, 0.125), balanced(0.25, 0.0), balanced(0.5, 0.0)]
    assert bal == [81, 87, 75]


def test_least_allocated_picks_the_emptiest_node() -> None:
    result = run(*SCORING_NODES, pod("p", cpu="1", memory="2Gi"))
    assert states(result)["default/p"] == ("running", "b")


def test_one_feasible_node_is_chosen_without_scoring() -> None:
    [attempt] = trace("default/p", node("a", cpu="1"), node("b"), pod("p", cpu="2"))
    assert attempt.node == 1 and attempt.scores is None


# ----------------------------------------------------------------------------- one node vs all nodes

_alloc = st.integers(min_value=0, max_value=2**40)


@settings(max_examples=200, deadline=None)
@given(nodes=st.lists(st.tuples(_alloc, _alloc, st.integers(0, 20), _alloc, _alloc, st.integers(0, 25)),
                      min_size=1, max_size=12),
       cpu=st.integers(0, 2**36), memory=st.integers(0, 2**40), nominated=st.booleans())
def test_one_by_one_and_whole_array_forms_agree(nodes: list[tuple[int, int, int, int, int, int]], cpu: int,
                                                memory: int, nominated: bool) -> None:
    """filter_all, least_allocated and balanced_allocation evaluate small node sets one node at a
    time (noderesources.SCALAR_BELOW): same statuses and scores as the whole-array form."""
    from priocli.framework import StatusTable
    from priocli.model import Node
    from priocli.plugins import noderesources as nr
    from priocli.state import ClusterState

    model = [Node(index=i, name=f"n{i}", labels={}, allocatable={"cpu": a_cpu, "memory": a_mem, "pods": a_pods})
             for i, (a_cpu, a_mem, a_pods, _, _, _) in enumerate(nodes)]
    state = ClusterState(model, ["cpu", "memory"])
    for i, (_, _, _, used_cpu, used_mem, used_pods) in enumerate(nodes):
        state.requested[i] = (used_cpu, used_mem)
        state.nonzero[i] = (used_cpu // 2, used_mem // 3)
        state.npods[i] = used_pods
    the_pod = load(pod("p", cpu=f"{cpu}m", memory=str(memory))).pods[0]
    idx = np.arange(len(nodes), dtype=np.int64)
    extra = (np.full((len(nodes), 2), 7, dtype=np.int64), np.ones(len(nodes), dtype=np.int64)) if nominated else None
    out = []
    for below in (0, 10**6):
        table = StatusTable()
        codes, ids = np.zeros(len(nodes), dtype=np.int8), np.full(len(nodes), -1, dtype=np.int32)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(nr, "SCALAR_BELOW", below)
            nr.filter_all(state, the_pod, idx, table, codes, ids, extra)
            out.append(([table.statuses[k] if k >= 0 else None for k in ids.tolist()], codes.tolist(),
                        nr.least_allocated(state, the_pod, idx).tolist(),
                        nr.balanced_allocation(state, the_pod, idx).tolist()))
    assert out[0] == out[1]
