"""Deterministic synthetic datasets in the input contract (合成数据).

``generate()`` writes the seven contract tables (households, members, work,
income, projects, payments, posts) for a fictional county, and (by default with
mixed formats) the five optional ones (credit, assistance, education_aid, assets,
villages).  Every name, id
number, village and township is invented; the resident id numbers carry a
valid GB 11643-1999 check digit but a region prefix (``5399xx``) that no real
county uses.

Two output styles:

* ``mixed_formats=True`` (the bundled sample): files look like what township
  offices really send -- households as ``农户信息.xlsx`` with two title rows,
  members in GB18030, income in UTF-8 with BOM, alias column names, mixed
  date forms, 是/否 given as Y/N or 1/0 here and there, money with thousands
  separators in a few cells.
* ``mixed_formats=False``: plain UTF-8 CSVs with English stems and ISO dates;
  the fast path for benchmark-sized counties.

The *content* does not depend on the style: the same seed and sizes give the
same households, people, ids and amounts in both styles (formatting draws use
their own random stream).

Large counties are generated township by township with numpy and streamed to
disk, so memory stays small::

    generate("bench/county", townships=200, members_target=1_000_000,
             mixed_formats=False)

Command line: ``python -m zhenxing.sample OUT [--townships N] [--members M]
[--seed S] [--plain]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import re
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "generate",
    "id_check_char",
    "is_valid_id",
    "SAMPLE_TOWNSHIPS",
    "TABLE_STEMS",
]

# ---------------------------------------------------------------- vocabularies

#: Township names of the bundled sample (fictional; 青石镇 belongs to the
#: acceptance fixture and is never generated).
SAMPLE_TOWNSHIPS = ("青山镇", "石门乡", "河口镇", "云岭乡", "柳溪镇", "松坪乡")
_FIXTURE_TOWNSHIPS = ("青石镇", "青石乡")

#: file stems per table: (English, Chinese)
TABLE_STEMS = {
    "households": ("households", "农户信息"),
    "members": ("members", "家庭成员"),
    "work": ("work", "务工信息"),
    "income": ("income", "收入"),
    "projects": ("projects", "衔接资金项目"),
    "payments": ("payments", "资金拨付"),
    "posts": ("posts", "公益性岗位"),
}

#: file stems of the optional tables (data-contract.md "Optional tables"): (English, Chinese)
OPTIONAL_STEMS = {
    "credit": ("credit", "小额信贷"),
    "assistance": ("assistance", "社会救助"),
    "education_aid": ("education_aid", "教育资助"),
    "assets": ("assets", "项目资产"),
    "villages": ("villages", "村"),
}

_TOWN_SYL1 = "青石河云柳松白龙凤金碧清安和丰永新大东西南北黄桃梅竹兰玉马鹤"
_TOWN_SYL2 = "山门口岭溪坪川江湖岩林泉田坝阳峰源关桥塘"
_VILL_SYL1 = "龙凤白黑红青金银大小新老上下中东西南北石木水沙马牛羊鹿竹松柏桃李梨茶花岔杉桑柳菜麻碧清平安和丰永"
_VILL_SYL2 = "坪坝河沟山岭寨塘田湾溪冲岩营屯庄垭箐林坡头口场园湖洼甸"

_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤普字"
) + ["欧阳", "司马"]
# rough frequency: the first twenty surnames are much more common
_SURNAME_W = np.array(
    [6.0] * 5 + [3.0] * 15 + [1.0] * (len(_SURNAMES) - 22) + [0.1, 0.05]
)
_SURNAME_W /= _SURNAME_W.sum()

# GBK-only (not GB2312) characters are kept rare on purpose: real names use them,
# and a reader that guesses GB2312 for a GBK/GB18030 file fails on them.
_RARE_CHARS = "堃喆玥赟旻"
_GIVEN_M = "伟强军勇杰涛明超华平刚辉鹏建国峰磊斌林波海志文飞成龙俊宇浩东兴福贵祥荣德发有才顺学忠宏亮春永金"
_GIVEN_F = "芳娜敏静丽艳娟霞秀英玲桂兰萍红梅琴云莲珍燕翠慧婷雪琳洁倩丹凤美花玉菊春晓金永"
_GIVEN_M_LIST = list(_GIVEN_M) + ["堃", "喆", "赟"]
_GIVEN_F_LIST = list(_GIVEN_F) + ["玥", "旻"]


def _given_weights(chars: list[str]) -> np.ndarray:
    w = np.array([0.03 if c in _RARE_CHARS else 1.0 for c in chars])
    return w / w.sum()


_GIVEN_M_W = _given_weights(_GIVEN_M_LIST)
_GIVEN_F_W = _given_weights(_GIVEN_F_LIST)
# one table of given-name characters; female codes are offset
_GIVEN_ALL = np.array(_GIVEN_M_LIST + _GIVEN_F_LIST + [""], dtype="U1")
_GIVEN_NONE = len(_GIVEN_ALL) - 1
_SURNAME_ARR = np.array(_SURNAMES, dtype="U2")

CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISK_TYPES = (
    "因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败",
    "因务工就业不稳", "因缺劳动力", "因住房安全", "因饮水安全", "其他",
)
_RISK_P_GENERAL = [.34, .12, .07, .06, .05, .04, .12, .12, .03, .01, .04]
_RISK_P_SUDDEN = [.35, .05, .03, .25, .22, .03, .02, .0, .03, .0, .02]

RELATIONS = ("户主", "配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母", "之儿媳", "之女婿")
_REL_HEAD, _REL_SPOUSE, _REL_SON, _REL_DAUGHTER, _REL_GSON, _REL_GDAU, _REL_FATHER, \
    _REL_MOTHER, _REL_DIL, _REL_SIL = range(10)
_REL_OTHER_CODES = np.array([2, 3, 4, 5, 6, 7, 8, 9])
_REL_OTHER_P = np.array([.34, .30, .10, .09, .04, .06, .06, .01])
_REL_MALE = np.array([0, 0, 1, 0, 1, 0, 1, 0, 0, 1], dtype=bool)  # for codes >= 2

SKILLS = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
# probabilities of SKILLS by age band: <16, 16-59, 60-69, 70+
_SKILL_P = np.array([
    [0, 0, 0, 0, 1],
    [.18, .64, .11, .05, .02],
    [.02, .30, .43, .20, .05],
    [0, .02, .20, .48, .30],
])
SCHOOL = ("非在校生", "学前教育", "小学", "初中", "高中", "中职", "高职", "本科及以上")

REGIONS = ("县内", "省内县外", "省外")
_REGION_WAGE = ((2200, 3400), (2800, 4300), (3800, 6000))  # 元 per month
WORK_MODES = ("企业务工", "灵活就业", "帮扶车间", "公益性岗位", "自主创业")
_WORK_MODE_P = [.55, .25, .07, .08, .05]

PROJECT_TYPES = ("产业发展", "就业帮扶", "乡村建设", "基础设施", "其他")
_NON_INDUSTRY_P = [.2, .3, .35, .15]  # 就业帮扶, 乡村建设, 基础设施, 其他
FUND_SOURCES = (
    "中央衔接资金", "省级衔接资金", "市级衔接资金", "县级衔接资金",
    "东西部协作资金", "社会帮扶资金", "其他资金",
)
_SOURCE_P = np.array([.40, .28, .05, .12, .10, .05, .0])
_SOURCE_P_INDUSTRY = np.array([.72, .18, .02, .04, .03, .01, .0])  # central funds lean to industry
ASSET_CLASSES = ("经营性资产", "公益性资产", "到户类资产")
_PROJECT_WORDS = {
    "产业发展": ("茶叶提质增效", "肉牛养殖", "中药材种植", "核桃产业提升", "蔬菜大棚", "农产品冷链仓储", "食用菌种植"),
    "就业帮扶": ("帮扶车间建设", "务工交通补助", "技能培训"),
    "乡村建设": ("人居环境整治", "村内道路硬化", "村庄亮化"),
    "基础设施": ("饮水安全巩固提升", "产业路建设", "灌溉沟渠修缮", "机耕路建设"),
    "其他": ("小额信贷贴息", "雨露计划补助", "项目管理费"),
}

POST_TYPES = ("生态护林员", "乡村保洁员", "森林管护员", "交通劝导员", "社保协理员")
_POST_TYPE_P = [.38, .30, .12, .12, .08]
# per post type: (period, possible pay standards in 元)
_POST_PAY = {
    "生态护林员": ("年", (10000, 10000, 10000, 8000)),
    "乡村保洁员": ("月", (500, 600, 800)),
    "森林管护员": ("年", (6000, 8000)),
    "交通劝导员": ("月", (300, 500)),
    "社保协理员": ("月", (800, 1000, 1200)),
}
DISMISS_REASONS = ("年龄超限", "本人辞职", "不符合条件", "不履职", "死亡")
_DISMISS_P = [.30, .28, .20, .12, .10]

# fictional region codes: province 53, prefecture 99 does not exist
_ID_PREFIXES = np.array([539921, 539921, 539921, 539921, 539922, 539901, 539923], dtype=np.int64)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = "10X98765432"
_ID_CHECK_BYTES = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)

_HH_SIZE_P = np.array([.15, .22, .23, .19, .11, .07, .02, .01])  # sizes 1..8, mean 3.23

_NAT = np.datetime64("NaT", "D")
_DAY = np.timedelta64(1, "D")


# ---------------------------------------------------------------- id numbers

def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of an id."""
    s = sum(int(c) * int(w) for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[s % 11]


def is_valid_id(value: str) -> bool:
    """True when ``value`` is an 18-character id with a valid check character."""
    return (
        isinstance(value, str)
        and len(value) == 18
        and value[:17].isdigit()
        and value[17] == id_check_char(value[:17])
    )


def _id_strings(full17: np.ndarray) -> np.ndarray:
    """Vectorised: 17-digit integers -> 18-character id strings (U18)."""
    full17 = np.asarray(full17, dtype=np.int64)
    n = len(full17)
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digits = (full17[:, None] // powers[None, :]) % 10
    codes = np.empty((n, 18), dtype=np.uint8)
    codes[:, :17] = digits + 48
    codes[:, 17] = _ID_CHECK_BYTES[(digits @ _ID_WEIGHTS) % 11]
    return codes.view("S18").ravel().astype("U18")


# ---------------------------------------------------------------- date helpers

def _day(y: int, m: int = 1, d: int = 1) -> np.datetime64:
    return np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D")


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = dates.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, day


def _iso(dates: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D").astype(object)
    s[np.isnat(dates)] = ""
    return s


def _month_only(dates: np.ndarray, compact: np.ndarray) -> np.ndarray:
    y, m, _ = _ymd(dates)
    return np.array(
        [f"{a:04d}{b:02d}" if c else f"{a:04d}-{b:02d}" for a, b, c in zip(y, m, compact)],
        dtype=object,
    )




def _mixed_dates(dates: np.ndarray, rng: np.random.Generator,
                 p: Sequence[float] = (.76, .10, .08, .06)) -> np.ndarray:
    """Dates as text in a per-cell mix of the forms the contract allows."""
    out = np.full(len(dates), "", dtype=object)
    ok = ~np.isnat(dates)
    form = rng.choice(4, size=len(dates), p=p)
    y, m, d = _ymd(dates[ok])
    out[ok] = [
        f"{a:04d}-{b:02d}-{c:02d}" if f == 0
        else f"{a}/{b}/{c}" if f == 1
        else f"{a:04d}{b:02d}{c:02d}" if f == 2
        else f"{a}年{b}月{c}日"
        for a, b, c, f in zip(y, m, d, form[ok])
    ]
    return out


def _yn(values: np.ndarray) -> np.ndarray:
    return np.where(values, "是", "否").astype(object)


def _mixed_yn(values: np.ndarray, rng: np.random.Generator, p_other: float,
              other: tuple[str, str]) -> np.ndarray:
    out = _yn(values)
    alt = rng.random(len(values)) < p_other
    out[alt & values] = other[0]
    out[alt & ~values] = other[1]
    return out


def _money_text(values: np.ndarray, rng: np.random.Generator, p_sep: float) -> np.ndarray:
    """Integers as text, some (>= 1000) with thousands separators."""
    v = np.asarray(values, dtype=np.int64)
    out = v.astype(str).astype(object)
    sep = (rng.random(len(v)) < p_sep) & (np.abs(v) >= 1000)
    out[sep] = [f"{x:,}" for x in v[sep]]
    return out


def _int_or_blank(values: np.ndarray, blank: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.int64).astype(str).astype(object)
    out[blank] = ""
    return out


def _wan(milli: np.ndarray) -> np.ndarray:
    """Integer thousandths of 万元 -> shortest decimal text (120.25, 35.125)."""
    return np.array([_wan1(int(x)) for x in milli], dtype=object)


def _wan1(milli: int) -> str:
    whole, frac = divmod(milli, 1000)
    if frac == 0:
        return f"{whole}"
    return f"{whole}.{frac:03d}".rstrip("0")


# ---------------------------------------------------------------- names

def _township_names(n: int, rng: np.random.Generator) -> list[str]:
    if n <= len(SAMPLE_TOWNSHIPS):
        return list(SAMPLE_TOWNSHIPS[:n])
    names = list(SAMPLE_TOWNSHIPS)
    combos = [a + b for a in _TOWN_SYL1 for b in _TOWN_SYL2]
    rng.shuffle(combos)
    seen = {x[:-1] for x in names} | {x[:-1] for x in _FIXTURE_TOWNSHIPS}
    for c in combos:
        if len(names) >= n:
            break
        if c in seen:
            continue
        seen.add(c)
        names.append(c + ("镇" if rng.random() < 0.55 else "乡"))
    k = 1
    while len(names) < n:  # more townships than syllable combinations
        names.append(f"第{k:03d}镇")
        k += 1
    return names


def _village_names(n: int, rng: np.random.Generator, town: str) -> list[str]:
    combos = [a + b for a in _VILL_SYL1 for b in _VILL_SYL2 if a + b != town[:2]]
    idx = rng.choice(len(combos), size=n, replace=False)
    return [combos[i] + "村" for i in idx]


def _draw_names(rng: np.random.Generator, male: np.ndarray, family_surname: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name codes (surname, given1, given2) for people of the given sex."""
    n = len(male)
    sur = rng.choice(len(_SURNAMES), size=n, p=_SURNAME_W).astype(np.int16)
    if family_surname is not None:
        keep = family_surname >= 0
        sur[keep] = family_surname[keep]
    g_m = rng.choice(len(_GIVEN_M_LIST), size=(n, 2), p=_GIVEN_M_W)
    g_f = rng.choice(len(_GIVEN_F_LIST), size=(n, 2), p=_GIVEN_F_W) + len(_GIVEN_M_LIST)
    g = np.where(male[:, None], g_m, g_f).astype(np.int16)
    single = rng.random(n) < 0.3
    g[single, 1] = _GIVEN_NONE
    return sur, g[:, 0], g[:, 1]


def _name_strings(sur: np.ndarray, g1: np.ndarray, g2: np.ndarray) -> np.ndarray:
    return np.char.add(np.char.add(_SURNAME_ARR[sur], _GIVEN_ALL[g1]), _GIVEN_ALL[g2])


# ---------------------------------------------------------------- the model

@dataclass
class _Town:
    index: int
    name: str
    villages: list[str]
    hh: dict            # household arrays
    mem: dict           # member arrays
    out: dict           # post holders who are not in members
    income: pd.DataFrame
    work: pd.DataFrame
    projects: pd.DataFrame
    payments: pd.DataFrame
    posts: pd.DataFrame
    full17: np.ndarray | None = None   # ids of members then outsiders (17 digits)


def _household_sizes(rng: np.random.Generator, townships: int,
                     households_per_township: int | None,
                     members_target: int | None) -> list[np.ndarray]:
    sizes_of = lambda k: rng.choice(np.arange(1, 9), size=k, p=_HH_SIZE_P)  # noqa: E731
    if members_target is not None:
        if members_target < townships:
            raise ValueError("members_target must be at least the number of townships")
        mean = float((np.arange(1, 9) * _HH_SIZE_P).sum())
        sizes = sizes_of(int(members_target / mean * 1.1) + 16)
        cs = np.cumsum(sizes)
        k = int(np.searchsorted(cs, members_target, side="right"))
        rem = members_target - (int(cs[k - 1]) if k else 0)
        sizes = sizes[:k]
        if rem:
            sizes = np.append(sizes, rem)
        while len(sizes) < townships:  # degenerate tiny targets: split big households
            j = int(np.argmax(sizes))
            sizes = np.concatenate([sizes[:j], [sizes[j] - 1, 1], sizes[j + 1:]])
        w = rng.dirichlet(np.full(townships, 6.0))
        counts = 1 + rng.multinomial(len(sizes) - townships, w)
        return np.split(sizes, np.cumsum(counts)[:-1])
    if households_per_township is not None:
        counts = np.full(townships, int(households_per_township))
    else:
        # 1500-4000 households each; the part above 1500 is scaled down so the
        # mean stays near 1850 (keeps the bundled sample under 5 MB while the
        # townships still differ in size)
        counts = rng.integers(1500, 4001, size=townships)
        excess = counts - 1500
        budget = (1850 - 1500) * townships
        if excess.sum() > budget:
            counts = 1500 + np.floor(excess * budget / excess.sum()).astype(np.int64)
    return [sizes_of(int(c)) for c in counts]


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(pool))
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]


def _build_households(rng, sizes, years, end):
    n = len(sizes)
    y0 = years[0]
    hh: dict = {"size": sizes.astype(np.int64)}

    # monitoring objects: dozens per township, all three categories
    exited = rng.random(n) < rng.uniform(0.24, 0.31)
    m = max(3, int(round(n * rng.uniform(0.012, 0.022)))) if n >= 30 else min(n, 3)
    n_unst = max(1, int(round(m * rng.uniform(0.35, 0.50))))
    n_sudd = max(1, int(round(m * rng.uniform(0.10, 0.20))))
    n_marg = max(1, m - n_unst - n_sudd)
    cat = np.full(n, -1, dtype=np.int8)
    idx_ex = np.flatnonzero(exited)
    idx_gen = np.flatnonzero(~exited)
    cat[_pick(rng, idx_ex, n_unst)] = 0
    gen_sel = _pick(rng, idx_gen, n_marg + n_sudd)
    rng.shuffle(gen_sel)
    cat[gen_sel[:n_marg]] = 1
    cat[gen_sel[n_marg:]] = 2
    obj = np.flatnonzero(cat >= 0)
    k = len(obj)

    exit_year = np.zeros(n, dtype=np.int64)
    exit_year[exited] = rng.choice(np.arange(2014, 2021), size=exited.sum(),
                                   p=[.06, .10, .14, .20, .20, .20, .10])

    # identification: some the year before the report years, the rest spread over them
    years_all = np.array([y0 - 1, *years])
    p_year = np.array([0.15] + [0.85 / len(years)] * len(years))
    iy = rng.choice(years_all, size=k, p=p_year)
    jan1 = (iy - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    ylen = np.where((iy % 4 == 0) & ((iy % 100 != 0) | (iy % 400 == 0)), 366, 365)
    ident_o = jan1 + (rng.random(k) * ylen).astype(np.int64) * _DAY
    u = rng.random(k)
    lag = np.where(u < .05, rng.integers(1, 3, k),
                   np.where(u < .88, rng.integers(3, 15, k),
                            np.where(u < .90, 15, rng.integers(16, 36, k))))
    found_o = ident_o - lag * _DAY
    p_elim = np.array([0.5, 0.55, 0.7])[cat[obj]]
    elim_o = ident_o + rng.integers(100, 700, k) * _DAY
    elim_o[(rng.random(k) >= p_elim) | (elim_o > end)] = _NAT

    found = np.full(n, _NAT)
    ident = np.full(n, _NAT)
    elim = np.full(n, _NAT)
    found[obj], ident[obj], elim[obj] = found_o, ident_o, elim_o
    month_only = np.zeros(n, dtype=bool)
    month_only[_pick(rng, obj, int(rng.integers(1, 4)))] = True

    risk = np.full(n, -1, dtype=np.int8)
    sudden = cat[obj] == 2
    risk_o = rng.choice(len(RISK_TYPES), size=k, p=_RISK_P_GENERAL)
    risk_o[sudden] = rng.choice(len(RISK_TYPES), size=sudden.sum(), p=_RISK_P_SUDDEN)
    risk[obj] = risk_o

    is_obj = cat >= 0
    hh.update(
        exited=exited, exit_year=exit_year, cat=cat, found=found, ident=ident, elim=elim,
        found_month_only=month_only, risk=risk,
        relocated=rng.random(n) < np.where(exited, 0.09, 0.004),
        dibao=rng.random(n) < np.where(is_obj, 0.30, np.where(exited, 0.16, 0.07)),
        tekun=rng.random(n) < np.where(sizes == 1, 0.10, 0.004),
    )
    return hh


def _build_members(rng, sizes, end, hide_share):
    nh = len(sizes)
    n = int(sizes.sum())
    hh = np.repeat(np.arange(nh, dtype=np.int32), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(n) - starts[hh]
    head_age = np.clip(np.round(rng.normal(53, 13, nh)), 24, 90).astype(np.int64)
    head_male = rng.random(nh) < 0.8
    has_spouse = (sizes >= 2) & (rng.random(nh) < 0.8) & (head_age < 85)

    rel = rng.choice(_REL_OTHER_CODES, size=n, p=_REL_OTHER_P).astype(np.int8)
    rel[pos == 0] = _REL_HEAD
    spouse = (pos == 1) & has_spouse[hh]
    rel[spouse] = _REL_SPOUSE
    ha = head_age[hh]
    # keep the generations plausible for the head's age
    rel[np.isin(rel, [_REL_GSON, _REL_GDAU, _REL_DIL, _REL_SIL]) & (ha < 46)] = _REL_SON
    rel[np.isin(rel, [_REL_FATHER, _REL_MOTHER]) & (ha > 66)] = _REL_DAUGHTER

    age = np.zeros(n, dtype=np.int64)
    age[pos == 0] = head_age
    age[spouse] = np.clip(ha[spouse] + rng.integers(-6, 5, spouse.sum()), 20, 95)
    for codes, lo, hi, sign, floor_ in (
        ((_REL_SON, _REL_DAUGHTER), 20, 37, -1, 0),
        ((_REL_GSON, _REL_GDAU), 42, 61, -1, 0),
        ((_REL_FATHER, _REL_MOTHER), 20, 33, 1, 0),
        ((_REL_DIL, _REL_SIL), 22, 35, -1, 18),
    ):
        sel = np.isin(rel, codes)
        age[sel] = np.maximum(floor_, ha[sel] + sign * rng.integers(lo, hi, sel.sum()))
    age = np.minimum(age, 99)

    male = _REL_MALE[rel]
    male[pos == 0] = head_male
    male[spouse] = ~head_male[hh[spouse]]

    birth = end - (age * 365 + rng.integers(0, 365, n)) * _DAY
    age = ((end - birth) // _DAY) // 365  # age at the end of the last report year

    school = np.zeros(n, dtype=np.int8)
    u = rng.random(n)
    school[(age >= 3) & (age <= 5) & (u < .85)] = 1
    school[(age >= 6) & (age <= 11) & (u < .99)] = 2
    school[(age >= 12) & (age <= 14) & (u < .97)] = 3
    school[(age >= 15) & (age <= 17) & (u < .55)] = 4
    school[(age >= 15) & (age <= 17) & (u >= .55) & (u < .85)] = 5
    school[(age >= 18) & (age <= 22) & (u < .20)] = 6
    school[(age >= 18) & (age <= 22) & (u >= .20) & (u < .35)] = 7

    band = np.select([age < 16, age < 60, age < 70], [0, 1, 2], 3)
    cum = np.cumsum(_SKILL_P, axis=1)[band]
    skill = (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)
    student_adult = (age >= 16) & (school >= 4)
    skill[student_adult & (rng.random(n) < 0.7)] = 4

    family = np.full(n, -1, dtype=np.int16)
    sur_head, _, _ = _draw_names(rng, head_male, None)
    blood = np.isin(rel, [_REL_HEAD, _REL_SON, _REL_DAUGHTER, _REL_GSON, _REL_GDAU, _REL_FATHER])
    family[blood] = sur_head[hh[blood]]
    sur, g1, g2 = _draw_names(rng, male, family)

    return dict(
        hh=hh, rel=rel, male=male, birth=birth, age=age, skill=skill, school=school,
        med=rng.random(n) < 0.985,
        pension=((age >= 16) & (school < 4) & (rng.random(n) < 0.88)),
        hide=rng.random(n) < hide_share,
        sur=sur, g1=g1, g2=g2,
        prefix=rng.choice(_ID_PREFIXES, size=n),
    )


def _build_income(rng, hh, years):
    covered = np.flatnonzero(hh["exited"] | (hh["cat"] >= 0))
    nc = len(covered)
    is_obj = hh["cat"][covered] >= 0
    ident_year = np.where(is_obj, _ymd(hh["ident"][covered])[0], 0)
    size = hh["size"][covered]
    ny = len(years)

    pc = np.empty((ny, nc))
    pc[0] = np.where(is_obj, 9200.0, 12800.0) * np.exp(rng.normal(0, 0.3, nc))
    for k in range(1, ny):
        decline = rng.random(nc) < np.where(ident_year == years[k], 0.4, 0.1)
        g = np.where(decline, rng.uniform(-0.15, -0.01, nc), rng.normal(0.075, 0.02, nc))
        pc[k] = pc[k - 1] * (1 + g)

    year_size = np.tile(size, (ny, 1))
    changed = rng.random(nc) < 0.03
    if ny > 1:
        year_size[0, changed] = np.maximum(1, size[changed] + rng.choice([-1, 1], changed.sum()))
    explicit = np.tile(changed, (ny, 1)) | (rng.random((ny, nc)) < 0.05)

    dibao = hh["dibao"][covered]
    tekun = hh["tekun"][covered]
    failed = is_obj & (hh["risk"][covered] == RISK_TYPES.index("因产业项目失败"))
    frames = []
    for k, year in enumerate(years):
        net = pc[k] * year_size[k]
        ts = np.clip(rng.uniform(0.12, 0.30, nc) + 0.10 * dibao + 0.15 * tekun, 0, 0.6)
        ps = np.where(rng.random(nc) < 0.3, 0.0, rng.uniform(0, 0.04, nc))
        prod_share = rng.uniform(0.05, 0.30, nc)
        loss = failed & (ident_year == year)
        prod_share[loss] = -rng.uniform(0.05, 0.15, loss.sum())
        ws = 1 - ts - ps - prod_share
        low = ws < 0.05
        if low.any():  # rescale the others so wages keep at least 5 %
            f = 0.95 / (ts[low] + ps[low] + prod_share[low])
            ts[low] *= f
            ps[low] *= f
            prod_share[low] *= f
            ws[low] = 0.05
        prod_net = net * prod_share
        cost_ratio = rng.uniform(0.15, 0.5, nc)
        gross = np.where(loss, rng.uniform(1000, 5000, nc), prod_net / (1 - cost_ratio))
        cost = gross - prod_net
        frames.append(pd.DataFrame({
            "hh": covered,
            "year": year,
            "size": np.where(explicit[k], year_size[k], 0),
            "wage": np.round(net * ws).astype(np.int64),
            "gross": np.round(gross).astype(np.int64),
            "cost": np.round(cost).astype(np.int64),
            "prop": np.round(net * ps).astype(np.int64),
            "transfer": np.round(net * ts).astype(np.int64),
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["hh", "year"], kind="stable")


def _build_work(rng, hh, mem, years):
    covered_hh = hh["exited"] | (hh["cat"] >= 0)
    cand = np.flatnonzero(covered_hh[mem["hh"]] & (mem["skill"] <= 2))
    skill = mem["skill"][cand]
    base = np.array([0.70, 0.54, 0.25])[skill]
    # one random labour-force member per household, used to keep 零就业家庭 rare
    # (offices work to clear them), as real data shows
    hh_of = mem["hh"][cand]
    order = np.lexsort((rng.random(len(cand)), hh_of))
    lead = np.full(len(hh["size"]), -1, dtype=np.int64)
    lead[hh_of[order][::-1]] = order[::-1]
    prev = np.zeros(len(cand), dtype=bool)
    frames = []
    for k, year in enumerate(years):
        p = base if k == 0 else np.where(prev, 0.86, base * 0.45)
        worked = rng.random(len(cand)) < p
        has_worker = np.zeros(len(hh["size"]), dtype=bool)
        has_worker[hh_of[worked]] = True
        fix = (lead >= 0) & ~has_worker & (rng.random(len(lead)) < 0.93)
        worked[lead[fix]] = True
        who = cand[worked]
        w = len(who)
        region = rng.choice(3, size=w, p=[.35, .30, .35])
        months = np.clip(np.round(rng.normal(8.5, 2.8, w)), 1, 12).astype(np.int64)
        lo = np.array([r[0] for r in _REGION_WAGE])[region]
        hi = np.array([r[1] for r in _REGION_WAGE])[region]
        wage = np.round(months * rng.uniform(lo, hi) / 10).astype(np.int64) * 10
        frames.append(pd.DataFrame({
            "member": who, "year": year, "region": region,
            "months": np.where(rng.random(w) < 0.02, 0, months),
            "income": np.where(rng.random(w) < 0.03, -1, wage),
            "mode": rng.choice(len(WORK_MODES), size=w, p=_WORK_MODE_P),
        }))
        prev = worked
    return pd.concat(frames, ignore_index=True)


def _nice_milli(rng, x: float) -> int:
    """Round an amount (thousandths of 万元) to a plausible granularity."""
    g = int(rng.choice([1000, 500, 250, 125, 10, 5, 1], p=[.2, .25, .15, .1, .1, .1, .1]))
    return max(g, int(round(x / g)) * g)


def _build_projects(rng, ti, width, villages, years, end):
    proj_rows, pay_rows = [], []
    for year in years:
        k = int(rng.integers(3, 7))
        is_ind = rng.random(k) < 0.5
        is_ind[0] = True
        is_ind[-1] = False
        types = np.where(is_ind, 0, 1 + rng.choice(4, size=k, p=_NON_INDUSTRY_P))
        total = rng.uniform(300, 1200) * 1000  # thousandths of 万元
        share = rng.uniform(0.53, 0.67)
        w = rng.dirichlet(np.full(k, 3.0))
        amount = np.where(is_ind, share * w / w[is_ind].sum(), (1 - share) * w / w[~is_ind].sum()) * total
        two = rng.random(k) < 0.4
        if k >= 4:
            two[1] = True
        for j in range(k):
            pid = f"XM{year}{ti:0{width}d}{j + 1:02d}"
            ptype = PROJECT_TYPES[types[j]]
            village = villages[int(rng.integers(len(villages)))]
            words = _PROJECT_WORDS[ptype]
            pname = f"{village}{words[int(rng.integers(len(words)))]}项目"
            started = rng.random() < 0.85
            start_month = int(rng.choice(np.arange(2, 10), p=[.16, .2, .2, .15, .1, .08, .06, .05]))
            start = _day(year, start_month, int(rng.integers(1, 29))) if started else _NAT
            finish = _NAT
            if started and rng.random() < 0.65:
                f = start + int(rng.integers(60, 270)) * _DAY
                finish = f if f <= end else _NAT
            if ptype == "产业发展":
                asset = "经营性资产" if rng.random() < 0.75 else "到户类资产"
            elif ptype in ("乡村建设", "基础设施"):
                asset = "公益性资产"
            elif ptype == "就业帮扶":
                asset = "公益性资产" if rng.random() < 0.5 else ""
            else:
                asset = ""
            benef = int(rng.integers(30, 2000)) if rng.random() < 0.8 else -1
            p1 = _SOURCE_P_INDUSTRY if ptype == "产业发展" else _SOURCE_P
            src1 = int(rng.choice(len(FUND_SOURCES), p=p1))
            if two[j]:
                p2 = _SOURCE_P.copy()
                p2[src1] = 0
                src2 = int(rng.choice(len(FUND_SOURCES), p=p2 / p2.sum()))
                part = rng.uniform(0.55, 0.75)
                splits = [(src1, amount[j] * part), (src2, amount[j] * (1 - part))]
            else:
                splits = [(src1, amount[j])]
            for src, amt in splits:
                milli = _nice_milli(rng, amt)
                proj_rows.append((pid, year, pname, village, ptype, FUND_SOURCES[src], milli,
                                  start, finish, asset, benef))
                if started:
                    pay_rows.extend(_payments(rng, pid, FUND_SOURCES[src], milli, year, start, finish, end))
    projects = pd.DataFrame(proj_rows, columns=[
        "id", "year", "name", "village", "type", "source", "milli", "start", "finish", "asset", "benef"])
    payments = pd.DataFrame(pay_rows, columns=["id", "source", "date", "milli"])
    return projects, payments


def _payments(rng, pid, source, milli, year, start, finish, end):
    if not np.isnat(finish):
        frac = 1.0 if rng.random() < 0.85 else rng.uniform(0.8, 0.99)
        last = min(finish + 60 * _DAY, end)
    else:
        frac = rng.uniform(0.55, 0.95)
        last = min(_day(year, 12, 20), end)
    total = int(math.floor(milli * frac))
    n = min(int(rng.choice([1, 2, 3, 4], p=[.2, .35, .3, .15])), total)
    if n == 0:
        return []
    parts = 1 + np.floor((total - n) * rng.dirichlet(np.full(n, 2.0))).astype(np.int64)
    parts[-1] += total - parts.sum()
    if total == milli:
        # the sum of the written decimals equals the approval; make sure no way of
        # adding the binary floats (left to right, pairwise, exact) exceeds it
        while True:
            vals = [int(p) / 1000 for p in parts]
            cap = milli / 1000
            if sum(vals) <= cap and math.fsum(vals) <= cap and float(np.sum(vals)) <= cap:
                break
            parts[int(np.argmax(parts))] -= 1
    # first disbursement soon after the start, the rest spread (front-loaded) up to `last`
    first = start + int(rng.integers(3, 30)) * _DAY
    span = max(1, int((last - first) // _DAY))
    offsets = np.sort((span * rng.power(0.8, n)).astype(np.int64))
    offsets[0] = 0
    dates = np.minimum(first + offsets * _DAY, end)
    return [(pid, source, d, int(p)) for d, p in zip(dates, parts)]


def _build_posts(rng, n_households, hh, mem, years, end):
    y0 = years[0]
    target_in = max(5, int(round(n_households * rng.uniform(0.08, 0.13))))
    e = int(round(target_in / 0.83))

    # holders: mostly working-age members of covered households, a few other
    # members, and some people who are not in the members table at all
    covered_hh = hh["exited"] | (hh["cat"] >= 0)
    # at least 24 at the end of the last year, so even a hire three years
    # before the first report year is an adult
    working_age = (mem["age"] >= 24) & (mem["age"] <= 62) & (mem["skill"] <= 2)
    pool_cov = np.flatnonzero(covered_hh[mem["hh"]] & working_age)
    pool_gen = np.flatnonzero(~covered_hh[mem["hh"]] & working_age)
    n_cov = min(len(pool_cov), int(round(e * 0.85)))
    n_gen = min(len(pool_gen), int(round(e * 0.05)))
    n_out = e - n_cov - n_gen
    holders = np.concatenate([_pick(rng, pool_cov, n_cov), _pick(rng, pool_gen, n_gen)])
    rng.shuffle(holders)

    # outsiders (index into the outsider arrays, offset later by len(members))
    out_male = rng.random(n_out) < 0.6
    out_age = rng.integers(22, 60, n_out)
    out_birth = end - (out_age * 365 + rng.integers(0, 365, n_out)) * _DAY
    o_sur, o_g1, o_g2 = _draw_names(rng, out_male, None)
    out = dict(male=out_male, birth=out_birth, sur=o_sur, g1=o_g1, g2=o_g2,
               prefix=rng.choice(_ID_PREFIXES, size=n_out),
               village=rng.integers(0, 1 << 30, n_out))  # reduced modulo #villages by caller

    person = np.concatenate([holders.astype(np.int64), -1 - np.arange(n_out)])
    rng.shuffle(person)

    # hire dates: a batch before the report years, then hires through each year
    ny = len(years)
    period = rng.choice(ny + 1, size=e, p=[0.45] + [0.55 / ny] * ny)
    hire_year = np.where(period == 0, rng.integers(y0 - 3, y0, e), np.array([0, *years])[period])
    month = np.where((period == 0) & (rng.random(e) < 0.5), 1, rng.integers(1, 13, e))
    day = np.where(rng.random(e) < 0.6, 1, rng.integers(1, 29, e))
    hire = np.array([_day(int(a), int(b), int(c)) for a, b, c in zip(hire_year, month, day)],
                    dtype="datetime64[D]")
    dismiss = hire + rng.integers(60, 1100, e) * _DAY
    dismiss[(rng.random(e) >= 0.25) | (dismiss > end)] = _NAT
    reason = np.full(e, -1, dtype=np.int8)
    dis = ~np.isnat(dismiss)
    reason[dis] = rng.choice(len(DISMISS_REASONS), size=dis.sum(), p=_DISMISS_P)
    # 年龄超限 only for older holders
    holder_age = np.empty(e, dtype=np.int64)
    inside = person >= 0
    holder_age[inside] = mem["age"][person[inside]]
    holder_age[~inside] = out_age[-1 - person[~inside]]
    young = (reason == DISMISS_REASONS.index("年龄超限")) & (holder_age < 55)
    reason[young] = DISMISS_REASONS.index("本人辞职")
    # a few 不履职 in every report year
    bad = DISMISS_REASONS.index("不履职")
    dis_year = np.where(dis, _ymd(np.where(dis, dismiss, hire))[0], 0)
    for year in years:
        in_year = np.flatnonzero(dis_year == year)
        if len(in_year) and not (reason[in_year] == bad).any():
            reason[in_year[0]] = bad

    ptype = rng.choice(len(POST_TYPES), size=e, p=_POST_TYPE_P)
    std = np.empty(e, dtype=np.int64)
    per = np.empty(e, dtype=object)
    for t, name in enumerate(POST_TYPES):
        sel = ptype == t
        per[sel], choices = _POST_PAY[name]
        std[sel] = rng.choice(choices, size=sel.sum())
    # a few 生态护林员 paid monthly
    monthly = (ptype == 0) & (rng.random(e) < 0.15)
    per[monthly] = "月"
    std[monthly] = 800

    posts = pd.DataFrame({
        "person": person, "type": ptype, "hire": hire, "dismiss": dismiss,
        "reason": reason, "std": std, "period": per,
    }).sort_values(["hire", "person"], kind="stable").reset_index(drop=True)
    return posts, out


def _build_town(ti, name, width, sizes, years, seed, hide_share):
    rng = np.random.default_rng([seed, ti])
    end = _day(years[-1], 12, 31)
    n = len(sizes)
    nv = int(rng.integers(8, 16))
    villages = _village_names(nv, rng, name)
    vw = rng.dirichlet(np.full(nv, 4.0))
    village = np.sort(rng.choice(nv, size=n, p=vw))
    groups_per_village = rng.integers(4, 13, nv)
    group = 1 + (rng.random(n) * groups_per_village[village]).astype(np.int64)
    order = np.lexsort((group, village))
    village, group = village[order], group[order]

    hh = _build_households(rng, sizes, years, end)
    hh["village"], hh["group"] = village, group
    mem = _build_members(rng, sizes, end, hide_share)
    income = _build_income(rng, hh, years)
    work = _build_work(rng, hh, mem, years)
    projects, payments = _build_projects(rng, ti, width, villages, years, end)
    posts, out = _build_posts(rng, n, hh, mem, years, end)
    out["village"] = out["village"] % nv
    return _Town(ti, name, villages, hh, mem, out, income, work, projects, payments, posts)


def _assign_ids(towns: list[_Town], seed: int) -> None:
    """Unique 17-digit id bodies for every member and outsider, all townships."""
    rng = np.random.default_rng([seed, 0, 1])
    births = np.concatenate([np.concatenate([t.mem["birth"], t.out["birth"]]) for t in towns])
    male = np.concatenate([np.concatenate([t.mem["male"], t.out["male"]]) for t in towns])
    prefix = np.concatenate([np.concatenate([t.mem["prefix"], t.out["prefix"]]) for t in towns])
    y, m, d = _ymd(births)
    base = prefix * 10**11 + (y * 10000 + m * 100 + d) * 1000

    def seq(k, is_male):
        # 17th digit odd for men, even for women; never 000
        return np.where(is_male, 2 * rng.integers(0, 500, k) + 1, 2 * rng.integers(1, 500, k))

    full = base + seq(len(base), male)
    while True:
        _, first = np.unique(full, return_index=True)
        dup = np.ones(len(full), dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        full[dup] = base[dup] + seq(int(dup.sum()), male[dup])
    start = 0
    for t in towns:
        k = len(t.mem["birth"]) + len(t.out["birth"])
        t.full17 = full[start:start + k]
        start += k


# ---------------------------------------------------------------- rendering

_HOUSEHOLD_COLS = [
    "户编号", "县", "乡镇", "村", "组", "户主姓名", "户主证件号码", "家庭人口数", "是否脱贫户",
    "脱贫年度", "监测对象类别", "风险发现日期", "纳入监测日期", "风险消除日期", "主要风险类型",
    "是否易地扶贫搬迁", "是否低保户", "是否特困供养",
]
_MEMBER_COLS = ["户编号", "证件号码", "姓名", "与户主关系", "性别", "出生日期", "劳动技能",
                "在校生状况", "是否参加基本医疗保险", "是否参加基本养老保险"]
_WORK_COLS = ["证件号码", "年度", "务工地域", "务工月数", "务工收入", "就业方式"]
_INCOME_COLS = ["户编号", "年度", "家庭人口数", "工资性收入", "生产经营性收入", "生产经营性支出",
                "财产性收入", "转移性收入"]
_PROJECT_COLS = ["项目编号", "年度", "项目名称", "县", "乡镇", "村", "项目类型", "资金来源", "批复金额",
                 "开工日期", "完工日期", "资产类别", "受益脱贫人口数"]
_PAYMENT_COLS = ["项目编号", "资金来源", "拨付日期", "拨付金额"]
_POST_COLS = ["证件号码", "姓名", "县", "乡镇", "村", "岗位类型", "聘用日期", "解聘日期", "解聘原因",
              "补贴标准", "补贴周期"]

_OBJ = lambda seq: np.array(list(seq), dtype=object)  # noqa: E731
_CAT_L = _OBJ(CATEGORIES + ("",))          # index -1 -> ""
_RISK_L = _OBJ(RISK_TYPES + ("",))
_REL_L = _OBJ(RELATIONS)
_SKILL_L = _OBJ(SKILLS)
_SCHOOL_L = _OBJ(SCHOOL)
_REGION_L = _OBJ(REGIONS)
_MODE_L = _OBJ(WORK_MODES)
_POST_L = _OBJ(POST_TYPES)
_REASON_L = _OBJ(DISMISS_REASONS + ("",))
# the national system's wording of some risk types
_EXPORT_RISK = {"因住房安全": "因安全住房", "因饮水安全": "因安全饮水", "因缺劳动力": "缺劳动力"}


class _Renderer:
    """Turns one township's model into tables of text (and typed cells for xlsx)."""

    def __init__(self, town: _Town, county: str, width: int, mixed: bool, seed: int):
        self.t = town
        self.county = county
        self.mixed = mixed
        self.rng = np.random.default_rng([seed, town.index, 1])
        n_mem = len(town.mem["birth"])
        self.ids = _id_strings(town.full17)
        names_m = _name_strings(town.mem["sur"], town.mem["g1"], town.mem["g2"])
        names_o = _name_strings(town.out["sur"], town.out["g1"], town.out["g2"])
        self.names = np.concatenate([names_m, names_o]).astype(object)
        self.n_mem = n_mem
        nh = len(town.hh["size"])
        self.hh_ids = np.array([f"SL{town.index:0{width}d}{j:06d}" for j in range(1, nh + 1)], dtype=object)
        sizes = town.hh["size"]
        self.head = np.cumsum(sizes) - sizes
        self.villages = _OBJ(town.villages)

    def dates(self, d: np.ndarray) -> np.ndarray:
        return _mixed_dates(d, self.rng) if self.mixed else _iso(d)

    # -- households
    def households(self) -> pd.DataFrame:
        h, rng, n = self.t.hh, self.rng, len(self.t.hh["size"])
        found = self.dates(h["found"])
        mo = h["found_month_only"]
        found[mo] = _month_only(h["found"][mo], rng.random(mo.sum()) < 0.5 if self.mixed
                                else np.zeros(mo.sum(), dtype=bool))
        ident = self.dates(h["ident"])
        if self.mixed:
            # half of the 风险消除日期 cells are real Excel dates, the rest text
            elim = np.full(n, "", dtype=object)
            ok = ~np.isnat(h["elim"])
            as_date = ok & (rng.random(n) < 0.5)
            elim[as_date] = [dt.date.fromisoformat(s) for s in _iso(h["elim"][as_date])]
            txt = ok & ~as_date
            elim[txt] = _mixed_dates(h["elim"][txt], rng)
            yn = lambda v: _mixed_yn(v, rng, 0.03, ("Y", "N"))  # noqa: E731
            size = h["size"].tolist()
            exit_year = np.full(n, None, dtype=object)
            exit_year[h["exited"]] = h["exit_year"][h["exited"]].tolist()
        else:
            elim = _iso(h["elim"])
            yn = _yn
            size = h["size"]
            exit_year = _int_or_blank(h["exit_year"], ~h["exited"])
        exited = _mixed_yn(h["exited"], rng, 0.01, ("Y", "N")) if self.mixed else _yn(h["exited"])
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
            "监测对象类别": _CAT_L[h["cat"]],
            "风险发现日期": found,
            "纳入监测日期": ident,
            "风险消除日期": elim,
            "主要风险类型": _RISK_L[h["risk"]],
            "是否易地扶贫搬迁": yn(h["relocated"]),
            "是否低保户": yn(h["dibao"]),
            "是否特困供养": yn(h["tekun"]),
        })

    # -- members
    def members(self) -> pd.DataFrame:
        m, rng, n = self.t.mem, self.rng, self.n_mem
        sex = np.where(m["male"], "男", "女").astype(object)
        birth = self.dates(m["birth"])
        sex[m["hide"]] = ""
        birth[m["hide"]] = ""
        if self.mixed:
            med = _mixed_yn(m["med"], rng, 0.05, ("1", "0"))
            pen = _mixed_yn(m["pension"], rng, 0.05, ("1", "0"))
        else:
            med, pen = _yn(m["med"]), _yn(m["pension"])
        return pd.DataFrame({
            "户编号": self.hh_ids[m["hh"]],
            "证件号码": self.ids[:n].astype(object),
            "姓名": self.names[:n],
            "与户主关系": _REL_L[m["rel"]],
            "性别": sex,
            "出生日期": birth,
            "劳动技能": _SKILL_L[m["skill"]],
            "在校生状况": _SCHOOL_L[m["school"]],
            "是否参加基本医疗保险": med,
            "是否参加基本养老保险": pen,
        })

    # -- work
    def work(self) -> pd.DataFrame:
        w = self.t.work
        money = (_money_text(w["income"].to_numpy(), self.rng, 0.02) if self.mixed
                 else w["income"].to_numpy().astype(str).astype(object))
        money[w["income"].to_numpy() < 0] = ""
        return pd.DataFrame({
            "证件号码": self.ids[w["member"].to_numpy()].astype(object),
            "年度": w["year"].to_numpy(),
            "务工地域": _REGION_L[w["region"].to_numpy()],
            "务工月数": _int_or_blank(w["months"].to_numpy(), w["months"].to_numpy() == 0),
            "务工收入": money,
            "就业方式": _MODE_L[w["mode"].to_numpy()],
        })

    # -- income
    def income(self) -> pd.DataFrame:
        i = self.t.income
        size = i["size"].to_numpy()
        cols = {"户编号": self.hh_ids[i["hh"].to_numpy()], "年度": i["year"].to_numpy(),
                "家庭人口数": _int_or_blank(size, size == 0)}
        for col, key in (("工资性收入", "wage"), ("生产经营性收入", "gross"), ("生产经营性支出", "cost"),
                         ("财产性收入", "prop"), ("转移性收入", "transfer")):
            v = i[key].to_numpy()
            cols[col] = _money_text(v, self.rng, 0.03) if self.mixed else v
        return pd.DataFrame(cols)

    # -- projects and payments
    def projects(self) -> pd.DataFrame:
        p = self.t.projects
        benef = p["benef"].to_numpy()
        return pd.DataFrame({
            "项目编号": p["id"], "年度": p["year"], "项目名称": p["name"], "县": self.county,
            "乡镇": self.t.name, "村": p["village"], "项目类型": p["type"], "资金来源": p["source"],
            "批复金额": _wan(p["milli"].to_numpy()),
            "开工日期": self.dates(p["start"].to_numpy().astype("datetime64[D]")),
            "完工日期": self.dates(p["finish"].to_numpy().astype("datetime64[D]")),
            "资产类别": p["asset"], "受益脱贫人口数": _int_or_blank(benef, benef < 0),
        })

    def payments(self) -> pd.DataFrame:
        p = self.t.payments
        return pd.DataFrame({
            "项目编号": p["id"], "资金来源": p["source"],
            "拨付日期": self.dates(p["date"].to_numpy().astype("datetime64[D]")),
            "拨付金额": _wan(p["milli"].to_numpy()),
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
            "岗位类型": _POST_L[p["type"].to_numpy()],
            "聘用日期": self.dates(p["hire"].to_numpy().astype("datetime64[D]")),
            "解聘日期": self.dates(p["dismiss"].to_numpy().astype("datetime64[D]")),
            "解聘原因": _REASON_L[p["reason"].to_numpy()],
            "补贴标准": _money_text(std, self.rng, 0.2) if self.mixed else std,
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
            y, mo, _ = _ymd(d[ok])
            out[ok] = [f"{a:04d}{b:02d}" for a, b in zip(y, mo)]
            return out

        is_obj = h["cat"] >= 0
        elim = months(h["elim"])
        flag = np.where(is_obj, np.where(elim != "", "是", "否"), "").astype(object)
        risk = np.array([_EXPORT_RISK.get(r, r) for r in _RISK_L[h["risk"]]], dtype=object)
        kind = np.where(h["exited"], "脱贫户", np.where(np.arange(len(is_obj)) % 3 == 0, "一般农户", "非脱贫户"))
        exit_year = _int_or_blank(h["exit_year"], ~h["exited"])
        birth = np.full(n, "", dtype=object)
        y, mo, d = _ymd(m["birth"])
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
            "易返贫致贫户(监测对象)类型": _CAT_L[h["cat"]][hh],
            "识别监测时间": months(h["ident"])[hh],
            "风险是否已消除": flag[hh],
            "消除监测时间": elim[hh],
            "致贫/返贫风险1": risk[hh],
            "是否易地扶贫搬迁": _yn(h["relocated"])[hh],
            "是否低保户": _yn(h["dibao"])[hh],
            "是否特困供养": _yn(h["tekun"])[hh],
            "姓名": self.names[:n],
            "证件号码": self.ids[:n].astype(object),
            "与户主关系": _REL_L[m["rel"]],
            "性别": sex,
            "民族": "汉族",
            "出生日期": birth,
            "劳动技能": _SKILL_L[m["skill"]],
            "在校生状况": _SCHOOL_L[m["school"]],
            "是否参加城乡居民基本医疗保险": _yn(m["med"]),
            "是否参加城乡居民基本养老保险": _yn(m["pension"]),
        })


# ---------------------------------------------------------------- optional tables

_LOAN_USES = ("种植业", "养殖业", "加工业", "服务业")
_LOAN_USE_P = [.45, .38, .07, .10]
_LOAN_WAN = np.array([5.0, 5.0, 5.0, 4.0, 3.0, 3.0, 2.0, 1.0])


def _dates_in_year(rng, year: int, k: int, first_month: int = 1, last_month: int = 12) -> np.ndarray:
    lo = _day(year, first_month, 1)
    hi = _day(year + (last_month == 12), 1 if last_month == 12 else last_month + 1, 1)
    span = int((hi - lo) / _DAY)
    return lo + rng.integers(0, span, k) * _DAY


class _Optional:
    """The optional tables of one township, drawn from their own random stream (so the
    core tables do not change): loans in the dozens to hundreds, 低保 households in the
    tens to low hundreds, a few dozen 雨露计划 students, assets in the tens."""

    def __init__(self, r: "_Renderer", years: Sequence[int], seed: int):
        self.r, self.t, self.years = r, r.t, tuple(years)
        self.rng = np.random.default_rng([seed, r.t.index, 7])
        self.end = _day(self.years[-1], 12, 31)
        h = self.t.hh
        self.covered = h["exited"] | (h["cat"] >= 0)

    def _dates(self, d: np.ndarray) -> np.ndarray:
        return _mixed_dates(d, self.rng) if self.r.mixed else _iso(d)

    def credit(self) -> pd.DataFrame:
        rng, cov = self.rng, np.flatnonzero(self.covered)
        rows = []
        for year in (self.years[0] - 2, self.years[0] - 1, *self.years):
            k = int(round(len(cov) * rng.uniform(0.05, 0.09)))
            who = _pick(rng, cov, k)
            issue = _dates_in_year(rng, year, len(who), 1, 10)
            term = rng.choice([1, 2, 3, 3, 3], size=len(who))
            for h, d, tm in zip(who, issue, term):
                due = d + int(365 * tm) * _DAY
                settled = _NAT
                if due <= self.end and rng.random() < 0.95:
                    settled = due - int(rng.integers(0, 30)) * _DAY
                elif rng.random() < 0.04:
                    settled = min(d + int(rng.integers(120, 360)) * _DAY, self.end)
                overdue = 0.0
                if np.isnat(settled) and rng.random() < 0.012:
                    overdue = float(rng.choice([0.5, 1.0, 2.0, 5.0]))
                rows.append((h, d, due, float(rng.choice(_LOAN_WAN)), settled, rng.random() < 0.02,
                             overdue, _LOAN_USES[int(rng.choice(4, p=_LOAN_USE_P))]))
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
            "是否续贷展期": _yn(df["renew"].to_numpy(dtype=bool)),
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
                    start = _day(int(y0), int(rng.integers(1, 13)), 1) if year == y0 else _day(year, 1, 1)
                    last = year == self.years[-1]
                    stop = _NAT if last else _day(year, 12, 31)
                    months = 12 - (int(str(start)[5:7]) - 1)
                    rows.append((hh, kind, persons, start, stop, float(per_month * persons * months), year))
        for kind, share, lo, hi in (("临时救助", 0.012, 500, 3000), ("残疾人两项补贴", 0.02, 1080, 1080),
                                    ("高龄补贴", 0.03, 600, 1200)):
            for year in self.years:
                who = _pick(rng, np.arange(len(size)), int(round(len(size) * share)))
                for hh in who:
                    d = _dates_in_year(rng, year, 1)[0]
                    stop = d if kind == "临时救助" else _day(year, 12, 31)
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
            "发放金额": _money_text(amount, self.rng, 0.05) if self.r.mixed else amount,
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
                        paid = _day(int(sy[:4]) + (0 if sy.endswith(str(year + 1)) else 1), 3 if not sy.endswith(str(year + 1)) else 10, 15)
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
            reg = np.datetime64(formed, "D") + int(rng.integers(20, 200)) * _DAY
            reg = reg if (reg <= self.end and rng.random() < 0.8) else _NAT
            value = a["milli"] / 1000
            income = round(value * rng.uniform(0.03, 0.08), 2) if a["asset"] == "经营性资产" else np.nan
            rows.append((f"ZC{self.t.index:03d}{k:04d}", pid, self.r.t.name, a["village"], a["name"].replace("项目", ""),
                         a["asset"], int(a["year"]), round(value, 3), reg, income))
        villages = self.t.villages
        for j in range(int(rng.integers(10, 25))):   # assets of earlier years' projects
            k += 1
            cls = ASSET_CLASSES[int(rng.choice(3, p=[.35, .5, .15]))]
            year = int(rng.integers(2016, self.years[0]))
            v = villages[int(rng.integers(len(villages)))]
            word = {"经营性资产": "产业基地", "公益性资产": "道路", "到户类资产": "到户产业"}[cls]
            value = round(float(rng.uniform(5, 300)), 2)
            reg = _day(year + 1, int(rng.integers(1, 13)), 1) if rng.random() < 0.85 else _NAT
            income = round(value * rng.uniform(0.02, 0.07), 2) if cls == "经营性资产" else np.nan
            rows.append((f"ZC{self.t.index:03d}{k:04d}", "", self.r.t.name, v, f"{v}{word}", cls, year, value, reg, income))
        if self.t.index == 1:   # the county holds two assets itself
            for j, (name, value) in enumerate((("县级产业园区", 860.0), ("县冷链物流中心", 420.5)), 1):
                rows.append((f"ZC000{j:04d}", "", "县本级", "", name, "经营性资产", self.years[0] - 1, value,
                             _day(self.years[0], 3, 1), round(value * 0.04, 2)))
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
            "县": self.r.county, "乡镇": self.t.name, "村": df["v"], "是否脱贫村": _yn(df["poor"].to_numpy()),
            "村民小组数": df["groups"], "网格员数": df["grid"], "驻村工作队员数": df["team"],
            "村集体经济收入": df["income"], "年度": df["year"],
        })


