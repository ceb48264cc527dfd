"""NodeAffinity: ``nodeSelector`` AND required node affinity filter (UnschedulableAndUnresolvable,
``node(s) didn't match Pod's node affinity/selector``), the ``metadata.name`` PreFilter
(``pod affinity terms conflict``, PreFilterResult) and preferred terms scoring.

Terms are ORed, requirements inside a term ANDed; an empty term and a malformed term match
nothing, but the other terms are still tried.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import failures, message, node, pc, pod, run, states, trace

from priocli.load.parse import Admission, parse_node, parse_pod
from priocli.plugins import nodeaffinity

REASON = "node(s) didn't match Pod's node affinity/selector"

NODES = {
    "a": node("a", labels={"zone": "a", "size": "8", "disk": "ssd"}),
    "b": node("b", labels={"zone": "b", "size": "16"}),
    "c": node("c", labels={"zone": "c", "size": "x", "disk": "hdd"}),
}


def expr(key: str, op: str, *values: str) -> dict[str, Any]:
    e: dict[str, Any] = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


def term(*exprs: dict, fields: list[dict] | None = None) -> dict[str, Any]:
    t: dict[str, Any] = {}
    if exprs:
        t["matchExpressions"] = list(exprs)
    if fields:
        t["matchFields"] = fields
    return t


def name_field(op: str, *values: str) -> dict[str, Any]:
    return {"key": "metadata.name", "operator": op, "values": list(values)}


def affinity_pod(*terms: dict, selector: dict[str, str] | None = None, name: str = "p", **kw: Any) -> dict:
    spec: dict[str, Any] = {}
    if terms:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": list(terms)}}}
    if selector is not None:
        spec["nodeSelector"] = selector
    return pod(name, spec=spec, **kw)


def fits_on(p: dict) -> set[str]:
    """The nodes the pod is scheduled to when each node is alone in the cluster."""
    out = set()
    for name, n in NODES.items():
        st, where = states(run(n, p))["default/p"]
        if st == "running":
            assert where == name
            out.add(name)
        else:
            assert message(run(n, p), "default/p") == (
                f"0/1 nodes are available: 1 {REASON}. "
                "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
    return out


# ----------------------------------------------------------------------------- nodeSelector


@pytest.mark.parametrize(("selector", "expected"), [
    ({"zone": "a"}, {"a"}),
    ({"disk": "ssd", "zone": "a"}, {"a"}),
    ({"disk": "ssd", "zone": "b"}, set()),
    ({"disk": ""}, set()),  # the key must exist with exactly that value
    ({"kubernetes.io/hostname": "c"}, {"c"}),
    ({}, {"a", "b", "c"}),
])
def test_node_selector(selector: dict[str, str], expected: set[str]) -> None:
    assert fits_on(affinity_pod(selector=selector)) == expected


def test_node_selector_and_required_affinity_must_both_match() -> None:
    p = affinity_pod(term(expr("zone", "In", "a", "b")), selector={"disk": "ssd"})
    assert fits_on(p) == {"a"}


# ----------------------------------------------------------------------------- operators


@pytest.mark.parametrize(("requirement", "expected"), [
    (expr("zone", "In", "a", "c"), {"a", "c"}),
    (expr("zone", "In", "z"), set()),
    (expr("zone", "NotIn", "a"), {"b", "c"}),
    (expr("disk", "NotIn", "hdd"), {"a", "b"}),  # NotIn matches nodes without the label
    (expr("disk", "Exists"), {"a", "c"}),
    (expr("disk", "DoesNotExist"), {"b"}),
    (expr("size", "Gt", "8"), {"b"}),  # strict; "x" is not an integer: no match
    (expr("size", "Gt", "7"), {"a", "b"}),
    (expr("size", "Lt", "16"), {"a"}),
    (expr("size", "Lt", "100"), {"a", "b"}),
    (expr("disk", "Gt", "0"), set()),  # Gt/Lt need the label to be an integer
    (expr("missing", "Lt", "5"), set()),
])
def test_match_expression_operators(requirement: dict, expected: set[str]) -> None:
    assert fits_on(affinity_pod(term(requirement))) == expected


def test_match_fields_metadata_name_not_in() -> None:
    assert fits_on(affinity_pod(term(fields=[name_field("NotIn", "b")]))) == {"a", "c"}


def test_match_fields_metadata_name_in() -> None:
    """``In`` also restricts filtering to the named node (PreFilterResult): the others get no status
    (not in the histogram), but preemption tries them (here: no lower-priority pods there)."""
    assert states(run(*NODES.values(), affinity_pod(term(fields=[name_field("In", "b")]))))["default/p"] == (
        "running", "b")
    result = run(*NODES.values(), affinity_pod(term(fields=[name_field("In", "b")]), selector={"disk": "ssd"}))
    assert message(result, "default/p") == (
        f"0/3 nodes are available: 1 {REASON}. "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod.")


def test_requirements_of_a_term_are_anded() -> None:
    assert fits_on(affinity_pod(term(expr("disk", "Exists"), expr("size", "Lt", "100")))) == {"a"}
    assert fits_on(affinity_pod(term(expr("disk", "Exists"), fields=[name_field("NotIn", "a")]))) == {"c"}


def test_terms_are_ored() -> None:
    p = affinity_pod(term(expr("zone", "In", "a")), term(expr("size", "Gt", "10")))
    assert fits_on(p) == {"a", "b"}


def test_an_empty_term_matches_nothing() -> None:
    assert fits_on(affinity_pod(term())) == set()
    assert fits_on(affinity_pod(term(), term(expr("zone", "In", "c")))) == {"c"}


@pytest.mark.parametrize("bad", [
    expr("size", "Gt", "8", "9"),  # Gt/Lt take exactly one value
    expr("size", "Lt", "ten"),  # ... an integer
    expr("zone", "In"),  # In/NotIn need values
    expr("zone", "NotIn"),
    expr("disk", "Exists", "ssd"),  # Exists/DoesNotExist take none
    expr("disk", "DoesNotExist", "ssd"),
])
def test_a_malformed_term_never_matches_but_others_are_tried(bad: dict) -> None:
    assert fits_on(affinity_pod(term(bad))) == set()
    assert fits_on(affinity_pod(term(bad), term(expr("zone", "In", "b")))) == {"b"}


@pytest.mark.parametrize("bad", [
    expr("size", "Gt", "-1"),  # an integer, but not a valid label value
    expr("size", "Lt", "+100"),
    expr("zone", "NotIn", "not a label value!"),
])
def test_values_that_are_not_label_values_make_the_term_malformed(bad: dict) -> None:
    assert fits_on(affinity_pod(term(bad))) == set()


def test_malformed_match_fields_never_match() -> None:
    two_values = name_field("In", "a", "b")
    assert fits_on(affinity_pod(term(fields=[two_values]), term(expr("zone", "In", "c")))) == {"c"}


# ----------------------------------------------------------------------------- PreFilter


def test_pre_filter_conflict() -> None:
    p = affinity_pod(term(fields=[name_field("In", "a"), name_field("In", "b")]))
    result = run(*NODES.values(), p)
    assert states(result)["default/p"] == ("pending", None)
    assert message(result, "default/p") == (
        "0/3 nodes are available: pod affinity terms conflict. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_pre_filter_result_union_of_terms() -> None:
    """Every term names nodes: the union is the only set filtered."""
    p = affinity_pod(term(fields=[name_field("In", "b")]), term(fields=[name_field("In", "c")]),
                     selector={"disk": "hdd"})
    assert states(run(*NODES.values(), p))["default/p"] == ("running", "c")


def test_pre_filter_result_nodes_outside_have_no_status() -> None:
    """Only node a is filtered (1 node in the histogram, of 3); in the 1.29.4 dry run the other
    two have no status, so they are tried and fail on NodeAffinity."""
    docs = [node("a", cpu="1"), node("b", cpu="1"), node("c", cpu="1"), pc("high", 1000),
            pod("top", cls="high", cpu="1", node="a"), pod("low-b", cpu="1", node="b"),
            pod("low-c", cpu="1", node="c"),
            affinity_pod(term(fields=[name_field("In", "a")]), cls="high", cpu="1")]
    result = run(*docs)
    assert states(result)["default/p"] == ("pending", None)
    assert message(result, "default/p") == (
        "0/3 nodes are available: 1 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
        f"2 {REASON}.")
    assert result.evictions == []


def test_pre_filter_result_with_an_unknown_node_is_a_scheduler_error() -> None:
    p = affinity_pod(term(fields=[name_field("In", "ghost")]))
    result = run(*NODES.values(), p)
    assert states(result)["default/p"] == ("pending", None)
    assert failures(result, "default/p") == ['nodeinfo not found for node name "ghost"']


def test_pre_filter_direct() -> None:
    admission = Admission.build([])

    def pre(*terms: dict) -> tuple[set[str] | None, str | None]:
        p = parse_pod(affinity_pod(*terms), None, 0, admission).pod
        names, st = nodeaffinity.pre_filter(p)
        return names, None if st is None else st.reasons[0]

    assert pre() == (None, None)
    assert pre(term(fields=[name_field("In", "a", "b")]), term(fields=[name_field("In", "c")])) == (
        {"a", "b", "c"}, None)
    assert pre(term(fields=[name_field("In", "a", "b"), name_field("In", "b", "c")])) == ({"b"}, None)
    # one term without a name field: every node is possible
    assert pre(term(fields=[name_field("In", "a")]), term(expr("zone", "Exists"))) == (None, None)
    assert pre(term(fields=[name_field("NotIn", "a")])) == (None, None)
    assert pre(term(fields=[name_field("In", "a"), name_field("In", "b")])) == (None, "pod affinity terms conflict")


def test_unmatched_nodes_are_never_preemption_candidates() -> None:
    result = run(node("a", cpu="1", labels={"pool": "x"}), node("b", cpu="1", labels={"pool": "y"}),
                 pc("high", 1000), pod("low-a", cpu="1", node="a"), pod("low-b", cpu="1", node="b"),
                 affinity_pod(term(expr("pool", "In", "y")), cls="high", cpu="1"))
    assert states(result) == {"default/low-a": ("running", "a"), "default/low-b": ("evicted", "b"),
                              "default/p": ("running", "b")}


# ----------------------------------------------------------------------------- scoring


def preferring(*weighted: tuple[int, dict]) -> dict:
    return pod("p", spec={"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": w, "preference": t} for w, t in weighted]}}})


def test_preferred_terms_steer_the_pod() -> None:
    p = preferring((10, term(expr("zone", "In", "c"))))
    assert states(run(*NODES.values(), p))["default/p"] == ("running", "c")


def test_preferred_score_values() -> None:
    p = preferring((10, term(expr("disk", "Exists"))), (30, term(expr("size", "Gt", "10"))),
                   (5, term(expr("zone", "In", "a"))), (50, term()))
    [attempt] = trace("default/p", *NODES.values(), p)
    assert attempt.scores is not None
    # raw: a 10+5, b 30, c 10 (the empty term counts nowhere) -> 100*s/30, weight 2
    assert attempt.scores.plugins["NodeAffinity"].tolist() == [100, 200, 66]
    assert states(run(*NODES.values(), p))["default/p"] == ("running", "b")


def test_preferred_score_direct() -> None:
    admission = Admission.build([])
    p = parse_pod(preferring((10, term(expr("disk", "Exists"))), (30, term(expr("disk", "In", "ssd"))),
                             (7, term())), None, 0, admission).pod
    terms = p.spec.preferred_node_affinity
    assert [nodeaffinity.preferred_score(terms, parse_node(n, None, i)) for i, n in enumerate(NODES.values())] == [
        40, 0, 10]
