"""The library entry points: load inputs, run the pass, get a :class:`SimulationResult`.

``simulate_paths`` is what ``priocli simulate`` runs; scripts can call it directly::

    from priocli.api import simulate_paths
    result = simulate_paths(["deploy/"], cluster=["snapshot.json"])
    print(result.summary())

``cluster`` is the current state (a snapshot, manifests); ``paths`` is the change about
to be applied. An object of the change with the same kind, namespace and name as one of
the current state replaces it (what ``kubectl apply`` would do).

The current state can also be a live cluster, read once with :func:`live_documents`::

    current = live_documents(kubeconfig=None, context="prod")   # read-only: GET requests only
    result = simulate_paths(["deploy/"], current=current)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from priocli.result import SimulationResult

LIVE_SOURCE = "<live:{}>"  # the file name of Documents read from a cluster: <live:CONTEXT>

if TYPE_CHECKING:
    from priocli.load.cluster import ClusterInput
    from priocli.load.documents import Document


def live_documents(*, kubeconfig: str | None = None, context: str | None = None,
                   request_timeout: float = 30.0, progress: bool = False) -> list[Document]:
    """The state of a live cluster (see :func:`priocli.load.live.load_live`) as Documents named
    ``<live:CONTEXT>`` (``<live:in-cluster>`` with the pod's service account), numbered from 1.

    ``progress`` shows a progress display on stderr when it is a terminal. Raises
    :class:`priocli.errors.InputError` (one line) on any failure.
    """
    from priocli.load.documents import Document
    from priocli.load.live import load_live
    from priocli.model import Source

    state = load_live(kubeconfig=kubeconfig, context=context, request_timeout=request_timeout,
                      progress=progress)
    name = LIVE_SOURCE.format(state.context or "in-cluster")
    return [Document(obj, Source(file=name, document=i + 1)) for i, obj in enumerate(state.objects)]


def read_inputs(paths: Sequence[str], *, cluster: Sequence[str] = (), current: Sequence[Document] | None = None,
                stdin: BinaryIO | None = None) -> list[Document]:
    """Documents of the current state (``cluster`` files, or ``current`` Documents, e.g. from
    :func:`live_documents`) overlaid with the change (``paths``)."""
    from priocli.errors import InputError
    from priocli.load.cluster import overlay
    from priocli.load.documents import read_paths

    if cluster and current is not None:
        raise InputError("give one current state: cluster files or live Documents, not both")
    change = read_paths(paths, stdin=stdin) if paths else []
    if current is not None:
        return overlay(current, change)
    if not cluster:
        return change
    return overlay(read_paths(cluster, stdin=stdin), change)


def load_cluster(paths: Sequence[str], *, cluster: Sequence[str] = (), current: Sequence[Document] | None = None,
                 stdin: BinaryIO | None = None) -> ClusterInput:
    """Read and admit the inputs into a :class:`~priocli.load.cluster.ClusterInput`."""
    from priocli.load.cluster import build_cluster

    return build_cluster(read_inputs(paths, cluster=cluster, current=current, stdin=stdin))


def simulate_cluster(cluster_input: ClusterInput, *, trace: Sequence[str] = (),
                     shortcuts: bool = True, sample_nodes: bool = False) -> SimulationResult:
    """Run the what-if pass over an already admitted state (``shortcuts=False``: the plain,
    slower evaluation, which decides identically; ``sample_nodes``: emulate kube-scheduler's node
    sampling instead of evaluating every node)."""
    from priocli.simulator import Options, Simulation

    return Simulation(cluster_input, Options(trace=frozenset(trace), shortcuts=shortcuts,
                                             sample_nodes=sample_nodes)).run()


def simulate_paths(paths: Sequence[str], *, cluster: Sequence[str] = (), current: Sequence[Document] | None = None,
                   stdin: BinaryIO | None = None, trace: Sequence[str] = (),
                   sample_nodes: bool = False) -> SimulationResult:
    """Read the inputs, merge them into one state and run the what-if pass.

    The current state is ``cluster`` (files) or ``current`` (Documents, e.g. :func:`live_documents`).
    Raises :class:`priocli.errors.InputError` on bad input.
    """
    t0 = time.perf_counter()
    cluster_input = load_cluster(paths, cluster=cluster, current=current, stdin=stdin)
    t1 = time.perf_counter()
    result = simulate_cluster(cluster_input, trace=trace, sample_nodes=sample_nodes)
    result.timings["load"] = t1 - t0
    return result


def in_namespace(result: SimulationResult, namespace: str) -> SimulationResult:
    """What ``--namespace`` shows of a pass over the whole cluster: the pods of ``namespace``, the
    evictions of those pods or by them (a preemptor's victims may be elsewhere), all warnings.
    ``summary()`` then counts the pods shown; ``node_count`` stays the cluster's."""
    prefix = f"{namespace}/"
    return SimulationResult(
        outcomes=[o for o in result.outcomes if o.pod.namespace == namespace],
        evictions=[e for e in result.evictions if e.pod.startswith(prefix) or e.preemptor.startswith(prefix)],
        warnings=list(result.warnings),
        node_count=result.node_count,
        events=result.events,
        timings=result.timings,
    )