def _open_optional_sinks(out: Path, mixed: bool, county: str, years: Sequence[int]) -> dict:
    if not mixed:
        return {t: _CsvSink(out / f"{t}.csv", "utf-8") for t in OPTIONAL_STEMS}
    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
    credit = _XlsxSink(out / "小额信贷.xlsx", f"{county}脱贫人口小额信贷台账（合成数据）",
                       f"导出日期：{stamp:%Y-%m-%d}", stamp,
                       rename={"发放日期": "放款日期", "贷款金额": "贷款金额（万元）", "逾期金额": "逾期金额（万元）"})
    credit.ws.title = "小额信贷"
    return {
        "credit": credit,
        "assistance": _CsvSink(out / "社会救助.csv", "gb18030", "\r\n", rename={"救助类别": "救助类型"}),
        "education_aid": _CsvSink(out / "education_aid.csv", "utf-8-sig", rename={"金额": "资助金额"}),
        "assets": _CsvSink(out / "项目资产.csv", "utf-8", rename={"资产原值": "资产原值（万元）", "当年收益": "当年收益（万元）"}),
        "villages": _CsvSink(out / "村.csv", "utf-8", rename={"村集体经济收入": "村集体经济收入（万元）"}),
    }


# ---------------------------------------------------------------- writers

