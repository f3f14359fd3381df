"""Personal data: masking in messages (ids shown as ``5301**********123X``, names as
``张**``) and pseudonymisation of the validated tables (names and ids dropped, ids
replaced by keyed hashes, sex and birth date derived from the id first)."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from zhenxing.data.schema import LONG_DIGITS, conform


def mask(value) -> str:
    """Mask personal data in a value shown in a message: ``5301**********123X``."""
    s = "" if value is None else str(value)
    if len(s) >= 8 and LONG_DIGITS.fullmatch(s):
        return s[:4] + "*" * (len(s) - 8) + s[-4:]
    return s


def mask_text(text: str) -> str:
    """Mask every long digit run (id-shaped) inside free text."""
    return LONG_DIGITS.sub(lambda m: mask(m.group(0)), text)


def mask_name(value: str) -> str:
    return (value[:1] + "*" * max(len(value) - 1, 1)) if value else value


def pseudonymise(tables: dict[str, pd.DataFrame], salt: bytes) -> dict[str, pd.DataFrame]:
    """Drop names and ids; derive sex and birth date from ids first. Every frame leaves
    with exactly the table's ``schema``."""
    out = {}
    for name, df in tables.items():
        df = df.copy()
        if name == "members":
            ids = df["证件号码"].fillna("")
            shaped = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
            sex = pd.Series(None, index=df.index, dtype=object)
            if shaped.any():
                sex[shaped] = np.where(ids[shaped].str[16].astype(int) % 2 == 1, "男", "女")
            birth = pd.to_datetime(ids.where(shaped).str[6:14], format="%Y%m%d", errors="coerce")
            df["性别"] = df["性别"].where(df["性别"].notna(), sex)
            df["出生日期"] = df["出生日期"].fillna(birth)
        if "证件号码" in df:
            uniq = pd.unique(df["证件号码"].dropna())
            table = {u: "P" + hashlib.blake2b(u.encode(), key=salt, digest_size=8).hexdigest() for u in uniq}
            df["证件号码"] = df["证件号码"].map(table).astype(object)
        if "帮扶责任人" in df:   # the paired cadre: counted, never named (a keyed pseudonym)
            uniq = pd.unique(df["帮扶责任人"].dropna())
            table = {u: "C" + hashlib.blake2b(str(u).encode(), key=salt, digest_size=8).hexdigest() for u in uniq}
            df["帮扶责任人"] = df["帮扶责任人"].map(table).astype(object)
        out[name] = conform(name, df)
    return out
