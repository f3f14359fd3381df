"""Tables a report shows, built from indicators (pure functions, no I/O).

Each returns a DataFrame with Chinese column headers; `markdown()` turns one into a
pandoc pipe table with its caption, which notebooks display and reports carry.

A figure the indicators leave null (no table, no column, no data for the year) is
never shown as 0: its column is left out, or a single cell shows "—", and the table
carries a note (``df.attrs["note"]``, printed under the table by `markdown()`) saying
why, from ``ind["not_stated"]``. A topic with no figure at all gives an empty table
(the paragraph says why).
"""
from __future__ import annotations

import re

import pandas as pd

HP = ("户数", "人数")


def markdown(df: pd.DataFrame, caption: str = "") -> str:
    """A pipe table; numbers right-aligned. An empty table says so instead."""
    if df is None or df.empty:
        return f"{caption}：无数据。" if caption else "无数据。"
    cols = [str(c) for c in df.columns]
    numeric = numeric_columns(df)
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(cell_text(v) for v in row) + " |")
    if caption:
        lines += ["", f"Table: {caption}"]
    note = df.attrs.get("note")
    if note:
        lines += ["", note]
    return "\n".join(lines)


def numeric_columns(df: pd.DataFrame) -> list[bool]:
    """Per column: right-aligned (numbers, or formatted numbers)?"""
    return [pd.api.types.is_numeric_dtype(df.iloc[:, i]) or _numeric_text(df.iloc[:, i]) for i in range(df.shape[1])]


_NUMBER = re.compile(r"^-?\d+(\.\d+)?(%|元)?$")


def _numeric_text(col: pd.Series) -> bool:
    """A column of formatted numbers ("235.50", "66.17%", "10856元"): right-aligned too."""
    vals = [str(v) for v in col if v is not None and str(v) != "—"]
    return bool(vals) and all(_NUMBER.match(v) for v in vals)


def cell_text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return str(v).replace("|", "｜")
