"""priocli.quantity against apimachinery's ParseQuantity / MilliValue / Value semantics."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from priocli.quantity import (
    MAX_UNITS,
    NANO,
    QuantityError,
    format_bytes,
    format_cpu,
    parse_quantity,
    to_milli,
    to_units,
)

# ---------------------------------------------------------------- the examples of §3.4


@pytest.mark.parametrize(
    ("text", "milli"),
    [
        ("1", 1000),
        ("0.5", 500),
        ("100m", 100),
        ("0.1m", 1),  # rounds up
        ("1.0001", 1001),  # rounds up
        ("2", 2000),
        ("1500m", 1500),
        ("0", 0),
        ("1e3", 1_000_000),
        ("1.", 1000),
        (".5", 500),
        ("+1", 1000),
    ],
)
def test_cpu_millivalue(text: str, milli: int) -> None:
    assert to_milli(parse_quantity(text)) == milli


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("1Gi", 1073741824),
        ("1G", 1000000000),
        ("512Mi", 536870912),
        ("1e3", 1000),
        ("1E3", 1000),
        ("129e6", 129000000),
        ("1.5Gi", 1610612736),
        ("1Ki", 1024),
        ("1k", 1000),
        ("1Ei", 2**60),
        ("1E", 10**18),
        ("500m", 1),  # memory 500m is half a byte: Value() rounds up to 1
        ("1n", 1),
        ("9223372036854775807", MAX_UNITS),
    ],
)
def test_value(text: str, units: int) -> None:
    assert to_units(parse_quantity(text)) == units


def test_exact_nano_values() -> None:
    assert parse_quantity("1") == NANO
    assert parse_quantity("100m") == 100_000_000
    assert parse_quantity("1n") == 1
    assert parse_quantity("1u") == 1000
    assert parse_quantity("0.1m") == 100_000
    assert parse_quantity("0.5m") * 2 == parse_quantity("1m")  # sums stay exact
    assert parse_quantity("0.0000000001") == 1  # finer than nano rounds up
    assert parse_quantity("1e-20") == 1
    assert parse_quantity("1.5Gi") == 1610612736 * NANO
    assert parse_quantity("0.5Ki") == 512 * NANO


def test_negative_values_round_away_from_zero_on_parse() -> None:
    assert parse_quantity("-1") == -NANO
    assert parse_quantity("-0.1n") == -1
    assert parse_quantity("-0") == 0


def test_go_quirks_kept() -> None:
    # ParseQuantity accepts a bare sign, dot or suffix as zero
    for text in ("+", "-", ".", "m", "Gi", "k"):
        assert parse_quantity(text) == 0
    # the exponent is truncated to int32 like Go's int32(parsed): 2^32 wraps to 0
    assert parse_quantity("1e4294967296") == NANO


# ---------------------------------------------------------------- YAML numbers


@pytest.mark.parametrize(
    ("value", "nanos"),
    [
        (4, 4 * NANO),
        (4.0, 4 * NANO),
        (0.5, NANO // 2),
        (1e3, 1000 * NANO),
        (0.1, NANO // 10),  # repr(0.1) == "0.1": no binary-float error creeps in
        (1e-05, 10_000),
        (2.5e-10, 1),
        (-0.0, 0),
        (10**18, 10**27),
    ],
)
def test_numbers(value: object, nanos: int) -> None:
    assert parse_quantity(value) == nanos


# ---------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    "value",
    ["", "K", "1K", " 1", "1 ", "1 Gi", "12Qi", "1e", "1e-", "1ei", "abc", "1.2.3", "0x10",
     "1Gi1", "nan", "inf", "1_000", "--1", "1e1.5", "Mi1", "\t1"],
)
def test_invalid_strings(value: str) -> None:
    with pytest.raises(QuantityError, match="invalid quantity"):
        parse_quantity(value)


@pytest.mark.parametrize("value", [True, False, None, [], {}, float("nan"), float("inf"), object()])
def test_invalid_types(value: object) -> None:
    with pytest.raises(QuantityError, match="invalid quantity"):
        parse_quantity(value)


def test_error_text_is_short_and_quotes_the_value() -> None:
    with pytest.raises(QuantityError) as e:
        parse_quantity("12Qi")
    assert str(e.value).startswith('invalid quantity "12Qi"')
    assert "\n" not in str(e.value)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    "value",
    ["9223372036854775808", "8Ei", "9.3E", "1e19", "1e999999999", 1e22, 2**64, "-9223372036854775808"],
)
def test_too_large(value: object) -> None:
    with pytest.raises(QuantityError, match="too large"):
        parse_quantity(value)


def test_absurdly_long_text_is_refused_quickly() -> None:
    with pytest.raises(QuantityError):
        parse_quantity("1" * 100_000)


# ---------------------------------------------------------------- conversions and formatting


def test_ceilings() -> None:
    assert to_milli(1) == 1
    assert to_milli(10**6) == 1
    assert to_milli(10**6 + 1) == 2
    assert to_units(1) == 1
    assert to_units(NANO) == 1
    assert to_units(0) == 0
    assert to_milli(-1) == 0  # ceil, also for negatives
    assert to_units(-NANO - 1) == -1


def test_format_cpu() -> None:
    assert format_cpu(1500) == "1500m"
    assert format_cpu(2000) == "2"
    assert format_cpu(0) == "0"
    assert format_cpu(100) == "100m"


def test_format_bytes() -> None:
    assert format_bytes(576716800) == "550Mi"
    assert format_bytes(1000000000) == "1G"
    assert format_bytes(1073741824) == "1Gi"
    assert format_bytes(1536) == "1536"
    assert format_bytes(1024) == "1Ki"
    assert format_bytes(1000) == "1k"
    assert format_bytes(0) == "0"
    assert format_bytes(7) == "7"
    assert format_bytes(-1024) == "-1Ki"


# ---------------------------------------------------------------- properties


@given(st.integers(min_value=-MAX_UNITS, max_value=MAX_UNITS))
def test_integer_strings_are_exact(n: int) -> None:
    assert parse_quantity(str(n)) == n * NANO
    assert parse_quantity(n) == n * NANO
    assert to_units(parse_quantity(str(n))) == n


@given(st.integers(min_value=0, max_value=MAX_UNITS))
def test_format_bytes_round_trips(b: int) -> None:
    text = format_bytes(b)
    assert parse_quantity(text) == b * NANO
    assert len(text) <= len(str(b))


@given(st.integers(min_value=0, max_value=10**15))
def test_format_cpu_round_trips(milli: int) -> None:
    assert to_milli(parse_quantity(format_cpu(milli))) == milli
    assert parse_quantity(format_cpu(milli)) == milli * 10**6


_SUFFIXES = {"": 1, "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30,
             "Ti": 2**40, "e3": 10**3, "e-4": Fraction(1, 10**4), "E+2": 100}


def _ceil_away(x: Fraction) -> int:
    return math.ceil(x) if x >= 0 else -math.ceil(-x)


@given(
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", min_size=1, max_size=10),
    st.one_of(st.none(), st.text("0123456789", max_size=12)),
    st.sampled_from(sorted(_SUFFIXES)),
)
def test_matches_exact_rational_oracle(sign: str, whole: str, frac: str | None, suffix: str) -> None:
    text = sign + whole + ("" if frac is None else "." + frac) + suffix
    value = Fraction(int(whole + (frac or "")), 10 ** len(frac or "")) * _SUFFIXES[suffix]
    if sign == "-":
        value = -value
    expected = _ceil_away(value * NANO)
    if abs(expected) > MAX_UNITS * NANO:
        with pytest.raises(QuantityError, match="too large"):
            parse_quantity(text)
    else:
        assert parse_quantity(text) == expected


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_floats_use_their_shortest_decimal_spelling(f: float) -> None:
    assert parse_quantity(f) == _ceil_away(Fraction(repr(f)) * NANO)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_milli_and_units_are_ceilings(n: int) -> None:
    assert to_milli(n) == math.ceil(Fraction(n, 10**6))
    assert to_units(n) == math.ceil(Fraction(n, NANO))
