"""The library entry points: load inputs, run the pass, get a :class:`SimulationResult`.

``simulate_paths`` is what ``priocli simulate`` runs; scripts can call it directly::

    from priocli.api import simulate_paths
    result = simulate_paths(["cluster/", "deploy.yaml"])
    print(result.summary())
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import BinaryIO

from priocli.result import SimulationResult


def load_cluster(paths: Sequence[str], *, stdin: BinaryIO | None = None):  # type: ignore[no-untyped-def]
    """Read PATHs (files, directories, ``-``) and admit them into a :class:`~priocli.load.cluster.ClusterInput`."""
    from priocli.load.cluster import build_cluster
    from priocli.load.documents import read_paths

    return build_cluster(read_paths(paths, stdin=stdin))


def simulate_paths(paths: Sequence[str], *, stdin: BinaryIO | None = None,
                   trace: Sequence[str] = ()) -> SimulationResult:
    """Read PATHs, merge them into one state and run the what-if pass.

    Raises :class:`priocli.errors.InputError` on bad input.
    """
    from priocli.simulator import Options, Simulation

    t0 = time.perf_counter()
    cluster = load_cluster(paths, stdin=stdin)
    t1 = time.perf_counter()
    result = Simulation(cluster, Options(trace=frozenset(trace))).run()
    result.timings["load"] = t1 - t0
    return result
