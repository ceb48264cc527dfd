"""SchedulingGates (PreEnqueue): a pod with scheduling gates is never attempted."""

from __future__ import annotations

from priocli.model import Pod

NAME = "SchedulingGates"
# What the API server writes in the PodScheduled condition of a gated pod.
CONDITION_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates"


def gated(pod: Pod) -> bool:
    return bool(pod.spec.scheduling_gates)


def pre_enqueue_message(pod: Pod) -> str:
    """The PreEnqueue status message (``waiting for scheduling gates: [a b]``)."""
    return f"waiting for scheduling gates: [{' '.join(pod.spec.scheduling_gates)}]"
