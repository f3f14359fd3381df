"""Clean and dirty synthetic data for the data review (``zhenxing review``).

The default generator draws a realistic county, and real counties carry data errors:
6–15-year-olds recorded as 非在校生, students as labour force, post holders over 60, …
For the review's property tests two further modes exist (``generate(review=…)``,
``python -m zhenxing.sample OUT --clean|--dirty``); the default output is untouched:

* ``clean``: every record is put right on the model before rendering (``tidy``), so the
  review finds nothing in any report year;
* ``dirty``: clean, then a realistic few violations are planted per township, one per
  rule of every family (``plant``), each on a record chosen so that it breaks exactly
  that rule; the list of planted (rule, township, key) comes back for the tests.

Both work on the model of a township (``generator._Town``) before it is rendered, with
their own random stream (the default stream is never drawn from)."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np
import pandas as pd

_DAY = np.timedelta64(1, "D")
_NAT = np.datetime64("NaT", "D")
RISK_TYPES = ("因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败", "因务工就业不稳",
              "因缺劳动力", "因住房安全", "因饮水安全", "其他")
R_ILL, R_SCHOOL, R_LABOUR = RISK_TYPES.index("因病"), RISK_TYPES.index("因学"), RISK_TYPES.index("因缺劳动力")
SKILL, ORDINARY, WEAK, LOST, NONE = 0, 1, 2, 3, 4     # index into generator.SKILLS
STUDENT = (2, 3, 4, 5, 6, 7)                           # 小学 … 本科及以上 (1 = 学前教育, 0 = 非在校生)
AGE_LIMIT_REASON = 0                                   # DISMISS_REASONS.index("年龄超限")


def thresholds(years: Sequence[int], county: str | None = None) -> dict[int, float]:
    """The monitoring threshold the review uses, per year (policy files)."""
    from zhenxing.data import params
    from zhenxing.review.engine import threshold
    return {int(y): threshold(params.policy(county, int(y))) or 0.0 for y in years}


def _ends(years) -> list[np.datetime64]:
    return [np.datetime64(f"{int(y)}-12-31") for y in years]


def _age(birth: np.ndarray, when: np.datetime64) -> np.ndarray:
    b = pd.to_datetime(birth)
    w = pd.Timestamp(when)
    before = (b.month > w.month) | ((b.month == w.month) & (b.day > w.day))
    return (w.year - b.year - before.astype(int)).to_numpy()


def _ages(t, years) -> np.ndarray:
    """Members' ages at each year end: shape (years, members)."""
    return np.stack([_age(t.mem["birth"], e) for e in _ends(years)])


def _per_capita(t) -> pd.Series:
    i = t.income
    size = np.where(i["size"].to_numpy() > 0, i["size"].to_numpy(), t.hh["size"][i["hh"].to_numpy()])
    net = i["wage"] + i["gross"] - i["cost"] + i["prop"] + i["transfer"]
    return pd.Series(net.to_numpy() / size, index=i.index), pd.Series(size, index=i.index)


# ---------------------------------------------------------------------------- clean

