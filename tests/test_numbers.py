"""Scalar domains: parsing, exactness detection, validation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from rnnexpr import ExactnessError, NonFiniteError, ShapeError
from rnnexpr.numbers import as_array, from_json_array, to_exact_array, to_float_array, to_fraction, to_json_array


@pytest.mark.parametrize("value,expected", [
    ("3/4", Fraction(3, 4)), (" -6/4 ", Fraction(-3, 2)), ("2", Fraction(2)), ("0.125", Fraction(1, 8)),
    (5, Fraction(5)), (np.int64(-2), Fraction(-2)), (0.5, Fraction(1, 2)), (sympy.Rational(2, 7), Fraction(2, 7)),
])
def test_to_fraction(value, expected):
    assert to_fraction(value) == expected


@pytest.mark.parametrize("value,error", [
    ("1/0", ExactnessError), ("abc", ExactnessError), (float("inf"), NonFiniteError), (True, ExactnessError),
    (object(), ExactnessError),
])
def test_to_fraction_rejects(value, error):
    with pytest.raises(error):
        to_fraction(value, "w")


def test_exactness_is_inferred():
    assert as_array([1, "1/2"], "v").dtype == object
    assert as_array(np.array([1, 2]), "v").dtype == object
    assert as_array([1, 0.5], "v").dtype == np.float64
    assert as_array(["1/4", 0.5], "v").tolist() == [0.25, 0.5]
    assert as_array([0.1], "v", exact=True)[0] == Fraction(0.1)  # the binary value, not 1/10


def test_arrays_are_read_only_copies():
    src = np.zeros(3)
    a = as_array(src, "v")
    src[0] = 1
    assert a[0] == 0 and not a.flags.writeable


def test_validation_messages():
    with pytest.raises(ShapeError, match=r"M: expected an array with 2 dimension\(s\), got shape \(3,\)"):
        as_array([1, 2, 3], "M", ndim=2)
    with pytest.raises(NonFiniteError, match=r"v: expected finite values, got inf at index \(1,\)"):
        as_array([0.0, float("inf")], "v")
    with pytest.raises(TypeError, match="v: expected numbers, got an entry of type NoneType"):
        as_array([1, None], "v")


@given(st.lists(st.fractions(max_denominator=1000), min_size=1, max_size=6))
def test_json_round_trip_is_exact(values):
    a = to_exact_array(values)
    assert list(from_json_array(to_json_array(a), "a")) == values


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=6))
def test_float_conversions_round_trip(values):
    a = to_float_array(values)
    assert np.array_equal(to_float_array(to_exact_array(a)), a)
