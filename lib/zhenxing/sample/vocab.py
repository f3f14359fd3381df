"""The generator's vocabularies (names, categories, weights), id numbers, date and text helpers, and names of places and people."""

from __future__ import annotations

from typing import Sequence

import numpy as np

# ---------------------------------------------------------------- vocabularies

#: Township names of the bundled sample (fictional; 青石镇 belongs to the
#: acceptance fixture and is never generated).
SAMPLE_TOWNSHIPS = ("青山镇", "石门乡", "河口镇", "云岭乡", "柳溪镇", "松坪乡")
FIXTURE_TOWNSHIPS = ("青石镇", "青石乡")

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
LEDGER_STEMS = {"activities": ("activities", "工作台账"), "rectification": ("rectification", "问题整改台账"),
                "teams": ("teams", "驻村工作队")}
OPTIONAL_STEMS = {
    "credit": ("credit", "小额信贷"),
    "assistance": ("assistance", "社会救助"),
    "education_aid": ("education_aid", "教育资助"),
    "assets": ("assets", "项目资产"),
    "villages": ("villages", "村"),
}

TOWN_SYL1 = "青石河云柳松白龙凤金碧清安和丰永新大东西南北黄桃梅竹兰玉马鹤"
TOWN_SYL2 = "山门口岭溪坪川江湖岩林泉田坝阳峰源关桥塘"
VILL_SYL1 = "龙凤白黑红青金银大小新老上下中东西南北石木水沙马牛羊鹿竹松柏桃李梨茶花岔杉桑柳菜麻碧清平安和丰永"
VILL_SYL2 = "坪坝河沟山岭寨塘田湾溪冲岩营屯庄垭箐林坡头口场园湖洼甸"

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤普字"
) + ["欧阳", "司马"]
# rough frequency: the first twenty surnames are much more common
SURNAME_W = np.array(
    [6.0] * 5 + [3.0] * 15 + [1.0] * (len(SURNAMES) - 22) + [0.1, 0.05]
)
SURNAME_W /= SURNAME_W.sum()

# GBK-only (not GB2312) characters are kept rare on purpose: real names use them,
# and a reader that guesses GB2312 for a GBK/GB18030 file fails on them.
RARE_CHARS = "堃喆玥赟旻"
GIVEN_M = "伟强军勇杰涛明超华平刚辉鹏建国峰磊斌林波海志文飞成龙俊宇浩东兴福贵祥荣德发有才顺学忠宏亮春永金"
GIVEN_F = "芳娜敏静丽艳娟霞秀英玲桂兰萍红梅琴云莲珍燕翠慧婷雪琳洁倩丹凤美花玉菊春晓金永"
GIVEN_M_LIST = list(GIVEN_M) + ["堃", "喆", "赟"]
GIVEN_F_LIST = list(GIVEN_F) + ["玥", "旻"]


def given_weights(chars: list[str]) -> np.ndarray:
    w = np.array([0.03 if c in RARE_CHARS else 1.0 for c in chars])
    return w / w.sum()


GIVEN_M_W = given_weights(GIVEN_M_LIST)
GIVEN_F_W = given_weights(GIVEN_F_LIST)
# one table of given-name characters; female codes are offset
GIVEN_ALL = np.array(GIVEN_M_LIST + GIVEN_F_LIST + [""], dtype="U1")
GIVEN_NONE = len(GIVEN_ALL) - 1
SURNAME_ARR = np.array(SURNAMES, dtype="U2")

CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISK_TYPES = (
    "因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败",
    "因务工就业不稳", "因缺劳动力", "因住房安全", "因饮水安全", "其他",
)
RISK_P_GENERAL = [.34, .12, .07, .06, .05, .04, .12, .12, .03, .01, .04]
RISK_P_SUDDEN = [.35, .05, .03, .25, .22, .03, .02, .0, .03, .0, .02]

RELATIONS = ("户主", "配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母", "之儿媳", "之女婿")
REL_HEAD, REL_SPOUSE, REL_SON, REL_DAUGHTER, REL_GSON, REL_GDAU, REL_FATHER, \
    REL_MOTHER, REL_DIL, REL_SIL = range(10)
REL_OTHER_CODES = np.array([2, 3, 4, 5, 6, 7, 8, 9])
REL_OTHER_P = np.array([.34, .30, .10, .09, .04, .06, .06, .01])
REL_MALE = np.array([0, 0, 1, 0, 1, 0, 1, 0, 0, 1], dtype=bool)  # for codes >= 2