def tidy(t, years: Sequence[int], limits: dict[int, float], ident_days: int = 15) -> None:
    """Put every record of a township right (see the module docstring)."""
    hh, mem = t.hh, t.mem
    ends = _ends(years)
    end = ends[-1]
    ages = _ages(t, years)
    # dates: eliminated at least six months after identification, identified within the limit
    ident, elim, found = hh["ident"], hh["elim"], hh["found"]
    ok = ~np.isnat(ident) & ~np.isnat(elim)
    six = np.array([np.datetime64(pd.Timestamp(d) + pd.DateOffset(months=6), "D") if o else _NAT
                    for d, o in zip(ident, ok)], dtype="datetime64[D]")
    soon = ok & (elim < six)
    elim[soon] = six[soon] + 10 * _DAY
    elim[soon & (elim > end)] = _NAT
    late = ~np.isnat(found) & ~np.isnat(ident) & ((ident - found) > ident_days * _DAY)
    found[late] = ident[late] - ident_days * _DAY
    # school age: every 6–15-year-old (in any report year) at school
    school_age = ((ages >= 6) & (ages <= 15)).any(axis=0)
    out = school_age & (mem["school"] == 0)
    last = ages[-1]
    mem["school"][out] = np.where(last[out] <= 11, 2, np.where(last[out] <= 14, 3, 4))
    # students are not labour force; under 16 and over 70 not 技能/普通劳动力
    student = np.isin(mem["school"], STUDENT)
    mem["skill"][student & (mem["skill"] <= WEAK)] = NONE
    young = (ages <= 15).any(axis=0) & (mem["skill"] <= ORDINARY)
    mem["skill"][young] = WEAK
    old = (ages >= 71).any(axis=0) & (mem["skill"] <= ORDINARY)
    mem["skill"][old] = WEAK
    # work only by labour force
    w = t.work
    t.work = w[mem["skill"][w["member"].to_numpy()] <= WEAK].reset_index(drop=True)
    # risk types that match the household
    n = len(hh["size"])
    lab = np.bincount(mem["hh"], weights=(mem["skill"] <= WEAK), minlength=n)
    stu = np.bincount(mem["hh"], weights=(mem["school"] >= 1), minlength=n)
    is_obj = hh["cat"] >= 0
    hh["risk"][is_obj & (hh["risk"] == R_LABOUR) & (lab == hh["size"])] = R_ILL
    hh["risk"][is_obj & (hh["risk"] == R_SCHOOL) & (stu == 0)] = R_ILL
    # income: no covered household that should be monitored, none eliminated below the
    # threshold, transfers for every 低保/特困 household
    _raise_income(t, years, limits)
    dib = hh["dibao"] | hh["tekun"]
    i = t.income
    zero = dib[i["hh"].to_numpy()] & (i["transfer"].to_numpy() <= 0)
    i.loc[zero, "transfer"] = 1200
    # work: six months or more pays at least 3,000 元
    w = t.work
    low = (w["months"] >= 6) & (w["income"] >= 0) & (w["income"] < 3000)
    w.loc[low, "income"] = w.loc[low, "months"] * 2500
    # posts: nobody over 60 in post; one post at a time (ended before the next begins)
    _tidy_posts(t, years)


def _raise_income(t, years, limits) -> None:
    hh, i = t.hh, t.income
    pc, size = _per_capita(t)
    hh_of = i["hh"].to_numpy()
    year = i["year"].to_numpy()
    exited_free = hh["exited"] & (hh["cat"] < 0)
    for _k, y in enumerate(years):
        e = np.datetime64(f"{int(y)}-12-31")
        elim_by = (hh["cat"] >= 0) & ~np.isnat(hh["elim"]) & (hh["elim"] <= e)
        need = (year == y) & (exited_free | elim_by)[hh_of] & (pc.to_numpy() < limits[int(y)])
        add = np.ceil((limits[int(y)] - pc.to_numpy()[need]) * size.to_numpy()[need]) + 300 * size.to_numpy()[need]
        i.loc[need, "wage"] = i.loc[need, "wage"].to_numpy() + add.astype(np.int64)


def _tidy_posts(t, years) -> None:
    p = t.posts
    ends = _ends(years)
    person = p["person"].to_numpy()
    inside = person >= 0
    birth = np.full(len(p), _NAT)
    birth[inside] = t.mem["birth"][person[inside]]
    hire = p["hire"].to_numpy().astype("datetime64[D]")
    dismiss = p["dismiss"].to_numpy().astype("datetime64[D]")
    reason = p["reason"].to_numpy().copy()
    for e in ends:
        in_post = (hire <= e) & (np.isnat(dismiss) | (dismiss > e)) & inside
        age = np.where(inside, _age(np.where(inside, birth, e), e), 0)
        over = in_post & (age > 60)
        for j in np.flatnonzero(over):
            b = pd.Timestamp(birth[j])
            turned = np.datetime64(dt.date(b.year + 61, b.month, min(b.day, 28)), "D")
            dismiss[j] = max(hire[j], turned)
            reason[j] = AGE_LIMIT_REASON
    # one post at a time: an engagement ends the day the person's next one begins
    order = np.lexsort((hire, person))
    for a, b in zip(order[:-1], order[1:]):
        if person[a] == person[b] and (np.isnat(dismiss[a]) or dismiss[a] > hire[b]):
            dismiss[a] = hire[b]
            if reason[a] < 0:
                reason[a] = 1   # 本人辞职
    p["dismiss"] = dismiss
    p["reason"] = reason


