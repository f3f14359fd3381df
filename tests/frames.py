"""Hand-built tables in the validated form, for unit tests of the pure functions
(shared by tests/test_indicators.py, tests/test_topics.py, tests/test_ledgers.py and
tests/test_county_summary.py)."""
from __future__ import annotations

import pandas as pd


def frame(columns: dict, rows: list[tuple]) -> pd.DataFrame:
    """Rows → DataFrame of the validated form. ``columns`` maps name → kind:
    text (object, None blank), int (Int64), num (float64), date (datetime64 plus
    ``<name>_仅月``; "2023-03" is month-only), bool (boolean)."""
    names = list(columns)
    raw = pd.DataFrame([dict(zip(names, r)) for r in rows], columns=names)
    out = pd.DataFrame(index=raw.index)
    for name, kind in columns.items():
        s = raw[name]
        if kind == "text":
            out[name] = s.astype(object).where(s.notna(), None)
        elif kind == "int":
            out[name] = s.astype("Int64")
        elif kind == "num":
            out[name] = s.astype("float64")
        elif kind == "bool":
            out[name] = s.astype("boolean")
        elif kind == "date":
            month = s.map(lambda v: isinstance(v, str) and len(v) == 7)
            out[name] = pd.to_datetime(s.map(lambda v: f"{v}-01" if isinstance(v, str) and len(v) == 7 else v))
            out[name + "_仅月"] = month.astype(bool)
    out.index = out.index + 2  # as the reader does: spreadsheet row numbers
    return out


def conformed(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows (dicts, dates as text) of contract table ``name`` → the table as the reader
    conforms it (``contract.conform``): the contract's dtypes, columns it names only."""
    from zhenxing.data import contract
    df = pd.DataFrame(rows)
    for c, t in contract.schema(name):
        if c in df and t.startswith("datetime"):
            df[c] = pd.to_datetime(df[c])
    return contract.conform(name, df)
