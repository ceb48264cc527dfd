"""NodeAffinity: ``nodeSelector`` and required node affinity filter; preferred terms score."""

from __future__ import annotations

import re
from collections.abc import Sequence

from priocli.framework import Status, unresolvable
from priocli.model import (
    Node,
    NodeSelectorTerm,
    Pod,
    PodSpecInfo,
    PreferredSchedulingTerm,
    Requirement,
    requirement_matches,
)

NAME = "NodeAffinity"
WEIGHT = 2
REASON = "node(s) didn't match Pod's node affinity/selector"
REASON_CONFLICT = "pod affinity terms conflict"
NAME_FIELD = "metadata.name"

_INT64 = re.compile(r"[+-]?[0-9]+\Z")


def _parse_int64(s: str) -> int | None:
    if not _INT64.match(s):
        return None
    v = int(s)
    if v < -(2**63) or v > 2**63 - 1:
        return None
    return v


_LABEL_NAME = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\Z")


def _valid_label_value(v: str) -> bool:
    return v == "" or (len(v) <= 63 and _LABEL_NAME.match(v) is not None)


def _valid_label_key(k: str) -> bool:
    prefix, _, name = k.rpartition("/")
    if "/" in k and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and _LABEL_NAME.match(name) is not None


def _requirement_valid(r: Requirement) -> bool:
    """labels.NewRequirement accepts it: valid key, values, and value count for the operator."""
    if not _valid_label_key(r.key) or not all(_valid_label_value(v) for v in r.values):
        return False
    if r.operator in ("In", "NotIn"):
        return len(r.values) > 0
    if r.operator in ("Exists", "DoesNotExist"):
        return len(r.values) == 0
    if r.operator in ("Gt", "Lt"):
        return len(r.values) == 1 and _parse_int64(r.values[0]) is not None
    return False


def _label_requirement(r: Requirement, labels: dict[str, str]) -> bool:
    if r.operator not in ("Gt", "Lt"):
        return requirement_matches(r, labels)
    # Gt / Lt: both sides base-10 int64
    if r.key not in labels:
        return False
    have = _parse_int64(labels[r.key])
    want = _parse_int64(r.values[0])
    if have is None or want is None:
        return False
    return have > want if r.operator == "Gt" else have < want


def term_is_empty(term: NodeSelectorTerm) -> bool:
    return not term.match_expressions and not term.match_fields


def term_matches(term: NodeSelectorTerm, node: Node) -> bool:
    """nodeSelectorTerm.match: expressions and fields ANDed; a malformed term never matches."""
    for r in term.match_expressions:
        if not _requirement_valid(r):
            return False
    for r in term.match_fields:
        if r.operator not in ("In", "NotIn") or len(r.values) != 1:
            return False
    for r in term.match_expressions:
        if not _label_requirement(r, node.labels):
            return False
    for r in term.match_fields:
        value = node.name if r.key == NAME_FIELD else ""
        if (value == r.values[0]) != (r.operator == "In"):
            return False
    return True


def required_terms_match(terms: Sequence[NodeSelectorTerm], node: Node) -> bool:
    """Terms are ORed; empty terms are skipped; no usable term matches nothing."""
    return any(term_matches(t, node) for t in terms if not term_is_empty(t))


def matches_selector_and_affinity(spec: PodSpecInfo, node: Node) -> bool:
    """GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND required node affinity."""
    labels = node.labels
    for k, v in spec.node_selector:
        if labels.get(k) != v:
            return False
    if spec.required_node_affinity is not None:
        return required_terms_match(spec.required_node_affinity, node)
    return True


def pre_filter(pod: Pod) -> tuple[set[str] | None, Status | None]:
    """PreFilter: the node names a pod is pinned to through ``matchFields metadata.name In``.

    Returns (node names or None for all nodes, rejection status or None).
    """
    terms = pod.spec.required_node_affinity
    if not terms:
        return None, None
    names: set[str] | None = None
    for t in terms:
        term_names: set[str] | None = None
        for r in t.match_fields:
            if r.key == NAME_FIELD and r.operator == "In":
                s = set(r.values)
                term_names = s if term_names is None else term_names & s
        if term_names is None:
            return None, None
        names = term_names if names is None else names | term_names
    if names is not None and not names:
        return None, unresolvable(NAME, REASON_CONFLICT)
    return names, None


def filter_node(pod: Pod, node: Node) -> Status | None:
    if matches_selector_and_affinity(pod.spec, node):
        return None
    return unresolvable(NAME, REASON)


def preferred_score(terms: Sequence[PreferredSchedulingTerm], node: Node) -> int:
    return sum(t.weight for t in terms if t.weight and not term_is_empty(t.term) and term_matches(t.term, node))
