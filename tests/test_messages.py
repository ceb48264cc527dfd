"""The FailedScheduling message, word for word as v1.29.4 formats it (FitError.Error):

``0/<all nodes> nodes are available: <histogram or PreFilter message>. <PostFilter message>``

The histogram counts each reason of each node's status, items sorted as whole strings
(count included), so ``10 ...`` sorts before ``2 ...`` and the counts can add up to more than
the number of nodes. The PostFilter message is one of ``preemption: not eligible due to
preemptionPolicy=Never.``, ``preemption: not eligible due to a terminating pod on the nominated
node.``, or ``preemption: `` + the FitError of the dry runs; nothing after a successful
preemption. A cluster without nodes gives ``no nodes available to schedule pods``.
"""

from __future__ import annotations

from helpers import (
    NEVER_SUFFIX,
    TERMINATING_SUFFIX,
    failures,
    message,
    node,
    pc,
    pod,
    run,
    states,
    taint,
)

from priocli.framework import format_fit_error

CONTROL_PLANE = "node-role.kubernetes.io/control-plane"


def full_workers(n: int, *, cpu: str = "1") -> list[dict]:
    docs = []
    for i in range(n):
        docs.append(node(f"worker-{i:02d}", cpu=cpu))
        docs.append(pod(f"fill-{i:02d}", node=f"worker-{i:02d}", cpu=cpu))
    return docs


def test_histogram_sorts_as_text_ten_before_two() -> None:
    """Reference §6 worked example 4."""
    docs = [node("cp-1", taints=[taint(CONTROL_PLANE)]), node("cp-2", taints=[taint(CONTROL_PLANE)]),
            *full_workers(10), pod("p", cpu="1")]
    assert message(run(*docs), "default/p") == (
        "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint "
        f"{{{CONTROL_PLANE}: }}. "
        "preemption: 0/12 nodes are available: 10 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling.")


def test_histogram_one_before_eleven() -> None:
    docs = [node("cp", taints=[taint(CONTROL_PLANE)]), *full_workers(11), pod("p", cpu="1")]
    assert message(run(*docs), "default/p") == (
        f"0/12 nodes are available: 1 node(s) had untolerated taint {{{CONTROL_PLANE}: }}, 11 Insufficient cpu. "
        "preemption: 0/12 nodes are available: 1 Preemption is not helpful for scheduling, "
        "11 No preemption victims found for incoming pod.")


