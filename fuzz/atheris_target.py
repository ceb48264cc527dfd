"""Coverage-guided fuzzing of one target with atheris (libFuzzer); ``fuzz/run.py`` starts it.

    python fuzz/atheris_target.py TARGET [libFuzzer options] [CORPUS_DIR ...]

TARGET is ``loader``, ``json`` or ``quantity`` (see ``fuzz/targets.py``). priocli and
PyYAML's Python side are instrumented for coverage. A crash (any exception the target
lets through) makes libFuzzer write the input to ``-artifact_prefix`` and stop.
"""

from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports(include=["priocli", "yaml", "targets"]):
    # Everything the targets reach, imported here: modules first imported later (inside
    # functions) would run uninstrumented and the fuzzer would fly blind.
    import targets

    import priocli.api
    import priocli.load.cluster
    import priocli.load.documents
    import priocli.load.parse
    import priocli.quantity
    import priocli.render.json
    import priocli.simulator  # noqa: F401


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in targets.TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(targets.TARGETS)}}} [libFuzzer options] [corpus dirs]")
    target = targets.TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
