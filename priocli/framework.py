"""The scheduling framework's shared vocabulary: status codes, node views and cycle state.

Mirrors ``pkg/scheduler/framework``: a filter plugin returns ``None`` (success) or a
:class:`Status` whose code is ``UNSCHEDULABLE`` (preemption may help) or
``UNSCHEDULABLE_AND_UNRESOLVABLE`` (it cannot). Reason strings are kube-scheduler's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from priocli.model import Node, Pod

# Status codes (framework.Code); NO_STATUS marks nodes a PreFilterResult excluded.
SUCCESS = 0
UNSCHEDULABLE = 1
UNSCHEDULABLE_AND_UNRESOLVABLE = 2
NO_STATUS = 3

MAX_NODE_SCORE = 100


@dataclass(frozen=True, slots=True)
class Status:
    code: int
    reasons: tuple[str, ...]
    plugin: str

    @property
    def unresolvable(self) -> bool:
        return self.code == UNSCHEDULABLE_AND_UNRESOLVABLE


def unschedulable(plugin: str, *reasons: str) -> Status:
    return Status(UNSCHEDULABLE, reasons, plugin)


def unresolvable(plugin: str, *reasons: str) -> Status:
    return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, reasons, plugin)


class StatusTable:
    """Interns statuses so per-node results can live in integer arrays."""

    def __init__(self) -> None:
        self._ids: dict[Status, int] = {}
        self.statuses: list[Status] = []

    def id(self, status: Status) -> int:
        i = self._ids.get(status)
        if i is None:
            i = len(self.statuses)
            self._ids[status] = i
            self.statuses.append(status)
        return i


class NodeView:
    """One node as filters see it: its pods, requested resources and used host ports.

    The engine builds views from :class:`~priocli.state.ClusterState`; preemption dry runs
    and the nominated-pods pass mutate a view (``add_pod`` / ``remove_pod``) without touching
    the cluster state.
    """

    __slots__ = ("node", "npods", "pods", "requested", "vec_of")

    def __init__(self, node: Node, requested: list[int], npods: int, pods: list[Pod],
                 vec_of: Any) -> None:
        self.node = node
        self.requested = requested
        self.npods = npods
        self.pods = pods
        self.vec_of = vec_of  # Pod -> tuple[(resource index, amount), ...]

    def add_pod(self, pod: Pod) -> None:
        self.pods.append(pod)
        self.npods += 1
        req = self.requested
        for i, v in self.vec_of(pod):
            req[i] += v

    def remove_pod(self, pod: Pod) -> None:
        for k, p in enumerate(self.pods):
            if p is pod:
                del self.pods[k]
                break
        else:
            return
        self.npods -= 1
        req = self.requested
        for i, v in self.vec_of(pod):
            req[i] -= v


def format_fit_error(num_all_nodes: int, histogram: dict[str, int], prefilter_msg: str = "",
                     postfilter_msg: str = "") -> str:
    """FitError.Error() of v1.29.4, word for word."""
    msg = f"0/{num_all_nodes} nodes are available:"
    if prefilter_msg:
        msg += f" {prefilter_msg}."
    else:
        items = sorted(f"{count} {reason}" for reason, count in histogram.items())
        if items:
            msg += " " + ", ".join(items) + "."
    if postfilter_msg:
        msg += f" {postfilter_msg}"
    return msg
