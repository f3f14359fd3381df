"""Writers: CSV and xlsx sinks (byte-reproducible), the person-level export, clearing a folder of table files."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from zhenxing.sample.vocab import LEDGER_STEMS, OPTIONAL_STEMS, TABLE_STEMS

# ---------------------------------------------------------------- writers

class CsvSink:
    def __init__(self, path: Path, encoding: str, newline: str = "\n",
                 rename: dict[str, str] | None = None):
        self.path = path
        self.fh = open(path, "w", encoding=encoding, newline="")
        self.newline = newline
        self.rename = rename or {}
        self.first = True

    def write(self, df: pd.DataFrame) -> None:
        if self.rename:
            df = df.rename(columns=self.rename)
        df.to_csv(self.fh, index=False, header=self.first, lineterminator=self.newline)
        self.first = False

    def close(self) -> None:
        self.fh.close()


class XlsxSink:
    """Households as an office export: title row, export-date row, then the header."""

    def __init__(self, path: Path, title: str, subtitle: str, stamp: dt.datetime,
                 rename: dict[str, str], extra_index: bool = True):
        import openpyxl

        self.path = path
        self.stamp = stamp
        self.wb = openpyxl.Workbook()
        self.ws = self.wb.active
        self.ws.title = "农户信息"
        self.title, self.subtitle = title, subtitle
        self.rename = rename
        self.extra_index = extra_index
        self.row = 0

    def write(self, df: pd.DataFrame) -> None:
        ws = self.ws
        if self.row == 0:
            cols = ["序号" if self.extra_index else None] + [self.rename.get(c, c) for c in df.columns]
            cols = [c for c in cols if c is not None]
            ws.append([self.title])
            ws.append([self.subtitle])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
            ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(cols))
            ws.append(cols)
        for rec in df.itertuples(index=False, name=None):
            self.row += 1
            vals = [None if (isinstance(v, str) and v == "") else v for v in rec]
            vals = [int(v) if isinstance(v, np.integer) else v for v in vals]
            ws.append(([self.row] if self.extra_index else []) + vals)

    def close(self) -> None:
        self.wb.properties.creator = "zhenxing.sample (合成数据)"
        self.wb.properties.created = self.stamp
        self.wb.properties.modified = self.stamp
        self.wb.save(self.path)
        normalise_zip(self.path, self.stamp)


def normalise_zip(path: Path, stamp: dt.datetime) -> None:
    """Make an .xlsx byte-for-byte reproducible (fixed zip times and core dates)."""
    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + iso + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    path.write_bytes(buf.getvalue())


def open_sinks(out: Path, mixed: bool, county: str, years: Sequence[int]) -> dict:
    if not mixed:
        return {t: CsvSink(out / f"{t}.csv", "utf-8") for t in TABLE_STEMS}
    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
    return {
        "households": XlsxSink(
            out / "农户信息.xlsx", f"{county}农户信息导出（合成数据）",
            f"导出日期：{stamp:%Y-%m-%d}", stamp, rename={"纳入监测日期": "识别监测时间"}),
        "members": CsvSink(out / "members.csv", "gb18030", "\r\n"),
        "work": CsvSink(out / "work.csv", "utf-8", rename={"务工地域": "务工地域\u3000"}),
        "income": CsvSink(out / "收入.csv", "utf-8-sig", "\r\n"),
        "projects": CsvSink(out / "projects.csv", "utf-8"),
        "payments": CsvSink(out / "payments.csv", "utf-8"),
        "posts": CsvSink(out / "posts.csv", "utf-8", rename={"乡镇": "乡(镇)", "村": "行政村"}),
    }


PERSON_LEVEL_STEM = "（乡村建设）户信息_"


def person_level_name(years: Sequence[int]) -> str:
    """File name of the person-level export the bundled sample carries."""
    return f"{PERSON_LEVEL_STEM}{years[-1]}1231.xlsx"


def write_person_level(path: Path, df: pd.DataFrame, county: str, stamp: dt.datetime) -> None:
    """A person-level sheet as the national system exports it: three title rows above the
    header, ids and dates as text."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "户信息"
    cols = list(df.columns)
    ws.append([f"防止返贫监测信息系统 户信息（合成数据，{county}）"])
    ws.append([f"导出单位：{county}乡村振兴局"])
    ws.append([f"导出时间：{stamp:%Y-%m-%d %H:%M}"])
    for r in (1, 2, 3):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(cols))
    ws.append(cols)
    for rec in df.itertuples(index=False, name=None):
        ws.append([None if (isinstance(v, str) and v == "") else int(v) if isinstance(v, np.integer) else v
                   for v in rec])
    wb.properties.creator = "zhenxing.sample (合成数据)"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.save(path)
    normalise_zip(path, stamp)


def clear_tables(out: Path) -> None:
    """Remove table files a previous run may have left (never anything else)."""
    for stems in [*TABLE_STEMS.values(), *OPTIONAL_STEMS.values(), *LEDGER_STEMS.values()]:
        for stem in stems:
            for ext in (".csv", ".xlsx"):
                (out / f"{stem}{ext}").unlink(missing_ok=True)
    for p in out.glob(f"{PERSON_LEVEL_STEM}*.xlsx"):
        p.unlink()