class _CsvSink:
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


class _XlsxSink:
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
        _normalise_zip(self.path, self.stamp)


def _normalise_zip(path: Path, stamp: dt.datetime) -> None:
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


def _open_sinks(out: Path, mixed: bool, county: str, years: Sequence[int]) -> dict:
    if not mixed:
        return {t: _CsvSink(out / f"{t}.csv", "utf-8") for t in TABLE_STEMS}
    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
    return {
        "households": _XlsxSink(
            out / "农户信息.xlsx", f"{county}农户信息导出（合成数据）",
            f"导出日期：{stamp:%Y-%m-%d}", stamp, rename={"纳入监测日期": "识别监测时间"}),
        "members": _CsvSink(out / "members.csv", "gb18030", "\r\n"),
        "work": _CsvSink(out / "work.csv", "utf-8", rename={"务工地域": "务工地域\u3000"}),
        "income": _CsvSink(out / "收入.csv", "utf-8-sig", "\r\n"),
        "projects": _CsvSink(out / "projects.csv", "utf-8"),
        "payments": _CsvSink(out / "payments.csv", "utf-8"),
        "posts": _CsvSink(out / "posts.csv", "utf-8", rename={"乡镇": "乡(镇)", "村": "行政村"}),
    }


PERSON_LEVEL_STEM = "（乡村建设）户信息_"


