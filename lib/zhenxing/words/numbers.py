"""Numbers to Chinese report text: one formatter per kind of figure.

Formats follow the spec ("Numbers in text"): rounding is half up in decimal arithmetic on
``Decimal(str(x))`` (753.135 → ``753.14万元``; binary floats would give 753.13).
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"


# ---------------------------------------------------------------- numbers
def decimal_of(x) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return Decimal(x)
    return Decimal(str(float(x)))


def round_half_up(x, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    r = decimal_of(x).quantize(q, rounding=ROUND_HALF_UP)
    return r + 0 if r != 0 else abs(r)  # no "-0.00"


def fixed(x, places: int = 2) -> str:
    """``x`` with exactly ``places`` decimals, rounded half up."""
    if x is None:
        return MISSING
    return f"{round_half_up(x, places):.{places}f}"


def num(x) -> str:
    """A plain number without trailing zeros (9.5 → "9.5", 10.0 → "10")."""
    if x is None:
        return MISSING
    d = decimal_of(x)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def hp(obj_or_h, p=None, label: str = "") -> str:
    """Households and persons: ``hp(24, 81, "突发严重困难户")`` → "突发严重困难户24户81人".

    ``obj_or_h`` may be a ``{"households", "persons"}`` dict.
    """
    if isinstance(obj_or_h, dict):
        h, p = obj_or_h.get("households"), obj_or_h.get("persons")
    else:
        h = obj_or_h
    if h is None or p is None:
        return f"{label}{MISSING}"
    return f"{label}{int(h)}户{int(p)}人"


def persons(n, label: str = "") -> str:
    """Persons alone: ``persons(215, "生态护林员")`` → "生态护林员215人"."""
    return f"{label}{MISSING if n is None else int(n)}人"


def count(n, unit: str) -> str:
    """A plain count with its unit: ``count(4, "个")`` → "4个"."""
    return f"{MISSING if n is None else int(n)}{unit}"


def wan(x) -> str:
    """万元 in prose: rounded to two decimals half up, trailing zeros dropped as the
    reports write them: 753.135 → "753.14万元", 235.5 → "235.5万元", 294 → "294万元"."""
    if x is None:
        return f"{MISSING}万元"
    return f"{num(round_half_up(x, 2))}万元"


def wan_cell(x) -> str:
    """万元 in a table cell: always two decimals, no unit (the header carries it): "235.50"."""
    return fixed(x, 2)


def pct(x) -> str:
    """Percent in prose: two decimals, half up, trailing zeros dropped as the reports write
    them: 68.115 → "68.12%", 97.50 → "97.5%", 60.00 → "60%". Tables use :func:`pct_cell`."""
    if x is None:
        return f"{MISSING}%"
    return f"{num(round_half_up(x, 2))}%"


def pct_cell(x) -> str:
    """Percent in a table cell: always two decimals, half up: 60 → "60.00%"."""
    return f"{fixed(x, 2)}%"


def rounded(x, places: int = 2) -> float | None:
    """``x`` rounded half up (decimal arithmetic) as a float: what a chart is given, so its
    label reads the value the text states (11182.5 → 11183, never 11182)."""
    if x is None:
        return None
    return float(round_half_up(x, places))


def parts_add_up(parts, total, places: int = 2) -> bool:
    """Whether the parts, each rounded half up, add up to the rounded total (the total is
    computed from the unrounded parts; when they do not add up the table says so)."""
    s = sum((round_half_up(p, places) for p in parts if p is not None), Decimal(0))
    return s == round_half_up(total, places)


def yuan(x) -> str:
    """Whole 元, half up: 10855.98 → "10856元"."""
    return f"{fixed(x, 0)}元"


def date_cn(d) -> str:
    """2023-06-30 (date or ISO string) → "2023年6月30日"."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def change(x) -> str:
    """A percent change as words: "增长6.74%" / "下降3.20%" / "持平"."""
    if x is None:
        return MISSING
    r = round_half_up(x, 2)
    if r > 0:
        return f"增长{pct(r)}"
    if r < 0:
        return f"下降{pct(-r)}"
    return "持平"
