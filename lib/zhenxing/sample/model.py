"""The model of one township: households, members, income, work, projects, payments and posts drawn as numpy arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zhenxing.sample import profiles
from zhenxing.sample.profiles import AS_DRAWN, Profile
from zhenxing.sample.vocab import (
    DAY,
    DISMISS_P,
    DISMISS_REASONS,
    FUND_SOURCES,
    HH_SIZE_P,
    ID_PREFIXES,
    NAT,
    NON_INDUSTRY_P,
    POST_PAY,
    POST_TYPE_P,
    POST_TYPES,
    PROJECT_TYPES,
    PROJECT_WORDS,
    REGION_WAGE,
    REL_DAUGHTER,
    REL_DIL,
    REL_FATHER,
    REL_GDAU,
    REL_GSON,
    REL_HEAD,
    REL_MALE,
    REL_MOTHER,
    REL_OTHER_CODES,
    REL_OTHER_P,
    REL_SIL,
    REL_SON,
    REL_SPOUSE,
    RISK_P_GENERAL,
    RISK_P_SUDDEN,
    RISK_TYPES,
    SKILL_P,
    SOURCE_P,
    SOURCE_P_INDUSTRY,
    WORK_MODE_P,
    WORK_MODES,
    day_of,
    draw_names,
    village_names,
    ymd,
)

# ---------------------------------------------------------------- the model

@dataclass
class Town:
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
    profile: Profile = AS_DRAWN        # the township's situation (profiles.PROFILES)


def household_sizes(rng: np.random.Generator, townships: int,
                     households_per_township: int | None,
                     members_target: int | None) -> list[np.ndarray]:
    sizes_of = lambda k: rng.choice(np.arange(1, 9), size=k, p=HH_SIZE_P)  # noqa: E731
    if members_target is not None:
        if members_target < townships:
            raise ValueError("members_target must be at least the number of townships")
        mean = float((np.arange(1, 9) * HH_SIZE_P).sum())
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


def pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(pool))
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]


def build_households(rng, sizes, years, end):
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
    cat[pick(rng, idx_ex, n_unst)] = 0
    gen_sel = pick(rng, idx_gen, n_marg + n_sudd)
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
    ident_o = jan1 + (rng.random(k) * ylen).astype(np.int64) * DAY
    u = rng.random(k)
    lag = np.where(u < .05, rng.integers(1, 3, k),
                   np.where(u < .88, rng.integers(3, 15, k),
                            np.where(u < .90, 15, rng.integers(16, 36, k))))
    found_o = ident_o - lag * DAY
    p_elim = np.array([0.5, 0.55, 0.7])[cat[obj]]
    elim_o = ident_o + rng.integers(100, 700, k) * DAY
    elim_o[(rng.random(k) >= p_elim) | (elim_o > end)] = NAT

    found = np.full(n, NAT)
    ident = np.full(n, NAT)
    elim = np.full(n, NAT)
    found[obj], ident[obj], elim[obj] = found_o, ident_o, elim_o
    month_only = np.zeros(n, dtype=bool)
    month_only[pick(rng, obj, int(rng.integers(1, 4)))] = True

    risk = np.full(n, -1, dtype=np.int8)
    sudden = cat[obj] == 2
    risk_o = rng.choice(len(RISK_TYPES), size=k, p=RISK_P_GENERAL)
    risk_o[sudden] = rng.choice(len(RISK_TYPES), size=sudden.sum(), p=RISK_P_SUDDEN)
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


def build_members(rng, sizes, end, hide_share):
    nh = len(sizes)
    n = int(sizes.sum())
    hh = np.repeat(np.arange(nh, dtype=np.int32), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(n) - starts[hh]
    head_age = np.clip(np.round(rng.normal(53, 13, nh)), 24, 90).astype(np.int64)
    head_male = rng.random(nh) < 0.8
    has_spouse = (sizes >= 2) & (rng.random(nh) < 0.8) & (head_age < 85)

    rel = rng.choice(REL_OTHER_CODES, size=n, p=REL_OTHER_P).astype(np.int8)
    rel[pos == 0] = REL_HEAD
    spouse = (pos == 1) & has_spouse[hh]
    rel[spouse] = REL_SPOUSE
    ha = head_age[hh]
    # keep the generations plausible for the head's age
    rel[np.isin(rel, [REL_GSON, REL_GDAU, REL_DIL, REL_SIL]) & (ha < 46)] = REL_SON
    rel[np.isin(rel, [REL_FATHER, REL_MOTHER]) & (ha > 66)] = REL_DAUGHTER

    age = np.zeros(n, dtype=np.int64)
    age[pos == 0] = head_age
    age[spouse] = np.clip(ha[spouse] + rng.integers(-6, 5, spouse.sum()), 20, 95)
    for codes, lo, hi, sign, floor_ in (
        ((REL_SON, REL_DAUGHTER), 20, 37, -1, 0),
        ((REL_GSON, REL_GDAU), 42, 61, -1, 0),
        ((REL_FATHER, REL_MOTHER), 20, 33, 1, 0),
        ((REL_DIL, REL_SIL), 22, 35, -1, 18),
    ):
        sel = np.isin(rel, codes)
        age[sel] = np.maximum(floor_, ha[sel] + sign * rng.integers(lo, hi, sel.sum()))
    age = np.minimum(age, 99)

    male = REL_MALE[rel]
    male[pos == 0] = head_male
    male[spouse] = ~head_male[hh[spouse]]

    birth = end - (age * 365 + rng.integers(0, 365, n)) * DAY
    age = ((end - birth) // DAY) // 365  # age at the end of the last report year

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
    cum = np.cumsum(SKILL_P, axis=1)[band]
    skill = (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)
    student_adult = (age >= 16) & (school >= 4)
    skill[student_adult & (rng.random(n) < 0.7)] = 4

    family = np.full(n, -1, dtype=np.int16)
    sur_head, _, _ = draw_names(rng, head_male, None)
    blood = np.isin(rel, [REL_HEAD, REL_SON, REL_DAUGHTER, REL_GSON, REL_GDAU, REL_FATHER])
    family[blood] = sur_head[hh[blood]]
    sur, g1, g2 = draw_names(rng, male, family)

    return dict(
        hh=hh, rel=rel, male=male, birth=birth, age=age, skill=skill, school=school,
        med=rng.random(n) < 0.985,
        pension=((age >= 16) & (school < 4) & (rng.random(n) < 0.88)),
        hide=rng.random(n) < hide_share,
        sur=sur, g1=g1, g2=g2,
        prefix=rng.choice(ID_PREFIXES, size=n),
    )


def build_income(rng, hh, years, profile: Profile = AS_DRAWN, prng=None):
    covered = np.flatnonzero(hh["exited"] | (hh["cat"] >= 0))
    nc = len(covered)
    is_obj = hh["cat"][covered] >= 0
    ident_year = np.where(is_obj, ymd(hh["ident"][covered])[0], 0)
    size = hh["size"][covered]
    ny = len(years)

    pc = np.empty((ny, nc))
    pc[0] = np.where(is_obj, 9200.0, 12800.0) * np.exp(rng.normal(0, 0.3, nc))
    pc[0] = profiles.income_floor(profile, prng, pc[0])
    for k in range(1, ny):
        decline = rng.random(nc) < np.where(ident_year == years[k], 0.4, 0.1)
        decline = profiles.no_decline(profile, decline)
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


def build_work(rng, hh, mem, years, profile: Profile = AS_DRAWN, prng=None):
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
        frame = work_rows(rng, cand[worked], year)
        if profile.employed:
            # the profile's households cleared too, drawn from its own stream (the
            # main stream, and so every later table and id, is unchanged)
            extra = (lead >= 0) & ~has_worker & ~fix
            more = work_rows(prng, cand[lead[extra]], year)
            frame = pd.concat([frame, more], ignore_index=True).sort_values("member", kind="stable")
        frames.append(frame)
        prev = worked
    return pd.concat(frames, ignore_index=True)


def work_rows(rng, who: np.ndarray, year: int) -> pd.DataFrame:
    """The work rows of the members ``who`` in ``year``: region, months, wage, mode."""
    w = len(who)
    region = rng.choice(3, size=w, p=[.35, .30, .35])
    months = np.clip(np.round(rng.normal(8.5, 2.8, w)), 1, 12).astype(np.int64)
    lo = np.array([r[0] for r in REGION_WAGE])[region]
    hi = np.array([r[1] for r in REGION_WAGE])[region]
    wage = np.round(months * rng.uniform(lo, hi) / 10).astype(np.int64) * 10
    return pd.DataFrame({
        "member": who, "year": year, "region": region,
        "months": np.where(rng.random(w) < 0.02, 0, months),
        "income": np.where(rng.random(w) < 0.03, -1, wage),
        "mode": rng.choice(len(WORK_MODES), size=w, p=WORK_MODE_P),
    })


def nice_milli(rng, x: float) -> int:
    """Round an amount (thousandths of 万元) to a plausible granularity."""
    g = int(rng.choice([1000, 500, 250, 125, 10, 5, 1], p=[.2, .25, .15, .1, .1, .1, .1]))
    return max(g, int(round(x / g)) * g)


def build_projects(rng, ti, width, villages, years, end):
    proj_rows, pay_rows = [], []
    for year in years:
        k = int(rng.integers(3, 7))
        is_ind = rng.random(k) < 0.5
        is_ind[0] = True
        is_ind[-1] = False
        types = np.where(is_ind, 0, 1 + rng.choice(4, size=k, p=NON_INDUSTRY_P))
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
            words = PROJECT_WORDS[ptype]
            pname = f"{village}{words[int(rng.integers(len(words)))]}项目"
            started = rng.random() < 0.85
            start_month = int(rng.choice(np.arange(2, 10), p=[.16, .2, .2, .15, .1, .08, .06, .05]))
            start = day_of(year, start_month, int(rng.integers(1, 29))) if started else NAT
            finish = NAT
            if started and rng.random() < 0.65:
                f = start + int(rng.integers(60, 270)) * DAY
                finish = f if f <= end else NAT
            if ptype == "产业发展":
                asset = "经营性资产" if rng.random() < 0.75 else "到户类资产"
            elif ptype in ("乡村建设", "基础设施"):
                asset = "公益性资产"
            elif ptype == "就业帮扶":
                asset = "公益性资产" if rng.random() < 0.5 else ""
            else:
                asset = ""
            benef = int(rng.integers(30, 2000)) if rng.random() < 0.8 else -1
            p1 = SOURCE_P_INDUSTRY if ptype == "产业发展" else SOURCE_P
            src1 = int(rng.choice(len(FUND_SOURCES), p=p1))
            if two[j]:
                p2 = SOURCE_P.copy()
                p2[src1] = 0
                src2 = int(rng.choice(len(FUND_SOURCES), p=p2 / p2.sum()))
                part = rng.uniform(0.55, 0.75)
                splits = [(src1, amount[j] * part), (src2, amount[j] * (1 - part))]
            else:
                splits = [(src1, amount[j])]
            for src, amt in splits:
                milli = nice_milli(rng, amt)
                proj_rows.append((pid, year, pname, village, ptype, FUND_SOURCES[src], milli,
                                  start, finish, asset, benef))
                if started:
                    pay_rows.extend(draw_payments(rng, pid, FUND_SOURCES[src], milli, year, start, finish, end))
    projects = pd.DataFrame(proj_rows, columns=[
        "id", "year", "name", "village", "type", "source", "milli", "start", "finish", "asset", "benef"])
    payments = pd.DataFrame(pay_rows, columns=["id", "source", "date", "milli"])
    return projects, payments


def draw_payments(rng, pid, source, milli, year, start, finish, end):
    if not np.isnat(finish):
        frac = 1.0 if rng.random() < 0.85 else rng.uniform(0.8, 0.99)
        last = min(finish + 60 * DAY, end)
    else:
        frac = rng.uniform(0.55, 0.95)
        last = min(day_of(year, 12, 20), end)
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
    first = start + int(rng.integers(3, 30)) * DAY
    span = max(1, int((last - first) // DAY))
    offsets = np.sort((span * rng.power(0.8, n)).astype(np.int64))
    offsets[0] = 0
    dates = np.minimum(first + offsets * DAY, end)
    return [(pid, source, d, int(p)) for d, p in zip(dates, parts)]


def build_posts(rng, n_households, hh, mem, years, end):
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
    holders = np.concatenate([pick(rng, pool_cov, n_cov), pick(rng, pool_gen, n_gen)])
    rng.shuffle(holders)

    # outsiders (index into the outsider arrays, offset later by len(members))
    out_male = rng.random(n_out) < 0.6
    out_age = rng.integers(22, 60, n_out)
    out_birth = end - (out_age * 365 + rng.integers(0, 365, n_out)) * DAY
    o_sur, o_g1, o_g2 = draw_names(rng, out_male, None)
    out = dict(male=out_male, birth=out_birth, sur=o_sur, g1=o_g1, g2=o_g2,
               prefix=rng.choice(ID_PREFIXES, size=n_out),
               village=rng.integers(0, 1 << 30, n_out))  # reduced modulo #villages by caller

    person = np.concatenate([holders.astype(np.int64), -1 - np.arange(n_out)])
    rng.shuffle(person)

    # hire dates: a batch before the report years, then hires through each year
    ny = len(years)
    period = rng.choice(ny + 1, size=e, p=[0.45] + [0.55 / ny] * ny)
    hire_year = np.where(period == 0, rng.integers(y0 - 3, y0, e), np.array([0, *years])[period])
    month = np.where((period == 0) & (rng.random(e) < 0.5), 1, rng.integers(1, 13, e))
    day = np.where(rng.random(e) < 0.6, 1, rng.integers(1, 29, e))
    hire = np.array([day_of(int(a), int(b), int(c)) for a, b, c in zip(hire_year, month, day)],
                    dtype="datetime64[D]")
    dismiss = hire + rng.integers(60, 1100, e) * DAY
    dismiss[(rng.random(e) >= 0.25) | (dismiss > end)] = NAT
    reason = np.full(e, -1, dtype=np.int8)
    dis = ~np.isnat(dismiss)
    reason[dis] = rng.choice(len(DISMISS_REASONS), size=dis.sum(), p=DISMISS_P)
    # 年龄超限 only for older holders
    holder_age = np.empty(e, dtype=np.int64)
    inside = person >= 0
    holder_age[inside] = mem["age"][person[inside]]
    holder_age[~inside] = out_age[-1 - person[~inside]]
    young = (reason == DISMISS_REASONS.index("年龄超限")) & (holder_age < 55)
    reason[young] = DISMISS_REASONS.index("本人辞职")
    # a few 不履职 in every report year
    bad = DISMISS_REASONS.index("不履职")
    dis_year = np.where(dis, ymd(np.where(dis, dismiss, hire))[0], 0)
    for year in years:
        in_year = np.flatnonzero(dis_year == year)
        if len(in_year) and not (reason[in_year] == bad).any():
            reason[in_year[0]] = bad

    ptype = rng.choice(len(POST_TYPES), size=e, p=POST_TYPE_P)
    std = np.empty(e, dtype=np.int64)
    per = np.empty(e, dtype=object)
    for t, name in enumerate(POST_TYPES):
        sel = ptype == t
        per[sel], choices = POST_PAY[name]
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


def build_town(ti, name, width, sizes, years, seed, hide_share):
    rng = np.random.default_rng([seed, ti])
    end = day_of(years[-1], 12, 31)
    n = len(sizes)
    nv = int(rng.integers(8, 16))
    villages = village_names(nv, rng, name)
    vw = rng.dirichlet(np.full(nv, 4.0))
    village = np.sort(rng.choice(nv, size=n, p=vw))
    groups_per_village = rng.integers(4, 13, nv)
    group = 1 + (rng.random(n) * groups_per_village[village]).astype(np.int64)
    order = np.lexsort((group, village))
    village, group = village[order], group[order]

    profile = profiles.profile_of(ti)
    prng = profiles.rng_of(seed, ti)   # the profile's own stream: the drawing above is unchanged
    hh = build_households(rng, sizes, years, end)
    hh["village"], hh["group"] = village, group
    mem = build_members(rng, sizes, end, hide_share)
    profiles.adjust_members(profile, mem)
    profiles.adjust_households(profile, prng, hh, mem)
    income = build_income(rng, hh, years, profile, prng)
    work = build_work(rng, hh, mem, years, profile, prng)
    projects, payments = build_projects(rng, ti, width, villages, years, end)
    projects, payments = profiles.adjust_projects(profile, prng, projects, payments, end)
    posts, out = build_posts(rng, n, hh, mem, years, end)
    out["village"] = out["village"] % nv
    work = profiles.adjust_school(profile, mem, work)
    profiles.adjust_households(profile, prng, hh, mem)   # again: a pupil is no labour force
    return Town(ti, name, villages, hh, mem, out, income, work, projects, payments, posts, profile=profile)


def assign_ids(towns: list[Town], seed: int) -> None:
    """Unique 17-digit id bodies for every member and outsider, all townships."""
    rng = np.random.default_rng([seed, 0, 1])
    births = np.concatenate([np.concatenate([t.mem["birth"], t.out["birth"]]) for t in towns])
    male = np.concatenate([np.concatenate([t.mem["male"], t.out["male"]]) for t in towns])
    prefix = np.concatenate([np.concatenate([t.mem["prefix"], t.out["prefix"]]) for t in towns])
    y, m, d = ymd(births)
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
