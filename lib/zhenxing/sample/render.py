"""One township's tables rendered as the contract's frames (and as the person-level export)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from zhenxing.sample.model import Town
from zhenxing.sample.vocab import (
    CATEGORIES,
    DISMISS_REASONS,
    POST_TYPES,
    REGIONS,
    RELATIONS,
    RISK_TYPES,
    SCHOOL,
    SKILLS,
    WORK_MODES,
    id_strings,
    int_or_blank,
    iso_dates,
    mixed_dates,
    mixed_yn,
    money_text,
    month_only_text,
    name_strings,
    wan,
    ymd,
    yn_text,
)

# ---------------------------------------------------------------- rendering

HOUSEHOLD_COLS = [
    "户编号", "县", "乡镇", "村", "组", "户主姓名", "户主证件号码", "家庭人口数", "是否脱贫户",
    "脱贫年度", "监测对象类别", "风险发现日期", "纳入监测日期", "风险消除日期", "主要风险类型",
    "是否易地扶贫搬迁", "是否低保户", "是否特困供养",
]
MEMBER_COLS = ["户编号", "证件号码", "姓名", "与户主关系", "性别", "出生日期", "劳动技能",
                "在校生状况", "是否参加基本医疗保险", "是否参加基本养老保险"]
WORK_COLS = ["证件号码", "年度", "务工地域", "务工月数", "务工收入", "就业方式"]
INCOME_COLS = ["户编号", "年度", "家庭人口数", "工资性收入", "生产经营性收入", "生产经营性支出",
                "财产性收入", "转移性收入"]
PROJECT_COLS = ["项目编号", "年度", "项目名称", "县", "乡镇", "村", "项目类型", "资金来源", "批复金额",
                 "开工日期", "完工日期", "资产类别", "受益脱贫人口数"]
PAYMENT_COLS = ["项目编号", "资金来源", "拨付日期", "拨付金额"]
POST_COLS = ["证件号码", "姓名", "县", "乡镇", "村", "岗位类型", "聘用日期", "解聘日期", "解聘原因",
              "补贴标准", "补贴周期"]

OBJ = lambda seq: np.array(list(seq), dtype=object)  # noqa: E731
CAT_L = OBJ(CATEGORIES + ("",))          # index -1 -> ""
RISK_L = OBJ(RISK_TYPES + ("",))
REL_L = OBJ(RELATIONS)
SKILL_L = OBJ(SKILLS)
SCHOOL_L = OBJ(SCHOOL)
REGION_L = OBJ(REGIONS)
MODE_L = OBJ(WORK_MODES)
POST_L = OBJ(POST_TYPES)
REASON_L = OBJ(DISMISS_REASONS + ("",))
# the national system's wording of some risk types
EXPORT_RISK = {"因住房安全": "因安全住房", "因饮水安全": "因安全饮水", "因缺劳动力": "缺劳动力"}


class Renderer:
    """Turns one township's model into tables of text (and typed cells for xlsx)."""

    def __init__(self, town: Town, county: str, width: int, mixed: bool, seed: int):
        self.t = town
        self.county = county
        self.mixed = mixed
        self.rng = np.random.default_rng([seed, town.index, 1])
        n_mem = len(town.mem["birth"])
        self.ids = id_strings(town.full17)
        names_m = name_strings(town.mem["sur"], town.mem["g1"], town.mem["g2"])
        names_o = name_strings(town.out["sur"], town.out["g1"], town.out["g2"])
        self.names = np.concatenate([names_m, names_o]).astype(object)
        self.n_mem = n_mem
        nh = len(town.hh["size"])
        self.hh_ids = np.array([f"SL{town.index:0{width}d}{j:06d}" for j in range(1, nh + 1)], dtype=object)
        sizes = town.hh["size"]
        self.head = np.cumsum(sizes) - sizes
        self.villages = OBJ(town.villages)
        # (household columns, member columns) of 三保障 and 健康帮扶 when the generator adds them
        self.security: tuple[dict, dict] | None = None

    def dates(self, d: np.ndarray) -> np.ndarray:
        return mixed_dates(d, self.rng) if self.mixed else iso_dates(d)

    # -- households
    def households(self) -> pd.DataFrame:
        h, rng, n = self.t.hh, self.rng, len(self.t.hh["size"])
        found = self.dates(h["found"])
        mo = h["found_month_only"]
        found[mo] = month_only_text(h["found"][mo], rng.random(mo.sum()) < 0.5 if self.mixed
                                else np.zeros(mo.sum(), dtype=bool))
        ident = self.dates(h["ident"])
        if self.mixed:
            # half of the 风险消除日期 cells are real Excel dates, the rest text
            elim = np.full(n, "", dtype=object)
            ok = ~np.isnat(h["elim"])
            as_date = ok & (rng.random(n) < 0.5)
            elim[as_date] = [dt.date.fromisoformat(s) for s in iso_dates(h["elim"][as_date])]
            txt = ok & ~as_date
            elim[txt] = mixed_dates(h["elim"][txt], rng)
            yn = lambda v: mixed_yn(v, rng, 0.03, ("Y", "N"))  # noqa: E731
            size = h["size"].tolist()
            exit_year = np.full(n, None, dtype=object)
            exit_year[h["exited"]] = h["exit_year"][h["exited"]].tolist()
        else:
            elim = iso_dates(h["elim"])
            yn = yn_text
            size = h["size"]
            exit_year = int_or_blank(h["exit_year"], ~h["exited"])
        exited = mixed_yn(h["exited"], rng, 0.01, ("Y", "N")) if self.mixed else yn_text(h["exited"])
        return pd.DataFrame({
            "户编号": self.hh_ids,
            "县": self.county,
            "乡镇": self.t.name,
            "村": self.villages[h["village"]],
            "组": np.char.add(h["group"].astype(str), "组").astype(object),
            "户主姓名": self.names[self.head],
            "户主证件号码": self.ids[self.head].astype(object),
            "家庭人口数": size,
            "是否脱贫户": exited,
            "脱贫年度": exit_year,
            "监测对象类别": CAT_L[h["cat"]],
            "风险发现日期": found,
            "纳入监测日期": ident,
            "风险消除日期": elim,
            "主要风险类型": RISK_L[h["risk"]],
            "是否易地扶贫搬迁": yn(h["relocated"]),
            "是否低保户": yn(h["dibao"]),
            "是否特困供养": yn(h["tekun"]),
            **(self.security[0] if self.security else {}),
        })

    # -- members
    def members(self) -> pd.DataFrame:
        m, rng, n = self.t.mem, self.rng, self.n_mem
        sex = np.where(m["male"], "男", "女").astype(object)
        birth = self.dates(m["birth"])
        sex[m["hide"]] = ""
        birth[m["hide"]] = ""
        if self.mixed:
            med = mixed_yn(m["med"], rng, 0.05, ("1", "0"))
            pen = mixed_yn(m["pension"], rng, 0.05, ("1", "0"))
        else:
            med, pen = yn_text(m["med"]), yn_text(m["pension"])
        return pd.DataFrame({
            "户编号": self.hh_ids[m["hh"]],
            "证件号码": self.ids[:n].astype(object),
            "姓名": self.names[:n],
            "与户主关系": REL_L[m["rel"]],
            "性别": sex,
            "出生日期": birth,
            "劳动技能": SKILL_L[m["skill"]],
            "在校生状况": SCHOOL_L[m["school"]],
            "是否参加基本医疗保险": med,
            "是否参加基本养老保险": pen,
            **(self.security[1] if self.security else {}),
        })

    # -- work
    def work(self) -> pd.DataFrame:
        w = self.t.work
        money = (money_text(w["income"].to_numpy(), self.rng, 0.02) if self.mixed
                 else w["income"].to_numpy().astype(str).astype(object))
        money[w["income"].to_numpy() < 0] = ""
        return pd.DataFrame({
            "证件号码": self.ids[w["member"].to_numpy()].astype(object),
            "年度": w["year"].to_numpy(),
            "务工地域": REGION_L[w["region"].to_numpy()],
            "务工月数": int_or_blank(w["months"].to_numpy(), w["months"].to_numpy() == 0),
            "务工收入": money,
            "就业方式": MODE_L[w["mode"].to_numpy()],
        })

    # -- income
    def income(self) -> pd.DataFrame:
        i = self.t.income
        size = i["size"].to_numpy()
        cols = {"户编号": self.hh_ids[i["hh"].to_numpy()], "年度": i["year"].to_numpy(),
                "家庭人口数": int_or_blank(size, size == 0)}
        for col, key in (("工资性收入", "wage"), ("生产经营性收入", "gross"), ("生产经营性支出", "cost"),
                         ("财产性收入", "prop"), ("转移性收入", "transfer")):
            v = i[key].to_numpy()
            cols[col] = money_text(v, self.rng, 0.03) if self.mixed else v
        return pd.DataFrame(cols)

    # -- projects and payments
    def projects(self) -> pd.DataFrame:
        p = self.t.projects
        benef = p["benef"].to_numpy()
        return pd.DataFrame({
            "项目编号": p["id"], "年度": p["year"], "项目名称": p["name"], "县": self.county,
            "乡镇": self.t.name, "村": p["village"], "项目类型": p["type"], "资金来源": p["source"],
            "批复金额": wan(p["milli"].to_numpy()),
            "开工日期": self.dates(p["start"].to_numpy().astype("datetime64[D]")),
            "完工日期": self.dates(p["finish"].to_numpy().astype("datetime64[D]")),
            "资产类别": p["asset"], "受益脱贫人口数": int_or_blank(benef, benef < 0),
        })

    def payments(self) -> pd.DataFrame:
        p = self.t.payments
        return pd.DataFrame({
            "项目编号": p["id"], "资金来源": p["source"],
            "拨付日期": self.dates(p["date"].to_numpy().astype("datetime64[D]")),
            "拨付金额": wan(p["milli"].to_numpy()),
        })

    # -- posts
    def posts(self) -> pd.DataFrame:
        p = self.t.posts
        person = p["person"].to_numpy()
        outsider = person < 0
        idx = np.where(outsider, self.n_mem + (-1 - person), person)
        vill = np.empty(len(person), dtype=np.int64)
        vill[outsider] = self.t.out["village"][-1 - person[outsider]]
        vill[~outsider] = self.t.hh["village"][self.t.mem["hh"][person[~outsider]]]
        std = p["std"].to_numpy()
        return pd.DataFrame({
            "证件号码": self.ids[idx].astype(object),
            "姓名": self.names[idx],
            "县": self.county,
            "乡镇": self.t.name,
            "村": self.villages[vill],
            "岗位类型": POST_L[p["type"].to_numpy()],
            "聘用日期": self.dates(p["hire"].to_numpy().astype("datetime64[D]")),
            "解聘日期": self.dates(p["dismiss"].to_numpy().astype("datetime64[D]")),
            "解聘原因": REASON_L[p["reason"].to_numpy()],
            "补贴标准": money_text(std, self.rng, 0.2) if self.mixed else std,
            "补贴周期": p["period"].to_numpy(),
        })


    # -- the national system's person-level export (households + members in one sheet)
    def person_level(self) -> pd.DataFrame:
        """One row per member with the household columns repeated, as the national
        monitoring system exports it: its own column names (户类型, 人数, 识别监测时间, …),
        months as YYYYMM, risk types in the export's wording. Same content as
        households() + members() except 风险发现日期 (the export has none) and the day
        of the monitoring dates (months only)."""
        # draw the same random numbers as the contract form, so every later table of
        # the township is byte-identical whichever form households/members take
        self.households()
        self.members()
        h, m, n = self.t.hh, self.t.mem, self.n_mem
        hh = m["hh"]

        def months(d: np.ndarray) -> np.ndarray:
            out = np.full(len(d), "", dtype=object)
            ok = ~np.isnat(d)
            y, mo, _ = ymd(d[ok])
            out[ok] = [f"{a:04d}{b:02d}" for a, b in zip(y, mo)]
            return out

        is_obj = h["cat"] >= 0
        elim = months(h["elim"])
        flag = np.where(is_obj, np.where(elim != "", "是", "否"), "").astype(object)
        risk = np.array([EXPORT_RISK.get(r, r) for r in RISK_L[h["risk"]]], dtype=object)
        kind = np.where(h["exited"], "脱贫户", np.where(np.arange(len(is_obj)) % 3 == 0, "一般农户", "非脱贫户"))
        exit_year = int_or_blank(h["exit_year"], ~h["exited"])
        birth = np.full(n, "", dtype=object)
        y, mo, d = ymd(m["birth"])
        birth[:] = [f"{a:04d}{b:02d}{c:02d}" for a, b, c in zip(y, mo, d)]
        sex = np.where(m["male"], "男", "女").astype(object)
        sex[m["hide"]] = ""
        birth[m["hide"]] = ""
        return pd.DataFrame({
            "序号": np.arange(1, n + 1),
            "省(自治区、直辖市)": "示例省",
            "市(地、州、盟)": "示例市",
            "县(市、区、旗)": self.county,
            "乡(镇)": self.t.name,
            "行政村": self.villages[h["village"]][hh],
            "自然村": np.char.add(h["group"].astype(str), "组").astype(object)[hh],
            "户编号": self.hh_ids[hh],
            "人数": h["size"][hh],
            "户类型": kind[hh].astype(object),
            "脱贫年度": exit_year[hh],
            "易返贫致贫户(监测对象)类型": CAT_L[h["cat"]][hh],
            "识别监测时间": months(h["ident"])[hh],
            "风险是否已消除": flag[hh],
            "消除监测时间": elim[hh],
            "致贫/返贫风险1": risk[hh],
            "是否易地扶贫搬迁": yn_text(h["relocated"])[hh],
            "是否低保户": yn_text(h["dibao"])[hh],
            "是否特困供养": yn_text(h["tekun"])[hh],
            "姓名": self.names[:n],
            "证件号码": self.ids[:n].astype(object),
            "与户主关系": REL_L[m["rel"]],
            "性别": sex,
            "民族": "汉族",
            "出生日期": birth,
            "劳动技能": SKILL_L[m["skill"]],
            "在校生状况": SCHOOL_L[m["school"]],
            "是否参加城乡居民基本医疗保险": yn_text(m["med"]),
            "是否参加城乡居民基本养老保险": yn_text(m["pension"]),
            **({"住房安全": self.security[0]["住房安全有保障"][hh], "饮水安全": self.security[0]["饮水安全有保障"][hh],
                "帮扶责任人": self.security[0]["帮扶责任人"][hh], **self.security[1]} if self.security else {}),
        })