def person_level_name(years: Sequence[int]) -> str:
    """File name of the person-level export the bundled sample carries."""
    return f"{PERSON_LEVEL_STEM}{years[-1]}1231.xlsx"


def _write_person_level(path: Path, df: pd.DataFrame, county: str, stamp: dt.datetime) -> None:
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
    _normalise_zip(path, stamp)


def _clear_tables(out: Path) -> None:
    """Remove table files a previous run may have left (never anything else)."""
    for stems in [*TABLE_STEMS.values(), *OPTIONAL_STEMS.values()]:
        for stem in stems:
            for ext in (".csv", ".xlsx"):
                (out / f"{stem}{ext}").unlink(missing_ok=True)
    for p in out.glob(f"{PERSON_LEVEL_STEM}*.xlsx"):
        p.unlink()


# ---------------------------------------------------------------- entry points

def generate(
    out_dir: str | Path,
    *,
    townships: int = 6,
    households_per_township: int | None = None,
    members_target: int | None = None,
    years: Sequence[int] = (2022, 2023),
    seed: int = 20231231,
    county: str = "示例县",
    mixed_formats: bool = True,
    person_level: bool | None = None,
    optional: bool | None = None,
    counties: int = 1,
    review: str | None = None,
    planted: list | None = None,
) -> Path:
    """Write a synthetic dataset of the input contract to ``out_dir``.

    Parameters
    ----------
    townships:
        number of townships (the first six are named as in the bundled sample).
    households_per_township:
        fixed number of households per township; default random, 1500-4000
        each, with the county mean held near 1850 (keeps the sample small).
    members_target:
        total number of members (persons) over the whole county; overrides
        ``households_per_township`` and gives exactly this many member rows.
    years:
        report years covered (monitoring, income, work, projects, hires).
    seed:
        the whole dataset is a function of the arguments: same arguments, same bytes.
    mixed_formats:
        ``True``: office-style mix of formats (xlsx, GB18030, BOM, aliases, mixed
        dates); ``False``: plain UTF-8 CSVs with English stems.
    person_level:
        write the last township's households and members as the national system's
        person-level export (``（乡村建设）户信息_<year>1231.xlsx``: one row per member,
        household columns repeated, title rows, months as YYYYMM, the export's column
        names) instead of in the contract files. Default: on in ``mixed_formats`` with at
        least two townships. The content is the same except that the export has no
        风险发现日期 and gives 纳入监测日期/风险消除日期 as months.

    optional:
        also write the five optional tables (小额信贷, 社会救助, 教育资助, 项目资产, 村) for
        every township, from their own random stream: the core tables are the same bytes
        with or without them. Default: on in ``mixed_formats`` (the bundled sample);
        pass ``True`` for a plain benchmark county with the further topics.
    counties:
        split the townships, in order, into this many counties of (nearly) equal size,
        named after ``county`` (示例县 → 示例1县, 示例2县, …): a province-sized set of
        several counties in one dataset. Township names, ids and content do not depend
        on it.
    review:
        ``None`` (default): the realistic county as drawn, data errors included.
        ``"clean"``: every record put right, so ``zhenxing review`` finds nothing;
        ``"dirty"``: clean, then one violation of each review rule planted per township
        (see :mod:`zhenxing.sample.dirty`); what was planted is appended to ``planted``
        (``{"rule", "township", "key"}``) when a list is given.

    Table files of an earlier run in ``out_dir`` (any stem of the contract,
    ``.csv``/``.xlsx``) are removed first so the folder holds one dataset.
    Returns the output folder.
    """
    if townships < 1:
        raise ValueError("townships must be >= 1")
    if not 1 <= counties <= townships:
        raise ValueError("counties must be between 1 and the number of townships")
    years = tuple(sorted(int(y) for y in years))
    if not years:
        raise ValueError("years must not be empty")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clear_tables(out)

    rng0 = np.random.default_rng([seed, 0])
    names = _township_names(townships, rng0)
    sizes = _household_sizes(rng0, townships, households_per_township, members_target)
    width = max(2, len(str(townships)))
    hide_share = 0.2  # members whose 性别/出生日期 are left blank (derived from the id)

    towns = [_build_town(i + 1, names[i], width, sizes[i], years, seed, hide_share)
             for i in range(townships)]
    _assign_ids(towns, seed)

    if person_level is None:
        person_level = mixed_formats and townships >= 2
    if optional is None:
        optional = mixed_formats
    pl_index = townships - 1 if person_level else -1
    if review not in (None, "clean", "dirty"):
        raise ValueError("review must be None, 'clean' or 'dirty'")
    if review is not None:
        from zhenxing.sample import dirty
        limits = dirty.thresholds(years, county)
        log: list = []
        for i, t in enumerate(towns):
            dirty.tidy(t, years, limits)
            if review == "dirty":
                log += dirty.plant(t, years, limits, lambda j, t=t: f"SL{t.index:0{width}d}{j + 1:06d}",
                                   seed, month_only=(i == pl_index))
    sinks = _open_sinks(out, mixed_formats, county, years)
    opt_sinks = _open_optional_sinks(out, mixed_formats, county, years) if optional else {}
    county_of = county_names(county, counties)
    try:
        for i, town in enumerate(towns):
            r = _Renderer(town, county_of[i * counties // townships], width, mixed_formats, seed)
            for table, sink in sinks.items():
                if i == pl_index and table == "households":
                    stamp = dt.datetime(years[-1] + 1, 1, 5, 9, 30, 0)
                    _write_person_level(out / person_level_name(years), r.person_level(), county, stamp)
                if i == pl_index and table in ("households", "members"):
                    continue
                sink.write(getattr(r, table)())
            if optional:
                opt = _Optional(r, years, seed)
                for table, sink in opt_sinks.items():
                    df = getattr(opt, table)()
                    if review is not None and table == "assets":
                        df = dirty.tidy_assets(df, years)
                        if review == "dirty":
                            df, more = dirty.plant_asset(df, years, town.name, seed, town.index)
                            log += more
                    sink.write(df)
            towns[i] = None  # free the township as soon as it is written
    finally:
        for sink in [*sinks.values(), *opt_sinks.values()]:
            sink.close()
    if review == "dirty" and planted is not None:
        planted.extend(log)
    return out


def county_names(county: str, counties: int) -> list[str]:
    """The counties of a generated set: ``county`` itself, or 示例1县, 示例2县, …"""
    if counties == 1:
        return [county]
    stem = county.removesuffix("县")
    return [f"{stem}{k}县" for k in range(1, counties + 1)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m zhenxing.sample",
        description="Write a synthetic (合成数据) dataset of the input contract.")
    ap.add_argument("out", help="output folder")
    ap.add_argument("--townships", type=int, default=6, help="number of townships (default 6)")
    ap.add_argument("--members", type=int, default=None,
                    help="total persons in the county (default: 1500-4000 households per township)")
    ap.add_argument("--households", type=int, default=None, help="households per township")
    ap.add_argument("--years", type=int, nargs="+", default=[2022, 2023], help="report years")
    ap.add_argument("--seed", type=int, default=20231231)
    ap.add_argument("--county", default="示例县")
    ap.add_argument("--counties", type=int, default=1,
                    help="split the townships into this many counties (示例1县, 示例2县, …; default 1)")
    ap.add_argument("--plain", action="store_true",
                    help="plain UTF-8 CSVs with English stems (fast; for large counties)")
    ap.add_argument("--optional", action=argparse.BooleanOptionalAction, default=None,
                    help="write the five optional tables too (default: with mixed formats only)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--clean", action="store_true",
                      help="put every record right: `zhenxing review` finds nothing (疑点核查)")
    mode.add_argument("--dirty", action="store_true",
                      help="clean, then plant one violation of each review rule per township (疑点核查)")
    ap.add_argument("--planted", metavar="FILE",
                    help="with --dirty: write the planted (rule, township, key) list to this JSON file")
    a = ap.parse_args(argv)
    review = "dirty" if a.dirty else "clean" if a.clean else None
    planted: list = []
    t0 = time.perf_counter()
    out = generate(a.out, townships=a.townships, households_per_township=a.households,
                   members_target=a.members, years=a.years, seed=a.seed, county=a.county,
                   mixed_formats=not a.plain, optional=a.optional, counties=a.counties,
                   review=review, planted=planted)
    if a.planted:
        import json
        Path(a.planted).write_text(json.dumps(planted, ensure_ascii=False, indent=1), encoding="utf-8")
    files = sorted(p for p in out.iterdir() if p.suffix in (".csv", ".xlsx"))
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} tables ({total / 1e6:.1f} MB) to {out} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