SKILLS = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
# probabilities of SKILLS by age band: <16, 16-59, 60-69, 70+
SKILL_P = np.array([
    [0, 0, 0, 0, 1],
    [.18, .64, .11, .05, .02],
    [.02, .30, .43, .20, .05],
    [0, .02, .20, .48, .30],
])
SCHOOL = ("非在校生", "学前教育", "小学", "初中", "高中", "中职", "高职", "本科及以上")

REGIONS = ("县内", "省内县外", "省外")
REGION_WAGE = ((2200, 3400), (2800, 4300), (3800, 6000))  # 元 per month
WORK_MODES = ("企业务工", "灵活就业", "帮扶车间", "公益性岗位", "自主创业")
WORK_MODE_P = [.55, .25, .07, .08, .05]

PROJECT_TYPES = ("产业发展", "就业帮扶", "乡村建设", "基础设施", "其他")
NON_INDUSTRY_P = [.2, .3, .35, .15]  # 就业帮扶, 乡村建设, 基础设施, 其他
FUND_SOURCES = (
    "中央衔接资金", "省级衔接资金", "市级衔接资金", "县级衔接资金",
    "东西部协作资金", "社会帮扶资金", "其他资金",
)
SOURCE_P = np.array([.40, .28, .05, .12, .10, .05, .0])
SOURCE_P_INDUSTRY = np.array([.72, .18, .02, .04, .03, .01, .0])  # central funds lean to industry
ASSET_CLASSES = ("经营性资产", "公益性资产", "到户类资产")
PROJECT_WORDS = {
    "产业发展": ("茶叶提质增效", "肉牛养殖", "中药材种植", "核桃产业提升", "蔬菜大棚", "农产品冷链仓储", "食用菌种植"),
    "就业帮扶": ("帮扶车间建设", "务工交通补助", "技能培训"),
    "乡村建设": ("人居环境整治", "村内道路硬化", "村庄亮化"),
    "基础设施": ("饮水安全巩固提升", "产业路建设", "灌溉沟渠修缮", "机耕路建设"),
    "其他": ("小额信贷贴息", "雨露计划补助", "项目管理费"),
}

POST_TYPES = ("生态护林员", "乡村保洁员", "森林管护员", "交通劝导员", "社保协理员")
POST_TYPE_P = [.38, .30, .12, .12, .08]
# per post type: (period, possible pay standards in 元)
POST_PAY = {
    "生态护林员": ("年", (10000, 10000, 10000, 8000)),
    "乡村保洁员": ("月", (500, 600, 800)),
    "森林管护员": ("年", (6000, 8000)),
    "交通劝导员": ("月", (300, 500)),
    "社保协理员": ("月", (800, 1000, 1200)),
}
DISMISS_REASONS = ("年龄超限", "本人辞职", "不符合条件", "不履职", "死亡")
DISMISS_P = [.30, .28, .20, .12, .10]

# fictional region codes: province 53, prefecture 99 does not exist
ID_PREFIXES = np.array([539921, 539921, 539921, 539921, 539922, 539901, 539923], dtype=np.int64)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = "10X98765432"
ID_CHECK_BYTES = np.frombuffer(ID_CHECK.encode("ascii"), dtype=np.uint8)

HH_SIZE_P = np.array([.15, .22, .23, .19, .11, .07, .02, .01])  # sizes 1..8, mean 3.23

NAT = np.datetime64("NaT", "D")
DAY = np.timedelta64(1, "D")


# ---------------------------------------------------------------- id numbers

