"""The optional tables of one township (小额信贷, 社会救助, 教育资助, 项目资产, 村), from their own random stream."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from zhenxing.sample import profiles
from zhenxing.sample.model import pick
from zhenxing.sample.render import Renderer
from zhenxing.sample.vocab import (
    ASSET_CLASSES,
    DAY,
    NAT,
    OPTIONAL_STEMS,
    day_of,
    iso_dates,
    mixed_dates,
    money_text,
    yn_text,
)
from zhenxing.sample.writers import CsvSink, XlsxSink

# ---------------------------------------------------------------- optional tables

LOAN_USES = ("种植业", "养殖业", "加工业", "服务业")
LOAN_USE_P = [.45, .38, .07, .10]
LOAN_WAN = np.array([5.0, 5.0, 5.0, 4.0, 3.0, 3.0, 2.0, 1.0])


def dates_in_year(rng, year: int, k: int, first_month: int = 1, last_month: int = 12) -> np.ndarray:
    lo = day_of(year, first_month, 1)
    hi = day_of(year + (last_month == 12), 1 if last_month == 12 else last_month + 1, 1)
    span = int((hi - lo) / DAY)
    return lo + rng.integers(0, span, k) * DAY


class OptionalTables:
    """The optional tables of one township, drawn from their own random stream (so the
    core tables do not change): loans in the dozens to hundreds, 低保 households in the
    tens to low hundreds, a few dozen 雨露计划 students, assets in the tens."""

    def __init__(self, r: "Renderer", years: Sequence[int], seed: int):
        self.r, self.t, self.years = r, r.t, tuple(years)
        self.rng = np.random.default_rng([seed, r.t.index, 7])
        self.end = day_of(self.years[-1], 12, 31)
        h = self.t.hh
        self.covered = h["exited"] | (h["cat"] >= 0)

    def _dates(self, d: np.ndarray) -> np.ndarray:
        return mixed_dates(d, self.rng) if self.r.mixed else iso_dates(d)

    def credit(self) -> pd.DataFrame:
        rng, cov = self.rng, np.flatnonzero(self.covered)
        rows = []
        for year in (self.years[0] - 2, self.years[0] - 1, *self.years):
            k = int(round(len(cov) * rng.uniform(0.05, 0.09)))
            who = pick(rng, cov, k)
            issue = dates_in_year(rng, year, len(who), 1, 10)
            term = rng.choice([1, 2, 3, 3, 3], size=len(who))
            for h, d, tm in zip(who, issue, term):
                due = d + int(365 * tm) * DAY
                settled = NAT
                if due <= self.end and rng.random() < 0.95:
                    settled = due - int(rng.integers(0, 30)) * DAY
                elif rng.random() < 0.04:
                    settled = min(d + int(rng.integers(120, 360)) * DAY, self.end)
                overdue = 0.0
                if np.isnat(settled) and rng.random() < 0.012:
                    overdue = float(rng.choice([0.5, 1.0, 2.0, 5.0]))
                overdue = profiles.overdue_amount(self.t.profile, overdue)
                rows.append((h, d, due, float(rng.choice(LOAN_WAN)), settled, rng.random() < 0.02,
                             overdue, LOAN_USES[int(rng.choice(4, p=LOAN_USE_P))]))
        rows.sort(key=lambda x: (x[1], x[0]))
        df = pd.DataFrame(rows, columns=["hh", "issue", "due", "amount", "settled", "renew", "overdue", "use"])
        n = len(df)
        return pd.DataFrame({
            "户编号": self.r.hh_ids[df["hh"].to_numpy(dtype=np.int64)] if n else np.array([], dtype=object),
            "贷款编号": [f"DK{self.t.index:03d}{j:05d}" for j in range(1, n + 1)],
            "发放日期": self._dates(df["issue"].to_numpy().astype("datetime64[D]")),
            "到期日期": self._dates(df["due"].to_numpy().astype("datetime64[D]")),
            "贷款金额": df["amount"].to_numpy(),
            "结清日期": self._dates(df["settled"].to_numpy().astype("datetime64[D]")),
            "是否续贷展期": yn_text(df["renew"].to_numpy(dtype=bool)),
            "逾期金额": df["overdue"].to_numpy(),
            "贷款用途": df["use"].to_numpy(dtype=object),
        })

    def assistance(self) -> pd.DataFrame:
        rng, h = self.rng, self.t.hh
        size = h["size"]
        rows = []
        kinds = [("农村低保", np.flatnonzero(h["dibao"]), 420), ("特困供养", np.flatnonzero(h["tekun"]), 780)]
        for kind, who, per_month in kinds:
            since = rng.integers(2016, self.years[0] + 1, len(who))
            for hh, y0 in zip(who, since):
                persons = 1 if kind == "特困供养" else int(max(1, size[hh] - rng.integers(0, 2)))
                for year in self.years:
                    if year < y0:
                        continue
                    start = day_of(int(y0), int(rng.integers(1, 13)), 1) if year == y0 else day_of(year, 1, 1)
                    last = year == self.years[-1]
                    stop = NAT if last else day_of(year, 12, 31)
                    months = 12 - (int(str(start)[5:7]) - 1)
                    rows.append((hh, kind, persons, start, stop, float(per_month * persons * months), year))
        for kind, share, lo, hi in (("临时救助", 0.012, 500, 3000), ("残疾人两项补贴", 0.02, 1080, 1080),
                                    ("高龄补贴", 0.03, 600, 1200)):
            for year in self.years:
                who = pick(rng, np.arange(len(size)), int(round(len(size) * share)))
                for hh in who:
                    d = dates_in_year(rng, year, 1)[0]
                    stop = d if kind == "临时救助" else day_of(year, 12, 31)
                    rows.append((hh, kind, 1 if kind != "临时救助" else int(size[hh]), d, stop,
                                 float(rng.integers(lo // 10, hi // 10 + 1) * 10), year))
        df = pd.DataFrame(rows, columns=["hh", "kind", "persons", "start", "stop", "amount", "year"])
        df = df.sort_values(["year", "hh", "kind"], kind="stable")
        amount = df["amount"].to_numpy()
        return pd.DataFrame({
            "户编号": self.r.hh_ids[df["hh"].to_numpy(dtype=np.int64)],
            "救助类别": df["kind"].to_numpy(dtype=object),
            "保障人数": df["persons"].to_numpy(),
            "开始日期": self._dates(df["start"].to_numpy().astype("datetime64[D]")),
            "终止日期": self._dates(df["stop"].to_numpy().astype("datetime64[D]")),
            "发放金额": money_text(amount, self.rng, 0.05) if self.r.mixed else amount,
            "发放年度": df["year"].to_numpy(),
        })

    def education_aid(self) -> pd.DataFrame:
        rng, m = self.rng, self.t.mem
        cov_member = self.covered[m["hh"]]
        school = m["school"]
        rows = []
        plan = {2: ("义务教育", "两免一补", 500, 1.0), 3: ("义务教育", "两免一补", 625, 1.0),
                4: ("普通高中", "国家助学金", 1000, 0.35), 5: ("中职", "雨露计划", 1500, 0.8),
                6: ("高职", "雨露计划", 1500, 0.8), 7: ("本科及以上", "生源地信用助学贷款", 8000, 0.4),
                1: ("学前教育", "学前教育资助", 300, 0.5)}
        for code, (stage, prog, amount, p) in plan.items():
            who = np.flatnonzero(cov_member & (school == code))
            who = who[rng.random(len(who)) < p]
            for person in who:
                for year in self.years:
                    for sy in (f"{year - 1}-{year}", f"{year}-{year + 1}") if year == self.years[-1] else (f"{year - 1}-{year}",):
                        paid = day_of(int(sy[:4]) + (0 if sy.endswith(str(year + 1)) else 1), 3 if not sy.endswith(str(year + 1)) else 10, 15)
                        rows.append((person, sy, stage, prog, float(amount), paid))
                        if code == 5 and rng.random() < 0.9:
                            rows.append((person, sy, stage, "免学费", 2000.0, paid))
        df = pd.DataFrame(rows, columns=["person", "sy", "stage", "prog", "amount", "paid"])
        return pd.DataFrame({
            "证件号码": self.r.ids[df["person"].to_numpy(dtype=np.int64)].astype(object),
            "学年": df["sy"].to_numpy(dtype=object),
            "学段": df["stage"].to_numpy(dtype=object),
            "资助项目": df["prog"].to_numpy(dtype=object),
            "金额": df["amount"].to_numpy(),
            "发放日期": self._dates(df["paid"].to_numpy().astype("datetime64[D]")),
        })

    def assets(self) -> pd.DataFrame:
        rng, p = self.rng, self.t.projects
        rows = []
        k = 0
        per = p[p["asset"] != ""].groupby("id", sort=False).agg(
            year=("year", "first"), name=("name", "first"), village=("village", "first"),
            asset=("asset", "first"), milli=("milli", "sum"), finish=("finish", "first"))
        for pid, a in per.iterrows():
            formed = a["finish"] if not pd.isna(a["finish"]) else None
            if formed is None:
                continue   # not finished: no asset formed yet
            k += 1
            reg = np.datetime64(formed, "D") + int(rng.integers(20, 200)) * DAY
            reg = reg if (reg <= self.end and rng.random() < 0.8) else NAT
            reg = profiles.registered(self.t.profile, reg, formed, self.end)
            value = a["milli"] / 1000
            income = round(value * rng.uniform(0.03, 0.08), 2) if a["asset"] == "经营性资产" else np.nan
            rows.append((f"ZC{self.t.index:03d}{k:04d}", pid, self.r.t.name, a["village"], a["name"].replace("项目", ""),
                         a["asset"], int(a["year"]), round(value, 3), reg, income))
        villages = self.t.villages
        for _ in range(int(rng.integers(10, 25))):   # assets of earlier years' projects
            k += 1
            cls = ASSET_CLASSES[int(rng.choice(3, p=[.35, .5, .15]))]
            year = int(rng.integers(2016, self.years[0]))
            v = villages[int(rng.integers(len(villages)))]
            word = {"经营性资产": "产业基地", "公益性资产": "道路", "到户类资产": "到户产业"}[cls]
            value = round(float(rng.uniform(5, 300)), 2)
            reg = day_of(year + 1, int(rng.integers(1, 13)), 1) if rng.random() < 0.85 else NAT
            reg = profiles.registered(self.t.profile, reg, day_of(year, 12, 1), self.end)
            income = round(value * rng.uniform(0.02, 0.07), 2) if cls == "经营性资产" else np.nan
            rows.append((f"ZC{self.t.index:03d}{k:04d}", "", self.r.t.name, v, f"{v}{word}", cls, year, value, reg, income))
        if self.t.index == 1:   # the county holds two assets itself
            for j, (name, value) in enumerate((("县级产业园区", 860.0), ("县冷链物流中心", 420.5)), 1):
                rows.append((f"ZC000{j:04d}", "", "县本级", "", name, "经营性资产", self.years[0] - 1, value,
                             day_of(self.years[0], 3, 1), round(value * 0.04, 2)))
        df = pd.DataFrame(rows, columns=["id", "pid", "town", "village", "name", "cls", "year", "value", "reg", "income"])
        return pd.DataFrame({
            "资产编号": df["id"], "项目编号": df["pid"], "县": self.r.county, "乡镇": df["town"], "村": df["village"],
            "资产名称": df["name"], "资产类别": df["cls"], "形成年度": df["year"], "资产原值": df["value"],
            "确权日期": self._dates(df["reg"].to_numpy().astype("datetime64[D]")),
            "当年收益": df["income"].map(lambda x: "" if pd.isna(x) else f"{x:g}"),
        })

    def villages(self) -> pd.DataFrame:
        rng, h = self.rng, self.t.hh
        nv = len(self.t.villages)
        groups = np.array([int(h["group"][h["village"] == v].max()) if (h["village"] == v).any() else 1
                           for v in range(nv)])
        poor = rng.random(nv) < 0.4
        base = np.exp(rng.normal(np.log(7), 0.6, nv))
        rows = []
        for year in self.years:
            grow = rng.uniform(0.95, 1.25, nv)
            base = base * grow
            for v in range(nv):
                rows.append((self.t.villages[v], poor[v], groups[v], 1 + groups[v] // 4,
                             int(3 if poor[v] else rng.integers(0, 3)), round(float(base[v]), 2), year))
        df = pd.DataFrame(rows, columns=["v", "poor", "groups", "grid", "team", "income", "year"])
        return pd.DataFrame({
            "县": self.r.county, "乡镇": self.t.name, "村": df["v"], "是否脱贫村": yn_text(df["poor"].to_numpy()),
            "村民小组数": df["groups"], "网格员数": df["grid"], "驻村工作队员数": df["team"],
            "村集体经济收入": df["income"], "年度": df["year"],
        })


def open_optional_sinks(out: Path, mixed: bool, county: str, years: Sequence[int]) -> dict:
    if not mixed:
        return {t: CsvSink(out / f"{t}.csv", "utf-8") for t in OPTIONAL_STEMS}
    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
    credit = XlsxSink(out / "小额信贷.xlsx", f"{county}脱贫人口小额信贷台账（合成数据）",
                       f"导出日期：{stamp:%Y-%m-%d}", stamp,
                       rename={"发放日期": "放款日期", "贷款金额": "贷款金额（万元）", "逾期金额": "逾期金额（万元）"})
    credit.ws.title = "小额信贷"
    return {
        "credit": credit,
        "assistance": CsvSink(out / "社会救助.csv", "gb18030", "\r\n", rename={"救助类别": "救助类型"}),
        "education_aid": CsvSink(out / "education_aid.csv", "utf-8-sig", rename={"金额": "资助金额"}),
        "assets": CsvSink(out / "项目资产.csv", "utf-8", rename={"资产原值": "资产原值（万元）", "当年收益": "当年收益（万元）"}),
        "villages": CsvSink(out / "村.csv", "utf-8", rename={"村集体经济收入": "村集体经济收入（万元）"}),
    }
