"""The library entry points: load inputs, run the pass, get a :class:`SimulationResult`.

``simulate_paths`` is what ``priocli simulate`` runs; scripts can call it directly::

    from priocli.api import simulate_paths
    result = simulate_paths(["cluster/", "deploy.yaml"])
    print(result.summary())
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from priocli.result import SimulationResult


def simulate_paths(paths: Sequence[str], *, stdin: BinaryIO | None = None) -> SimulationResult:
    """Read PATHs (files, directories, ``-``), merge them into one state and run the what-if pass.

    Raises :class:`priocli.errors.InputError` on bad input.
    """
    raise NotImplementedError("engine being written")
