"""The office's own ledgers (工作台账, 问题整改台账, 驻村工作队) and the 三保障 columns of one
township, drawn from their own random streams (so every other table keeps its bytes).

Townships differ as offices do: the number of 排查 rounds, training and job fairs, how
many problems were fed back and by whom, whether one is overdue, a team rotated in the
year. The county's own (县本级) rows come with the first township. The township at
``SKIP`` keeps no ledgers at all: its summary simply has no such sentences.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from zhenxing.sample import profiles
from zhenxing.sample.render import Renderer
from zhenxing.sample.vocab import GIVEN_ALL, LEDGER_STEMS, SURNAME_ARR, day_of, iso_dates, mixed_dates, yn_text
from zhenxing.sample.writers import CsvSink, XlsxSink

SKIP = 3          # the township (1-based index) without ledgers: 河口镇 in the bundled sample
UNITS = ("县委组织部", "县财政局", "县人社局", "县农业农村局", "县卫健局", "县水务局", "县教体局", "县住建局",
         "县供销社", "县乡村振兴局", "县医保局", "县交通运输局")
PROBLEMS = {
    "省级成效考核": ("部分监测对象帮扶措施针对性不强", "个别脱贫户“两不愁三保障”信息与实际不符",
                  "项目资产后续管护责任落实不到位", "防返贫监测网格员履职不到位"),
    "国家成效考核": ("部分监测对象识别认定不及时", "小额信贷贷后管理不到位"),
    "市级考核": ("公益性岗位考勤记录不完整", "衔接资金项目开工进度滞后", "驻村工作队在岗履职登记不全"),
    "暗访": ("个别农户住房安全等级鉴定资料缺失", "部分群众对帮扶政策知晓率不高"),
    "审计": ("项目资金拨付不及时", "项目资产确权登记滞后"),
    "自查": ("部分脱贫户收入信息采集不准确", "个别村防返贫监测排查台账不规范"),
}


def has_ledgers(index: int) -> bool:
    return index != SKIP


def security_columns(r: Renderer, seed: int) -> tuple[dict, dict]:
    """(household columns, member columns) of 三保障 and 健康帮扶: 住房安全有保障,
    饮水安全有保障, 帮扶责任人 (a cadre for nearly every covered household), 是否签约家庭医生."""
    t = r.t
    rng = np.random.default_rng([seed, t.index, 11])
    h = t.hh
    n = len(h["size"])
    covered = h["exited"] | (h["cat"] >= 0)
    cov = np.flatnonzero(covered)
    housing = np.ones(n, dtype=bool)
    water = np.ones(n, dtype=bool)
    # a township or two still has a house or a water supply not yet made safe
    k_house = int(rng.choice([0, 0, 0, 1, 2]))
    k_water = int(rng.choice([0, 0, 0, 0, 1]))
    k_house, k_water = profiles.safe_homes(t.profile, k_house, k_water)
    if len(cov):
        housing[rng.choice(cov, size=min(k_house, len(cov)), replace=False)] = False
        water[rng.choice(cov, size=min(k_water, len(cov)), replace=False)] = False
    cadres = max(3, len(cov) // 5)
    sur = rng.integers(0, len(SURNAME_ARR), cadres)
    g1 = rng.integers(0, len(GIVEN_ALL) - 1, cadres)
    names = np.char.add(SURNAME_ARR[sur], GIVEN_ALL[g1]).astype(object)
    cadre = np.full(n, "", dtype=object)
    paired = covered & (rng.random(n) < rng.choice([1.0, 0.99, 0.97]))
    cadre[paired] = names[rng.integers(0, cadres, int(paired.sum()))]
    m = t.mem
    m_cov = covered[m["hh"]]
    doctor = m_cov & (rng.random(len(m["hh"])) < rng.uniform(0.82, 0.97))
    doctor_txt = yn_text(doctor)
    doctor_txt[~m_cov] = ""
    return ({"住房安全有保障": yn_text(housing), "饮水安全有保障": yn_text(water), "帮扶责任人": cadre},
            {"是否签约家庭医生": doctor_txt})


class Ledgers:
    """The three ledgers of one township (and, with the first, the county's own rows)."""

    def __init__(self, r: Renderer, years: Sequence[int], seed: int):
        self.r, self.t, self.years = r, r.t, tuple(years)
        self.rng = np.random.default_rng([seed, r.t.index, 13])
        self.end = day_of(self.years[-1], 12, 31)

    def dates(self, d: np.ndarray) -> np.ndarray:
        return mixed_dates(d, self.rng) if self.r.mixed else iso_dates(d)

    def day(self, year: int, lo: int = 1, hi: int = 12) -> np.datetime64:
        m = int(self.rng.integers(lo, hi + 1))
        return day_of(year, m, int(self.rng.integers(1, 29)))

    def activities(self) -> pd.DataFrame:
        rng, t = self.rng, self.t
        n_hh = len(t.hh["size"])
        nv = len(t.villages)
        rows = []
        for year in self.years:
            rounds = int(rng.integers(1, 4))
            for k in range(rounds):
                when = day_of(year, (3, 7, 10)[k], int(rng.integers(1, 20)))
                reach = int(n_hh * rng.uniform(0.85, 1.0))
                rows.append(("", when, "排查", ("防返贫动态监测集中排查", "“三保障”和饮水安全专项排查",
                                               "防止返贫集中排查“回头看”")[k], "", reach, int(rng.integers(3, 25)), ""))
            for v in rng.choice(nv, size=min(nv, int(rng.integers(2, 6))), replace=False):
                rows.append((t.villages[v], self.day(year), "走访", "帮扶干部入户走访", "",
                             int(rng.integers(40, 160)), int(rng.integers(0, 6)), ""))
            for k in range(int(rng.integers(0, 4))):
                rows.append(("", self.day(year, 2, 11), "培训", ("脱贫劳动力技能培训", "种养殖实用技术培训",
                                                               "电商直播技能培训")[k],
                             int(rng.integers(30, 120)), "", "", ""))
            for k in range(int(rng.integers(0, 3))):
                rows.append(("", self.day(year, 1, 4), "招聘会", ("春风行动专场招聘会", "就业援助月招聘会")[k],
                             int(rng.integers(80, 400)), "", "", int(rng.integers(150, 900))))
            for _ in range(int(rng.integers(2, 6))):
                rows.append(("", self.day(year), "会议", "巩固拓展脱贫攻坚成果工作推进会",
                             int(rng.integers(20, 80)), "", "", ""))
            if rng.random() < 0.6:
                rows.append(("", self.day(year, 6, 11), "督导", "防返贫监测帮扶工作督导", "", "",
                             int(rng.integers(2, 12)), ""))
        rows += self.county_rows("activities")
        return self.frame(rows, ["村", "日期", "类别", "名称", "参与人次", "覆盖户数", "发现问题数", "岗位数"],
                          "日期")

    def county_rows(self, table: str) -> list:
        if self.t.index != 1:
            return []
        y = self.years[-1]
        if table == "activities":
            return [("县本级", "", day_of(y, 3, 15), "培训", "全县防返贫监测网格员培训", 320, "", "", ""),
                    ("县本级", "", day_of(y, 2, 20), "招聘会", "全县春风行动招聘会", 1800, "", "", 3200),
                    ("县本级", "", day_of(y, 9, 5), "督导", "县级巩固衔接工作督导", "", "", 46, "")]
        return []

    def frame(self, rows: list, cols: list[str], date_col: str) -> pd.DataFrame:
        own = [r for r in rows if r[0] != "县本级"]
        county = [r[1:] for r in rows if r[0] == "县本级"]
        df = pd.DataFrame(own, columns=cols)
        towns = [self.t.name] * len(df)
        if county:
            df = pd.concat([df, pd.DataFrame(county, columns=cols)], ignore_index=True)
            towns += ["县本级"] * len(county)
        df = df.sort_values(date_col, kind="stable")
        towns = [towns[i] for i in df.index]
        df = df.reset_index(drop=True)
        df[date_col] = self.dates(df[date_col].to_numpy().astype("datetime64[D]"))
        df.insert(0, "乡镇", towns)
        df.insert(0, "县", self.r.county)
        return df

    def rectification(self) -> pd.DataFrame:
        rng, t = self.rng, self.t
        rows = []
        k = 0
        y = self.years[-1]
        sources = list(PROBLEMS)
        for year in self.years:
            src = sources[int(rng.integers(0, len(sources)))] if year < y else "省级成效考核"
            n = int(rng.integers(2, 6))
            fed = day_of(year, int(rng.integers(2, 5)), int(rng.integers(1, 28)))
            for j in range(n):
                k += 1
                text = PROBLEMS[src][j % len(PROBLEMS[src])]
                deadline = fed + int(rng.integers(60, 200)) * np.timedelta64(1, "D")
                state, done = "已完成", deadline - int(rng.integers(0, 40)) * np.timedelta64(1, "D")
                if year == y and j == n - 1 and t.index % 2 == 0 \
                        and profiles.keeps_overdue_item(t.profile):   # one item still open past its deadline
                    state, done = "整改中", np.datetime64("NaT", "D")
                    deadline = day_of(y, 10, 31)
                rows.append((f"ZG{t.index:02d}{k:03d}", src, fed, text, int(rng.integers(1, 5)), deadline,
                             state, done))
        if t.index == 1:
            rows.append(("ZG00001", "国家成效考核", day_of(y, 4, 10), "县级防返贫监测预警信息共享不及时", 3,
                         day_of(y, 9, 30), "已完成", day_of(y, 8, 28)))
        df = pd.DataFrame(rows, columns=["问题编号", "问题来源", "反馈日期", "问题描述", "整改措施数", "整改时限",
                                         "整改状态", "完成日期"])
        towns = [("县本级" if pid == "ZG00001" else t.name) for pid in df["问题编号"]]
        for c in ("反馈日期", "整改时限", "完成日期"):
            df[c] = iso_dates(df[c].to_numpy().astype("datetime64[D]"))
        df.insert(1, "乡镇", towns)
        df.insert(1, "县", self.r.county)
        return df

    def teams(self) -> pd.DataFrame:
        rng, t = self.rng, self.t
        rows = []
        y = self.years[-1]
        nv = len(t.villages)
        posted = rng.random(nv) < rng.uniform(0.5, 0.9)
        posted[0] = True
        posted = profiles.teams_everywhere(t.profile, posted)
        for v in np.flatnonzero(posted):
            first = day_of(y - 2, 5, 1 + int(rng.integers(0, 20)))
            members = [("第一书记", first)] + [("工作队员", first)] * int(rng.integers(1, 3))
            rotate = rng.random() < 0.35
            for role, when in members:
                unit = UNITS[int(rng.integers(0, len(UNITS)))]
                name = str(SURNAME_ARR[int(rng.integers(0, len(SURNAME_ARR)))]) + \
                    str(GIVEN_ALL[int(rng.integers(0, len(GIVEN_ALL) - 1))]) + \
                    str(GIVEN_ALL[int(rng.integers(0, len(GIVEN_ALL) - 1))])
                if rotate and role == "第一书记":
                    swap = day_of(y, 6, int(rng.integers(1, 28)))
                    rows.append((t.villages[v], name, role, unit, first, swap))
                    rows.append((t.villages[v], name[::-1], role, UNITS[(UNITS.index(unit) + 1) % len(UNITS)],
                                 swap, np.datetime64("NaT", "D")))
                else:
                    rows.append((t.villages[v], name, role, unit, when, np.datetime64("NaT", "D")))
        df = pd.DataFrame(rows, columns=["村", "姓名", "职务", "派出单位", "派驻日期", "撤回日期"])
        for c in ("派驻日期", "撤回日期"):
            df[c] = self.dates(df[c].to_numpy().astype("datetime64[D]"))
        df.insert(0, "乡镇", t.name)
        df.insert(0, "县", self.r.county)
        return df


def open_ledger_sinks(out: Path, mixed: bool, county: str, years: Sequence[int]) -> dict:
    """The ledgers as offices keep them: 工作台账 an xlsx with title rows, 问题整改台账 a
    GBK CSV, 驻村工作队 a CSV with alias column names (plain: UTF-8 CSVs, English stems)."""
    if not mixed:
        return {t: CsvSink(out / f"{t}.csv", "utf-8") for t in LEDGER_STEMS}
    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
    act = XlsxSink(out / "工作台账.xlsx", f"{county}巩固拓展脱贫攻坚成果工作台账（合成数据）",
                   f"导出日期：{stamp:%Y-%m-%d}", stamp, rename={"日期": "活动日期", "类别": "活动类别"})
    act.ws.title = "工作台账"
    return {
        "activities": act,
        "rectification": CsvSink(out / "问题整改台账.csv", "gbk", "\r\n", rename={"完成日期": "整改完成日期"}),
        "teams": CsvSink(out / "驻村工作队.csv", "utf-8", rename={"派驻日期": "派驻时间"}),
    }
