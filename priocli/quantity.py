"""Exact Kubernetes ``resource.Quantity`` arithmetic, without floats.

Mirrors ``k8s.io/apimachinery/pkg/api/resource`` (``quantity.go``, ``suffix.go``) as of
Kubernetes v1.29:

* :func:`parse_quantity` is ``ParseQuantity`` and returns the value in **nano-units**
  (value × 10^9). Like Kubernetes it rounds anything finer than 1e-9 *up*, away from zero.
* :func:`to_milli` and :func:`to_units` are ``MilliValue()`` and ``Value()``: ceilings.
* :func:`format_cpu` and :func:`format_bytes` spell values for people.

Quirks kept on purpose because the API server accepts them too: a bare sign or dot
(``"+"``, ``"."``) and a bare suffix (``"m"``, ``"Gi"``) parse as zero; ``"1."`` is 1;
``m`` means milli for every resource (memory ``500m`` is half a byte, ``Value()`` 1);
an exponent outside int32 wraps around as Go's ``int32(parsed)`` does.
Deliberate difference: Kubernetes silently caps (binary) or overflows (decimal) values
beyond 2^63-1 units; priocli refuses them as too large.
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_UNITS",
    "NANO",
    "QuantityError",
    "format_bytes",
    "format_cpu",
    "parse_quantity",
    "to_milli",
    "to_units",
]

NANO = 10**9
MAX_UNITS = 2**63 - 1  # the largest Value() an int64 holds
_MAX_NANOS = MAX_UNITS * NANO

_DECIMAL_SUFFIXES: dict[str, int] = {
    "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
}
_BINARY_SUFFIXES: dict[str, int] = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

# parseQuantityString, as a regular expression: sign, integer digits, optional "." and
# fraction digits, then suffix letters, an optional sign and digits (checked afterwards).
_QUANTITY_RE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")
_EXPONENT_RE = re.compile(r"[eE]([+-]?[0-9]+)")

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MAX_TEXT = 1000  # Go would parse longer spellings; no real quantity comes near this


class QuantityError(ValueError):
    """A value that is not a valid Kubernetes quantity. The text names only the value."""


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        raise QuantityError(f"invalid quantity {str(value).lower()}: expected a string or a number, got a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # The shortest decimal spelling of the float, as Go's encoder writes the same float64
        # when the YAML number reaches Quantity.UnmarshalJSON. Never float arithmetic.
        return repr(value)
    if value is None:
        raise QuantityError("invalid quantity: expected a string or a number, got null")
    kind = {dict: "a mapping", list: "a list"}.get(type(value), type(value).__name__)
    raise QuantityError(f"invalid quantity: expected a string or a number, got {kind}")


def _suffix(suffix: str, text: str) -> tuple[int, int]:
    """(base, exponent) for a suffix, like suffixHandler.interpret."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix]
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix]
    m = _EXPONENT_RE.fullmatch(suffix)
    if m is not None:
        parsed = int(m.group(1))
        if _INT64_MIN <= parsed <= _INT64_MAX:  # strconv.ParseInt(..., 10, 64)
            return 10, ((parsed + 2**31) % 2**32) - 2**31  # int32(parsed)
    raise QuantityError(f"invalid quantity {_quote(text)}: unknown suffix {_quote(suffix)}")


def parse_quantity(value: object) -> int:
    """The exact value of a quantity in nano-units (``"1"`` → 10^9, ``"100m"`` → 10^8).

    Accepts a string, an int or a float (a YAML number). Raises :class:`QuantityError`.
    """
    text = _as_text(value)
    if not text:
        raise QuantityError('invalid quantity ""')
    if len(text) > _MAX_TEXT:
        raise QuantityError(f"invalid quantity {_quote(text[:20])}...: longer than {_MAX_TEXT} characters")
    m = _QUANTITY_RE.fullmatch(text)
    if m is None:
        raise QuantityError(f"invalid quantity {_quote(text)}")
    sign, whole, frac, suffix = m.group(1), m.group(2), m.group(3) or "", m.group(4)
    base, exponent = _suffix(suffix, text)
    digits = int(whole + frac) if whole or frac else 0
    if digits == 0:
        return 0
    # magnitude = digits × 10^-len(frac) × base^exponent, in nanos = × 10^9, rounded up.
    if base == 2:
        numerator, ten_power = digits << exponent, 9 - len(frac)
    else:
        numerator, ten_power = digits, 9 - len(frac) + exponent
    if ten_power >= 0:
        # Cheap bound first so that "1e999999999" never builds a huge integer.
        if len(str(numerator)) + ten_power > 29:
            raise QuantityError(f"quantity {_quote(text)} is too large")
        nanos = numerator * 10**ten_power
    elif -ten_power > len(str(numerator)):
        nanos = 1  # smaller than one nano-unit: rounds up to 1n
    else:
        nanos = -(-numerator // 10**-ten_power)
    if nanos > _MAX_NANOS:
        raise QuantityError(f"quantity {_quote(text)} is too large")
    return -nanos if sign == "-" else nanos


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def to_milli(nanos: int) -> int:
    """``MilliValue()``: the ceiling of the value in thousandths."""
    return _ceil_div(nanos, 10**6)


def to_units(nanos: int) -> int:
    """``Value()``: the ceiling of the value in whole units."""
    return _ceil_div(nanos, NANO)


def format_cpu(milli: int) -> str:
    """Millicores for people: ``1500`` → ``"1500m"``, ``2000`` → ``"2"``."""
    if milli % 1000 == 0:
        return str(milli // 1000)
    return f"{milli}m"


_BINARY_BY_SIZE = sorted(((1 << e, s) for s, e in _BINARY_SUFFIXES.items()), reverse=True)
_DECIMAL_BY_SIZE = sorted(((10**e, s) for s, e in _DECIMAL_SUFFIXES.items() if e > 0), reverse=True)


def _largest_exact(b: int, table: list[tuple[int, str]]) -> str | None:
    for factor, suffix in table:
        if b % factor == 0:
            return f"{b // factor}{suffix}"
    return None


def format_bytes(b: int) -> str:
    """The shortest exact spelling of a byte count: ``576716800`` → ``"550Mi"``,
    ``1000000000`` → ``"1G"``, ``1536`` → ``"1536"``. Ties prefer binary suffixes."""
    if b < 0:
        return "-" + format_bytes(-b)
    if b == 0:
        return "0"
    best = str(b)
    for candidate in (_largest_exact(b, _BINARY_BY_SIZE), _largest_exact(b, _DECIMAL_BY_SIZE)):
        if candidate is not None and len(candidate) < len(best):
            best = candidate
    return best