def test_counts_exceed_the_number_of_nodes_when_a_node_has_two_reasons() -> None:
    docs = [node("a", cpu="1", memory="1Gi"), node("b", cpu="1", memory="1Gi"), pod("p", cpu="2", memory="2Gi")]
    assert message(run(*docs), "default/p") == (
        "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. "
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")


def test_only_the_first_failing_plugin_of_a_node_counts() -> None:
    docs = [node("a", cpu="1", taints=[taint("dedicated", "x")]), node("b", cpu="1", unschedulable=True),
            pod("p", cpu="2")]
    assert message(run(*docs), "default/p") == (
        "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: x}, 1 node(s) were unschedulable. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")


def test_all_nodes_are_counted_even_when_fewer_were_filtered() -> None:
    """A PreFilterResult (``matchFields metadata.name``) filters one node: the histogram has one
    entry, the total is still every node."""
    pinned = pod("p", cpu="2", spec={"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]}]}}}})
    result = run(node("a", cpu="1"), node("b", cpu="1"), node("c", cpu="1"), pinned)
    assert message(result, "default/p") == (
        "0/3 nodes are available: 1 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")


def test_pre_filter_rejection_replaces_the_histogram() -> None:
    conflict = pod("p", spec={"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["a"]},
            {"key": "metadata.name", "operator": "In", "values": ["b"]}]}]}}}})
    result = run(node("a"), node("b"), node("c"), conflict)
    assert message(result, "default/p") == (
        "0/3 nodes are available: pod affinity terms conflict. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_no_nodes() -> None:
    result = run(pc("high", 1000), pod("p", cls="high"), pod("q"))
    assert states(result) == {"default/p": ("pending", None), "default/q": ("pending", None)}
    assert message(result, "default/p") == "no nodes available to schedule pods"
    assert message(result, "default/q") == "no nodes available to schedule pods"
    assert result.evictions == []


# ----------------------------------------------------------------------------- PostFilter suffixes


def test_suffix_never() -> None:
    docs = [node("a", cpu="1"), pc("batch", 1000, never=True), pod("low", node="a", cpu="1"),
            pod("p", cls="batch", cpu="1")]
    assert message(run(*docs), "default/p") == f"0/1 nodes are available: 1 Insufficient cpu. {NEVER_SUFFIX}"
    assert NEVER_SUFFIX == "preemption: not eligible due to preemptionPolicy=Never."


def test_suffix_terminating_pod_on_the_nominated_node() -> None:
    docs = [node("a", cpu="2"), pc("high", 1000),
            pod("t", node="a", cpu="1", meta={"deletionTimestamp": "2024-05-01T10:00:00Z"},
                status={"conditions": [{"type": "DisruptionTarget", "status": "True",
                                        "reason": "PreemptionByScheduler"}]}),
            pod("p", cls="high", cpu="2", status={"nominatedNodeName": "a"})]
    assert message(run(*docs), "default/p") == f"0/1 nodes are available: 1 Insufficient cpu. {TERMINATING_SUFFIX}"
    assert TERMINATING_SUFFIX == "preemption: not eligible due to a terminating pod on the nominated node."


def test_terminating_pod_without_the_scheduler_condition_does_not_block() -> None:
    """Only a DisruptionTarget=True/PreemptionByScheduler terminating pod makes the pod ineligible:
    here preemption runs (and picks the terminating pod again)."""
    docs = [node("a", cpu="2"), pc("high", 1000),
            pod("t", node="a", cpu="1", meta={"deletionTimestamp": "2024-05-01T10:00:00Z"}),
            pod("p", cls="high", cpu="2", status={"nominatedNodeName": "a"})]
    result = run(*docs)
    assert failures(result, "default/p") == ["0/1 nodes are available: 1 Insufficient cpu."]
    assert [e.pod for e in result.evictions] == ["default/t"]


def test_suffix_no_candidate_is_the_dry_runs_fit_error() -> None:
    """The inner total counts the nodes with a preemption status; UU nodes say "not helpful"."""
    docs = [node("a", cpu="1"), node("b", cpu="1"), node("c", cpu="1", taints=[taint("gpu")]),
            pc("high", 1000), pc("top", 2000),
            pod("peer", node="a", cls="high", cpu="1"), pod("big", node="b", cls="top", cpu="1"),
            pod("low", node="b", cpu="0"),
            pod("p", cls="high", cpu="1")]
    assert message(run(*docs), "default/p") == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: }, 2 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod, "
        "1 Preemption is not helpful for scheduling.")


def test_no_suffix_after_a_successful_preemption() -> None:
    docs = [node("a", cpu="1"), pc("high", 1000), pod("low", node="a", cpu="1"), pod("p", cls="high", cpu="1")]
    result = run(*docs)
    assert failures(result, "default/p") == ["0/1 nodes are available: 1 Insufficient cpu."]
    assert message(result, "default/p") is None  # it runs now
    assert states(result)["default/p"] == ("running", "a")


def test_messages_never_end_with_two_periods() -> None:
    docs = [node("a", cpu="1"), pc("batch", 1000, never=True), pod("low", node="a", cpu="1"),
            pod("p", cls="batch", cpu="1"), pod("q", cpu="1")]
    result = run(*docs)
    for key in ("default/p", "default/q"):
        m = message(result, key)
        assert m is not None and m.endswith(".") and not m.endswith("..")


# ----------------------------------------------------------------------------- format_fit_error


def test_format_fit_error_direct() -> None:
    hist = {"Insufficient cpu": 10, "node(s) had untolerated taint {a: }": 2, "Insufficient memory": 3}
    assert format_fit_error(12, hist) == (
        "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint {a: }, "
        "3 Insufficient memory.")
    assert format_fit_error(3, hist, prefilter_msg="pod affinity terms conflict") == (
        "0/3 nodes are available: pod affinity terms conflict.")
    assert format_fit_error(1, {"Too many pods": 1}, postfilter_msg=NEVER_SUFFIX) == (
        f"0/1 nodes are available: 1 Too many pods. {NEVER_SUFFIX}")
    assert format_fit_error(0, {}) == "0/0 nodes are available:"
