"""TaintToleration: NoSchedule/NoExecute taints filter, PreferNoSchedule taints score."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from priocli.framework import Status, unresolvable
from priocli.model import Node, Pod, Taint, Toleration

NAME = "TaintToleration"
WEIGHT = 3
FILTER_EFFECTS = ("NoSchedule", "NoExecute")


def tolerated(taint: Taint, tolerations: Iterable[Toleration]) -> bool:
    return any(t.tolerates(taint) for t in tolerations)


def find_untolerated_taint(taints: Sequence[Taint], tolerations: Sequence[Toleration],
                           effects: Sequence[str] = FILTER_EFFECTS) -> Taint | None:
    """v1helper.FindMatchingUntoleratedTaint: the first taint (node order) with one of ``effects``
    that no toleration tolerates."""
    for taint in taints:
        if taint.effect in effects and not tolerated(taint, tolerations):
            return taint
    return None


def reason(taint: Taint) -> str:
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"


def filter_node(pod: Pod, node: Node) -> Status | None:
    taint = find_untolerated_taint(node.taints, pod.spec.tolerations)
    if taint is None:
        return None
    return unresolvable(NAME, reason(taint))


def intolerable_prefer_no_schedule(pod: Pod, node: Node) -> int:
    """Raw score: PreferNoSchedule taints not tolerated by tolerations with effect '' or PreferNoSchedule."""
    tols = [t for t in pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
    return sum(1 for taint in node.taints if taint.effect == "PreferNoSchedule" and not tolerated(taint, tols))
