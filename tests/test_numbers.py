"""Reading scores as Vietnamese offices type them, and rounding as Excel does."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core.labels import format_number
from pipeline.core.numbers import Parsed, parse_score, parse_scores, round_half_away


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        (8.5, Parsed.NUMBER, "8.5"),
        (20, Parsed.NUMBER, "20"),
        (0.1, Parsed.NUMBER, "0.1"),  # the decimal typed, not 0.1000000000000000055…
        ("8,5", Parsed.TEXT_NUMBER, "8.5"),
        (" 8.5 ", Parsed.TEXT_NUMBER, "8.5"),
        ("8,50", Parsed.TEXT_NUMBER, "8.50"),
        ("\u00a08,75\u200b", Parsed.TEXT_NUMBER, "8.75"),
        ("0,125", Parsed.TEXT_NUMBER, "0.125"),  # a leading zero rules out thousands
        ("12", Parsed.TEXT_NUMBER, "12"),
        ("1.000", Parsed.AMBIGUOUS, None),
        ("2,500", Parsed.AMBIGUOUS, None),
        ("1.000,5", Parsed.TEXT_NUMBER, "1000.5"),
        ("N/A", Parsed.NOT_APPLICABLE, None),
        ("n/a", Parsed.NOT_APPLICABLE, None),
        ("Không áp dụng", Parsed.NOT_APPLICABLE, None),
        ("KHÔNG PHÁT SINH", Parsed.NOT_APPLICABLE, None),
        ("", Parsed.BLANK, None),
        ("   ", Parsed.BLANK, None),
        (None, Parsed.BLANK, None),
        ("đã trừ 0,5 do chậm BC", Parsed.INVALID, None),
        (True, Parsed.INVALID, None),
        (float("nan"), Parsed.INVALID, None),
        ("8..5", Parsed.INVALID, None),
    ],
)
def test_parse_score(raw, kind, value):
    parsed, number = parse_score(raw)
    assert parsed is kind
    assert number == (Decimal(value) if value is not None else None)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("19.825"), 2, "19.83"),  # never 19.82 (banker's rounding or binary floats)
        (Fraction(19825, 1000), 2, "19.83"),
        (Decimal("19.824999"), 2, "19.82"),
        (Decimal("-0.125"), 2, "-0.13"),  # half away from zero, as Excel's ROUND
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(1, 3), 0, "0"),
        (Decimal("2.5"), 0, "3"),
        (Decimal("0.5"), 0, "1"),
        (Fraction(100, 3), 4, "33.3333"),
    ],
)
def test_round_half_away_from_zero(value, decimals, expected):
    assert round_half_away(value, decimals) == Decimal(expected)
    assert str(round_half_away(value, decimals)) == expected


@pytest.mark.parametrize(("typed", "decimals", "shown"), [
    (19.825, 2, "19.83"),  # Excel's ROUND shows 19.83; Python's round() of the float gives 19.82
    (2.675, 2, "2.68"),
    (1.005, 2, "1.01"),
    (0.125, 2, "0.13"),
    (2.5, 0, "3"),  # half away from zero, not to even
])
def test_a_score_read_from_a_cell_rounds_on_the_digits_typed(typed, decimals, shown):
    # The cell holds the binary float nearest what was typed, which may lie just below the half.
    kind, number = parse_score(typed)
    assert kind is Parsed.NUMBER
    assert str(round_half_away(number, decimals)) == shown


@pytest.mark.parametrize(("value", "lang", "decimals", "shown"), [
    (Decimal("95.5"), "vi", None, "95,5"),
    (Decimal("95.5"), "en", None, "95.5"),
    (Decimal("95.25"), "vi", 2, "95,25"),
    (Fraction(1, 3), "en", 2, "0.33"),
    (Decimal("1000"), "vi", None, "1000"),
])
def test_format_number(value, lang, decimals, shown):
    assert format_number(value, lang, decimals) == shown


# -------------------------------------------------------------------- the fast paths agree with the plain ones

MIXED_CELLS = [8.5, 8.5, 20, 20.0, True, 1, 1.0, False, 0, 0.0, -0.0, float("nan"), "8,5", "8,5", " N/A ", "",
               None, "1.000", "abc", 2.25, "2.25"]


def test_parse_scores_is_parse_score_cell_by_cell():
    kinds, values, numbers = parse_scores(MIXED_CELLS)
    for raw, kind, value, number in zip(MIXED_CELLS, kinds, values, numbers, strict=True):
        expected_kind, expected_value = parse_score(raw)
        assert kind == expected_kind.value
        # Same value and same digits: True is not 1, 20 is not 20.0, -0.0 keeps its sign.
        assert str(value) == str(expected_value)
        assert (number != number) if expected_value is None else number == float(expected_value)


@given(st.lists(st.one_of(st.floats(allow_nan=False, width=32), st.integers(-5, 5), st.booleans(),
                          st.sampled_from(["", "N/A", "8,5", "1.000", "x", " 2 "]), st.none()), max_size=40))
def test_parse_scores_agrees_with_parse_score(cells):
    kinds, values, _ = parse_scores(cells)
    assert [(k, str(v)) for k, v in zip(kinds, values, strict=True)] == \
        [(p.value, str(v)) for p, v in map(parse_score, cells)]


def _round_with_fractions(value: Fraction, decimals: int) -> Decimal:
    """The original step-by-step Fraction rounding, kept as the reference for the integer version."""
    steps = abs(value) / Fraction(1, 10**decimals)
    whole = int(steps)
    if steps - whole >= Fraction(1, 2):
        whole += 1
    result = Decimal(whole) / Decimal(10**decimals)
    result = -result if value < 0 else result
    return result.quantize(Decimal(1).scaleb(-decimals))


@given(st.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**9), st.integers(0, 6))
def test_round_half_away_matches_the_fraction_steps(value, decimals):
    assert str(round_half_away(value, decimals)) == str(_round_with_fractions(value, decimals))
