"""Fuzz targets: the loaders (bytes -> documents -> admitted cluster -> pass) and the quantity parser.

Each target takes one input (bytes) and returns normally when priocli behaved: it either
accepted the input or refused it with an :class:`~priocli.errors.InputError` whose text is
one line naming the file. Anything else (another exception, a message that does not name
the file, a quantity outside its range) raises :class:`FuzzFinding` or lets the original
exception through: that is a finding.

The same targets are driven by atheris (``fuzz/run.py``, coverage-guided) and by
hypothesis (``fuzz/hypothesis_driver.py``, the smoke run in ``tests/test_fuzz_smoke.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, localcontext

from priocli.errors import InputError, SimulationError
from priocli.quantity import MAX_UNITS, NANO, QuantityError, parse_quantity, to_milli, to_units

YAML_NAME = "fuzz.yaml"
JSON_NAME = "fuzz.json"
MAX_SIMULATED_PODS = 200  # inputs that admit into a bigger cluster are loaded, not simulated


class FuzzFinding(AssertionError):
    """priocli misbehaved on a fuzz input (beyond raising an unexpected exception)."""


def _check_input_error(e: InputError, name: str) -> None:
    """A refusal must name the file first (the CLI folds the text onto one line)."""
    text = str(e)
    if not text.startswith(name + ":"):
        raise FuzzFinding(f"error message does not start with the file name {name!r}: {text!r}") from e
    if not text.strip():
        raise FuzzFinding("empty error message") from e


def _load_and_simulate(data: bytes, name: str, *, json: bool | None) -> None:
    from priocli.load.cluster import build_cluster
    from priocli.load.documents import read_bytes
    from priocli.simulator import Options, Simulation

    try:
        docs = read_bytes(data, name, json=json)
        cluster = build_cluster(docs)
    except InputError as e:
        _check_input_error(e, name)
        return
    if len(cluster.pods) > MAX_SIMULATED_PODS or len(cluster.nodes) > MAX_SIMULATED_PODS:
        return
    try:
        result = Simulation(cluster, Options()).run()
    except SimulationError as e:  # the cycle bound: an engine bug, but a reported one
        raise FuzzFinding(f"the pass did not settle: {e}") from e
    result.report()  # the report must be buildable for anything the loader admitted


def loader(data: bytes) -> None:
    """YAML (or sniffed JSON) bytes through the whole pipeline."""
    _load_and_simulate(data, YAML_NAME, json=None)


def json_loader(data: bytes) -> None:
    """Bytes as the content of a ``.json`` file."""
    _load_and_simulate(data, JSON_NAME, json=True)


# ---------------------------------------------------------------- quantities

# A plain decimal/binary spelling, checked against an independent Decimal oracle.
_SIMPLE = re.compile(r"([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")
_POWERS = {
    None: Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal("1e3"),
    "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40), "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}
_MAX_NANOS = MAX_UNITS * NANO


def _oracle_nanos(text: str) -> int | None:
    """The exact nano-unit value (rounded up, away from zero) of a simple spelling, or None."""
    m = _SIMPLE.fullmatch(text)
    if m is None or len(text) > 60:
        return None
    sign, number, suffix = m.group(1), m.group(2), m.group(3)
    with localcontext() as ctx:
        ctx.prec = 200
        magnitude = Decimal(number) * _POWERS[suffix] * NANO
        nanos = int(magnitude.to_integral_value(rounding="ROUND_CEILING"))
    return -nanos if sign == "-" else nanos


def quantity(data: bytes) -> None:
    """parse_quantity on arbitrary text: QuantityError or an exact, in-range integer."""
    text = data.decode("utf-8", "replace")
    for value in (text, text.strip()):
        try:
            n = parse_quantity(value)
        except QuantityError as e:
            if "\n" in str(e) and "\n" not in value:
                raise FuzzFinding(f"multi-line quantity error for {value!r}: {e}") from e
            expected = _oracle_nanos(value)
            if expected is not None and abs(expected) <= _MAX_NANOS:
                raise FuzzFinding(f"{value!r} refused ({e}) but it is {expected} nano-units") from e
            continue
        if type(n) is not int or abs(n) > _MAX_NANOS:
            raise FuzzFinding(f"parse_quantity({value!r}) = {n!r}: not an in-range int")
        expected = _oracle_nanos(value)
        if expected is not None and expected != n:
            raise FuzzFinding(f"parse_quantity({value!r}) = {n}, the Decimal oracle says {expected}")
        if to_milli(n) * 10**6 < n or to_units(n) * NANO < n:  # ceilings
            raise FuzzFinding(f"Value()/MilliValue() of {n} are not ceilings")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "loader": loader,
    "json": json_loader,
    "quantity": quantity,
}