def tidy_assets(df: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Rendered assets: each registered by the end of the year after it was formed."""
    df = df.copy()
    last = int(years[-1])
    reg = pd.to_datetime(df["确权日期"].map(_parse_any), errors="coerce")
    year = df["形成年度"].astype(int)
    due = pd.to_datetime((year + 1).astype(str) + "-12-31")
    fix = (year + 1 <= last) & (reg.isna() | (reg > due))
    df.loc[fix, "确权日期"] = (year[fix] + 1).astype(str) + "-06-30"
    return df


def _parse_any(v):
    from zhenxing.data.contract import parse_date
    if v is None or (isinstance(v, float) and np.isnan(v)) or v == "":
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v
    try:
        return parse_date(str(v))[0]
    except Exception:
        return None


# ---------------------------------------------------------------------------- dirty

def plant(t, years: Sequence[int], limits: dict[int, float], hh_key, seed: int, month_only: bool) -> list[dict]: # noqa: C901 — one planted violation per rule, in turn
    """Plant one violation per rule in a tidied township; returns what was planted:
    ``{"rule", "township", "key"}`` (key as the review shows it, before masking)."""
    rng = np.random.default_rng([seed, t.index, 25])
    hh, mem = t.hh, t.mem
    last_y = int(years[-1])
    end = np.datetime64(f"{last_y}-12-31")
    first_end = np.datetime64(f"{int(years[0])}-12-31")
    ages = _ages(t, years)
    age_first, age_last = ages[0], ages[-1]
    n = len(hh["size"])
    used_hh: set = set()
    log: list[dict] = []
    is_obj = hh["cat"] >= 0
    covered = hh["exited"] | is_obj
    posts_of = t.posts["person"].to_numpy()
    holders = set(int(x) for x in posts_of if x >= 0)
    worker_last = set(int(x) for x in t.work.loc[t.work["year"] == last_y, "member"])

    def pick(cands):
        cands = [int(c) for c in cands]
        return cands[int(rng.integers(len(cands)))] if cands else None

    def note(rule, key):
        log.append({"rule": rule, "township": t.name, "key": key})

    def free_hh(idx):
        return [j for j in idx if j not in used_hh]

    def take(rule, j):
        used_hh.add(j)
        note(rule, hh_key(j))

    members_of = {}
    for m_, h_ in enumerate(mem["hh"]):
        members_of.setdefault(int(h_), []).append(m_)
    risk_ok = (hh["risk"] != R_LABOUR) & (hh["risk"] != R_SCHOOL)
    pc, _ = _per_capita(t)
    inc = t.income
    pcy = {}   # hh → min per-capita over the years
    for h_, v in zip(inc["hh"].to_numpy(), pc.to_numpy()):
        pcy[int(h_)] = min(pcy.get(int(h_), np.inf), v)
    rich = np.array([pcy.get(j, 0) >= max(limits.values()) + 500 for j in range(n)])

    # 日期 (needs day-precise dates: not in the person-level export's township)
    if not month_only:
        cand = np.flatnonzero(is_obj & ~np.isnat(hh["elim"]) & ~np.isnat(hh["ident"]) & rich
                              & (hh["ident"] + 100 * _DAY <= end))
        j = pick(free_hh(cand))
        if j is not None:
            hh["elim"][j] = hh["ident"][j] + 100 * _DAY
            take("elim_within_six_months", j)
        cand = np.flatnonzero(is_obj & ~np.isnat(hh["found"]) & ~hh["found_month_only"])
        j = pick(free_hh(cand))
        if j is not None:
            hh["found"][j] = hh["ident"][j] - 40 * _DAY
            take("identification_late", j)
    p = t.projects
    single = p.groupby("id")["id"].transform("size") == 1
    cand = p.index[single & p["start"].notna() & p["finish"].notna()]
    j = pick(cand)
    if j is not None:
        p.loc[j, "finish"] = p.loc[j, "start"] - pd.Timedelta(days=30)
        note("project_finished_before_start", p.loc[j, "id"])
    po = t.posts
    counts = pd.Series(posts_of).value_counts()
    once = po.index[po["person"].map(counts) == 1]
    j = pick([k for k in once if po.loc[k, "person"] >= 0])
    if j is not None:
        po.loc[j, "dismiss"] = po.loc[j, "hire"] - pd.Timedelta(days=10)
        key = hh_key(int(mem["hh"][po.loc[j, "person"]])) if po.loc[j, "person"] >= 0 else None
        note("post_ended_before_start", key)
        once = once.drop(j)

    # 年龄与状态
    def member_in(cond, extra_hh=None):
        ok_hh = risk_ok & ~is_obj if extra_hh is None else extra_hh
        c = [m_ for m_ in np.flatnonzero(cond) if ok_hh[mem["hh"][m_]] and int(mem["hh"][m_]) not in used_hh
             and m_ not in holders and m_ not in worker_last]
        return pick(c)

    m_ = member_in((age_first >= 8) & (age_last <= 13) & (mem["skill"] >= WEAK) & np.isin(mem["school"], STUDENT))
    if m_ is not None:
        mem["school"][m_] = 0
        take("school_age_not_in_school", int(mem["hh"][m_]))
    m_ = member_in((age_first >= 3) & (age_last <= 5) & (mem["school"] <= 1))
    if m_ is not None:
        mem["skill"][m_] = ORDINARY
        take("labour_under_16", int(mem["hh"][m_]))
    m_ = member_in((age_first >= 72) & (mem["school"] == 0))
    if m_ is not None:
        mem["skill"][m_] = ORDINARY
        take("labour_over_70", int(mem["hh"][m_]))
    m_ = member_in((age_first >= 8) & (age_last <= 13) & np.isin(mem["school"], STUDENT))
    if m_ is not None:
        mem["skill"][m_] = WEAK
        take("student_as_labour", int(mem["hh"][m_]))
    # a post in post all along handed to a member aged 62–69 who holds no post
    hire = po["hire"].to_numpy().astype("datetime64[D]")
    dismiss = po["dismiss"].to_numpy().astype("datetime64[D]")
    along = [j for j in once if hire[j] <= first_end and np.isnat(dismiss[j])]
    j = pick(along)
    m_ = member_in((age_first >= 62) & (age_last <= 69))
    if j is not None and m_ is not None:
        po.loc[j, "person"] = m_
        holders.add(m_)
        take("post_holder_over_60", int(mem["hh"][m_]))
        once = once.drop(j)

    # 户与成员
    j = pick(free_hh(np.flatnonzero(~covered)))
    if j is not None:
        hh["size"][j] += 1
        take("household_size_mismatch", j)
    skills_of = lambda h_: mem["skill"][members_of.get(h_, [])]  # noqa: E731
    school_of = lambda h_: mem["school"][members_of.get(h_, [])]  # noqa: E731
    cand = [h_ for h_ in free_hh(np.flatnonzero(is_obj & (hh["risk"] != R_LABOUR) & (hh["risk"] != R_SCHOOL)))
            if len(skills_of(h_)) and (skills_of(h_) <= WEAK).all()]
    j = pick(cand)
    if j is not None:
        hh["risk"][j] = R_LABOUR
        take("lack_labour_all_labour", j)
    cand = [h_ for h_ in free_hh(np.flatnonzero(is_obj & (hh["risk"] != R_LABOUR) & (hh["risk"] != R_SCHOOL)))
            if len(school_of(h_)) and (school_of(h_) == 0).all()]
    j = pick(cand)
    if j is not None:
        hh["risk"][j] = R_SCHOOL
        take("school_risk_no_student", j)

    # 收入与身份 (the last report year)
    last_rows = inc.index[inc["year"] == last_y]

    def lower(h_):
        r = last_rows[inc.loc[last_rows, "hh"] == h_][0]
        size = inc.loc[r, "size"] if inc.loc[r, "size"] > 0 else hh["size"][h_]
        target = int((limits[last_y] - 600) * size)
        inc.loc[r, ["gross", "cost", "prop"]] = 0
        inc.loc[r, "transfer"] = int(target * 0.2) + 1
        inc.loc[r, "wage"] = target - int(target * 0.2) - 1

    has_last = set(int(x) for x in inc.loc[last_rows, "hh"])
    cand = [h_ for h_ in free_hh(np.flatnonzero(hh["exited"] & ~is_obj)) if h_ in has_last]
    j = pick(cand)
    if j is not None:
        lower(j)
        take("should_monitor", j)
    cand = [h_ for h_ in free_hh(np.flatnonzero(is_obj & ~np.isnat(hh["elim"]) & (hh["elim"] <= end)))
            if h_ in has_last]
    j = pick(cand)
    if j is not None:
        lower(j)
        take("eliminated_below_threshold", j)
    cand = [h_ for h_ in free_hh(np.flatnonzero(hh["dibao"] & rich)) if h_ in has_last]
    j = pick(cand)
    if j is not None:
        r = last_rows[inc.loc[last_rows, "hh"] == j][0]
        inc.loc[r, "wage"] = inc.loc[r, "wage"] + inc.loc[r, "transfer"]
        inc.loc[r, "transfer"] = 0
        take("assistance_no_transfer", j)

    # 务工 (the last report year)
    w = t.work
    wl = w.index[(w["year"] == last_y) & (w["months"] >= 6) & (w["income"] >= 0)]
    wl = [r for r in wl if int(mem["hh"][w.loc[r, "member"]]) not in used_hh]
    r = pick(wl)
    if r is not None:
        w.loc[r, "income"] = 2400
        take("work_long_low_pay", int(mem["hh"][w.loc[r, "member"]]))
    counts_w = w.loc[w["year"] == last_y, "member"].value_counts()
    wl = [r for r in w.index[(w["year"] == last_y)]
          if int(mem["hh"][w.loc[r, "member"]]) not in used_hh and counts_w[w.loc[r, "member"]] == 1
          and mem["school"][w.loc[r, "member"]] == 0 and 20 <= age_last[w.loc[r, "member"]] <= 59
          and not (hh["risk"][mem["hh"][w.loc[r, "member"]]] == R_LABOUR)
          and w.loc[r, "member"] not in holders]
    r = pick(wl)
    if r is not None:
        mem["skill"][w.loc[r, "member"]] = NONE
        take("work_without_labour", int(mem["hh"][w.loc[r, "member"]]))

    # 项目与资产
    pay = t.payments.groupby("id")["milli"].sum()
    appr = p.groupby("id")["milli"].sum()
    full = [i for i in appr.index if pay.get(i, 0) >= appr[i]
            and i not in {e["key"] for e in log}]
    pid = pick(range(len(full)))
    if pid is not None:
        pid = full[pid]
        sel = p["id"] == pid
        p.loc[sel, "start"] = pd.NaT
        p.loc[sel, "finish"] = pd.NaT
        note("paid_not_started", pid)

    # 岗位: a second post for someone in post at the end, aged 60 or less
    hire = po["hire"].to_numpy().astype("datetime64[D]")
    dismiss = po["dismiss"].to_numpy().astype("datetime64[D]")
    ok = [j for j in once if po.loc[j, "person"] >= 0 and np.isnat(dismiss[j]) and hire[j] + 30 * _DAY <= end
          and age_last[po.loc[j, "person"]] <= 60 and int(mem["hh"][po.loc[j, "person"]]) not in used_hh]
    j = pick(ok)
    if j is not None:
        row = po.loc[j].copy()
        row["hire"] = pd.Timestamp(hire[j] + 30 * _DAY)
        row["type"] = (int(row["type"]) + 1) % 5
        t.posts = pd.concat([po, row.to_frame().T.astype(po.dtypes.to_dict())], ignore_index=True)
        take("two_posts_at_once", int(mem["hh"][row["person"]]))
    return log


def plant_asset(df: pd.DataFrame, years: Sequence[int], township: str, seed: int, index: int) -> tuple[pd.DataFrame, list]:
    """Rendered, tidied assets: one formed a year or more before the last report year left
    without 确权日期."""
    rng = np.random.default_rng([seed, index, 26])
    last = int(years[-1])
    own = df.index[(df["乡镇"] == township) & (df["形成年度"].astype(int) <= last - 1)]
    if not len(own):
        return df, []
    j = own[int(rng.integers(len(own)))]
    df = df.copy()
    df.loc[j, "确权日期"] = ""
    return df, [{"rule": "asset_not_registered", "township": township, "key": df.loc[j, "资产编号"]}]