def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of an id."""
    s = sum(int(c) * int(w) for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[s % 11]


def is_valid_id(value: str) -> bool:
    """True when ``value`` is an 18-character id with a valid check character."""
    return (
        isinstance(value, str)
        and len(value) == 18
        and value[:17].isdigit()
        and value[17] == id_check_char(value[:17])
    )


def id_strings(full17: np.ndarray) -> np.ndarray:
    """Vectorised: 17-digit integers -> 18-character id strings (U18)."""
    full17 = np.asarray(full17, dtype=np.int64)
    n = len(full17)
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digits = (full17[:, None] // powers[None, :]) % 10
    codes = np.empty((n, 18), dtype=np.uint8)
    codes[:, :17] = digits + 48
    codes[:, 17] = ID_CHECK_BYTES[(digits @ ID_WEIGHTS) % 11]
    return codes.view("S18").ravel().astype("U18")


# ---------------------------------------------------------------- date helpers

def day_of(y: int, m: int = 1, d: int = 1) -> np.datetime64:
    return np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D")


def ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = dates.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, day


def iso_dates(dates: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D").astype(object)
    s[np.isnat(dates)] = ""
    return s


def month_only_text(dates: np.ndarray, compact: np.ndarray) -> np.ndarray:
    y, m, _ = ymd(dates)
    return np.array(
        [f"{a:04d}{b:02d}" if c else f"{a:04d}-{b:02d}" for a, b, c in zip(y, m, compact)],
        dtype=object,
    )




def mixed_dates(dates: np.ndarray, rng: np.random.Generator,
                 p: Sequence[float] = (.76, .10, .08, .06)) -> np.ndarray:
    """Dates as text in a per-cell mix of the forms the contract allows."""
    out = np.full(len(dates), "", dtype=object)
    ok = ~np.isnat(dates)
    form = rng.choice(4, size=len(dates), p=p)
    y, m, d = ymd(dates[ok])
    out[ok] = [
        f"{a:04d}-{b:02d}-{c:02d}" if f == 0
        else f"{a}/{b}/{c}" if f == 1
        else f"{a:04d}{b:02d}{c:02d}" if f == 2
        else f"{a}年{b}月{c}日"
        for a, b, c, f in zip(y, m, d, form[ok])
    ]
    return out


def yn_text(values: np.ndarray) -> np.ndarray:
    return np.where(values, "是", "否").astype(object)


def mixed_yn(values: np.ndarray, rng: np.random.Generator, p_other: float,
              other: tuple[str, str]) -> np.ndarray:
    out = yn_text(values)
    alt = rng.random(len(values)) < p_other
    out[alt & values] = other[0]
    out[alt & ~values] = other[1]
    return out


def money_text(values: np.ndarray, rng: np.random.Generator, p_sep: float) -> np.ndarray:
    """Integers as text, some (>= 1000) with thousands separators."""
    v = np.asarray(values, dtype=np.int64)
    out = v.astype(str).astype(object)
    sep = (rng.random(len(v)) < p_sep) & (np.abs(v) >= 1000)
    out[sep] = [f"{x:,}" for x in v[sep]]
    return out


def int_or_blank(values: np.ndarray, blank: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.int64).astype(str).astype(object)
    out[blank] = ""
    return out


def wan(milli: np.ndarray) -> np.ndarray:
    """Integer thousandths of 万元 -> shortest decimal text (120.25, 35.125)."""
    return np.array([wan1(int(x)) for x in milli], dtype=object)


def wan1(milli: int) -> str:
    whole, frac = divmod(milli, 1000)
    if frac == 0:
        return f"{whole}"
    return f"{whole}.{frac:03d}".rstrip("0")


# ---------------------------------------------------------------- names

def township_names(n: int, rng: np.random.Generator) -> list[str]:
    if n <= len(SAMPLE_TOWNSHIPS):
        return list(SAMPLE_TOWNSHIPS[:n])
    names = list(SAMPLE_TOWNSHIPS)
    combos = [a + b for a in TOWN_SYL1 for b in TOWN_SYL2]
    rng.shuffle(combos)
    seen = {x[:-1] for x in names} | {x[:-1] for x in FIXTURE_TOWNSHIPS}
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


def village_names(n: int, rng: np.random.Generator, town: str) -> list[str]:
    combos = [a + b for a in VILL_SYL1 for b in VILL_SYL2 if a + b != town[:2]]
    idx = rng.choice(len(combos), size=n, replace=False)
    return [combos[i] + "村" for i in idx]


def draw_names(rng: np.random.Generator, male: np.ndarray, family_surname: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name codes (surname, given1, given2) for people of the given sex."""
    n = len(male)
    sur = rng.choice(len(SURNAMES), size=n, p=SURNAME_W).astype(np.int16)
    if family_surname is not None:
        keep = family_surname >= 0
        sur[keep] = family_surname[keep]
    g_m = rng.choice(len(GIVEN_M_LIST), size=(n, 2), p=GIVEN_M_W)
    g_f = rng.choice(len(GIVEN_F_LIST), size=(n, 2), p=GIVEN_F_W) + len(GIVEN_M_LIST)
    g = np.where(male[:, None], g_m, g_f).astype(np.int16)
    single = rng.random(n) < 0.3
    g[single, 1] = GIVEN_NONE
    return sur, g[:, 0], g[:, 1]


def name_strings(sur: np.ndarray, g1: np.ndarray, g2: np.ndarray) -> np.ndarray:
    return np.char.add(np.char.add(SURNAME_ARR[sur], GIVEN_ALL[g1]), GIVEN_ALL[g2])
