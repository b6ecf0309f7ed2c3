"""Turn computed values into Markdown: numbers, tables and prose with placeholders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from string import Formatter


def num(value: int | float | Fraction) -> str:
    """Format a number for prose: thousands separators, exact fractions as short decimals."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return f"{value.numerator:,}"
        as_float = float(value)
        return f"{as_float:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def shape(dims: Sequence[int]) -> str:
    """Format a shape tuple like Keras prints it, without the batch axis: (26, 26, 64)."""
    return "(" + ", ".join(str(d) for d in dims) + ")"


def is_exact_decimal(value: Fraction) -> bool:
    """True when the fraction has a finite decimal expansion (denominator of 2s and 5s only)."""
    den = value.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    return den == 1


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> str:
    """A Markdown pipe table; align is one of 'l', 'r', 'c' per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    if len(align) != len(headers) or any(len(row) != len(headers) for row in rows):
        raise ValueError("every row and the alignment need one entry per header")
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule[a] for a in align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class _Formatter(Formatter):
    """str.format that renders ints and Fractions with `num` when no format spec is given."""

    def format_field(self, value: object, format_spec: str) -> str:
        if not format_spec and isinstance(value, int | Fraction) and not isinstance(value, bool):
            return num(value)
        if isinstance(value, Fraction):  # Fraction has no format specs before Python 3.12
            value = float(value)
        return super().format_field(value, format_spec)


def prose(template: str, values: Mapping[str, object]) -> str:
    """Fill {placeholders} in Markdown prose from values; a missing name raises KeyError naming it."""
    return _Formatter().vformat(template.strip("\n"), (), values)
