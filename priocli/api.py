"""The library entry points: load inputs, run the pass, get a :class:`SimulationResult`.

``simulate_paths`` is what ``priocli simulate`` runs; scripts can call it directly::

    from priocli.api import simulate_paths
    result = simulate_paths(["deploy/"], cluster=["snapshot.json"])
    print(result.summary())

``cluster`` is the current state (a snapshot, manifests); ``paths`` is the change about
to be applied. An object of the change with the same kind, namespace and name as one of
the current state replaces it (what ``kubectl apply`` would do).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from priocli.result import SimulationResult

if TYPE_CHECKING:
    from priocli.load.cluster import ClusterInput
    from priocli.load.documents import Document


def read_inputs(paths: Sequence[str], *, cluster: Sequence[str] = (),
                stdin: BinaryIO | None = None) -> list[Document]:
    """Documents of the current state (``cluster``) overlaid with the change (``paths``)."""
    from priocli.load.cluster import overlay
    from priocli.load.documents import read_paths

    change = read_paths(paths, stdin=stdin) if paths else []
    if not cluster:
        return change
    return overlay(read_paths(cluster, stdin=stdin), change)


def load_cluster(paths: Sequence[str], *, cluster: Sequence[str] = (),
                 stdin: BinaryIO | None = None) -> ClusterInput:
    """Read and admit the inputs into a :class:`~priocli.load.cluster.ClusterInput`."""
    from priocli.load.cluster import build_cluster

    return build_cluster(read_inputs(paths, cluster=cluster, stdin=stdin))


def simulate_cluster(cluster_input: ClusterInput, *, trace: Sequence[str] = (),
                     shortcuts: bool = True) -> SimulationResult:
    """Run the what-if pass over an already admitted state (``shortcuts=False``: the plain,
    slower evaluation, which decides identically)."""
    from priocli.simulator import Options, Simulation

    return Simulation(cluster_input, Options(trace=frozenset(trace), shortcuts=shortcuts)).run()


def simulate_paths(paths: Sequence[str], *, cluster: Sequence[str] = (), stdin: BinaryIO | None = None,
                   trace: Sequence[str] = ()) -> SimulationResult:
    """Read the inputs, merge them into one state and run the what-if pass.

    Raises :class:`priocli.errors.InputError` on bad input.
    """
    t0 = time.perf_counter()
    cluster_input = load_cluster(paths, cluster=cluster, stdin=stdin)
    t1 = time.perf_counter()
    result = simulate_cluster(cluster_input, trace=trace)
    result.timings["load"] = t1 - t0
    return result
