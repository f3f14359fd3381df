"""How the townships of a generated county differ in situation (合成数据).

Drawn alike, every township would fall short of the same targets by about as much and its
summary would read like every other's. The table :data:`PROFILES` gives each of the first
six townships (the bundled sample's 青山镇 … 松坪乡) a situation; every later township of a
large county is drawn as the first (no adjustment).

A profile only *puts right* what the drawing left short, after the drawing and from its own
random stream (``[seed, township, 21]``): a township without adjustments keeps its bytes,
and the other tables of an adjusted township keep theirs.

=====  ========  ==========================================================================
index  sample    situation
=====  ========  ==========================================================================
1      青山镇    as drawn: several shortfalls (tests, docs and its writer's text quote it)
2      石门乡    as drawn: several shortfalls (tests quote it as the township behind target)
3      河口镇    every member insured, no zero-employment household
4      云岭乡    spends on schedule and starts its projects on time
5      柳溪镇    close to meeting everything: only medical insurance a little short
6      松坪乡    no covered household under the income lines, incomes rising
=====  ========  ==========================================================================

What each switch does (targets from ``params/defaults.yaml``):

* ``spends_on_time`` — every project of the year started in February or early March and
  paid in four tranches that keep each checkpoint of ``spend_progress`` (25 % by 31 March,
  50 % by 30 June, 75 % by 30 September, 100 % by 30 November);
* ``starts_on_time`` — every project started by 30 April (``start_progress`` 60 % / 90 %);
* ``insured`` — 基本医疗保险 for every member (rate 100 %, ≥ 99 %);
* ``employed`` — every covered household with labour force has a worker each year;
* ``above_lines`` — per-capita net income of every covered household above the highest
  income line (``income_thresholds``, 10000 元) with a margin, and no household's falling;
* ``tidy`` — the rest put right: identification within 15 days, every compulsory-age
  child at school, every 无劳动力 monitored household under 低保, houses and water safe,
  project assets registered, no overdue loan, no rectification item overdue, a team in
  every village.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zhenxing.sample.vocab import DAY, NAT, day_of

INCOME_FLOOR = 10600.0   # 元 per person: above the highest line (10000) after rounding


@dataclass(frozen=True)
class Profile:
    name: str = "as drawn"
    spends_on_time: bool = False
    starts_on_time: bool = False
    insured: bool = False
    employed: bool = False
    above_lines: bool = False
    tidy: bool = False


AS_DRAWN = Profile()
PROFILES: dict[int, Profile] = {
    1: AS_DRAWN,
    2: AS_DRAWN,
    3: Profile("insured and employed", insured=True, employed=True),
    4: Profile("on schedule", spends_on_time=True, starts_on_time=True),
    5: Profile("near target", spends_on_time=True, starts_on_time=True, employed=True,
               above_lines=True, tidy=True),
    6: Profile("above the income lines", above_lines=True),
}


def profile_of(index: int) -> Profile:
    """The profile of the township at ``index`` (1-based); :data:`AS_DRAWN` beyond the table."""
    return PROFILES.get(index, AS_DRAWN)


def rng_of(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, 21])


# ---------------------------------------------------------------- households and members
def adjust_households(p: Profile, rng, hh: dict, mem: dict, ident_days: int = 15) -> None:
    """Identification within the limit; 低保 for every unresolved monitored household
    without labour force (``tidy``)."""
    if not p.tidy:
        return
    found, ident = hh["found"], hh["ident"]
    late = ~np.isnat(found) & ~np.isnat(ident) & ((ident - found) > ident_days * DAY)
    found[late] = ident[late] - rng.integers(3, ident_days, int(late.sum())) * DAY
    n = len(hh["size"])
    labour = np.bincount(mem["hh"], weights=(mem["skill"] <= 2), minlength=n) > 0
    open_obj = (hh["cat"] >= 0) & np.isnat(hh["elim"])
    hh["dibao"][open_obj & ~labour & ~hh["tekun"]] = True


def adjust_members(p: Profile, mem: dict) -> None:
    """Insurance for all (``insured``)."""
    if p.insured:
        mem["med"][:] = True


def adjust_school(p: Profile, mem: dict, work: pd.DataFrame) -> pd.DataFrame:
    """Every compulsory-age child at school (``tidy``); a child put at school is no longer
    labour force and loses its work rows. Done after everything is drawn, so the drawing
    (and every id) is unchanged. Returns the work rows."""
    if not p.tidy:
        return work
    age = mem["age"]   # at the end of the last year; 6–15 on 1 September of any year
    out = (age >= 6) & (age <= 16) & (mem["school"] == 0)
    mem["school"][out] = np.where(age[out] <= 12, 2, np.where(age[out] <= 15, 3, 4))
    pupil = np.flatnonzero(out & (mem["skill"] <= 2))
    mem["skill"][pupil] = 4   # 无劳动力
    return work[~work["member"].isin(pupil)].reset_index(drop=True)


# ---------------------------------------------------------------- income and work
def income_floor(p: Profile, rng, pc0: np.ndarray) -> np.ndarray:
    """First-year per-capita income lifted above the lines (``above_lines``)."""
    if not p.above_lines:
        return pc0
    low = pc0 < INCOME_FLOOR
    out = pc0.copy()
    out[low] = INCOME_FLOOR + rng.uniform(0, 2500, int(low.sum()))
    return out


def no_decline(p: Profile, decline: np.ndarray) -> np.ndarray:
    return decline & False if p.above_lines else decline


# ---------------------------------------------------------------- projects and payments
def adjust_projects(p: Profile, rng, projects: pd.DataFrame, payments: pd.DataFrame,
                    end) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Starts by 30 April (``starts_on_time``), or in February/early March with payments on
    schedule (``spends_on_time``)."""
    if not (p.spends_on_time or p.starts_on_time):
        return projects, payments
    projects = projects.copy()
    ids = projects["id"].drop_duplicates().to_list()
    start_of, finish_of = {}, {}
    for pid, year in projects.drop_duplicates("id")[["id", "year"]].itertuples(index=False):
        if p.spends_on_time:
            start = day_of(int(year), 2, 1) + int(rng.integers(0, 38)) * DAY
        else:
            start = day_of(int(year), 2, 1) + int(rng.integers(0, 88)) * DAY
        finish = start + int(rng.integers(90, 270)) * DAY
        start_of[pid] = start
        finish_of[pid] = finish if finish <= end else NAT
    projects["start"] = projects["id"].map(start_of).to_numpy().astype("datetime64[D]")
    if p.spends_on_time:
        projects["finish"] = projects["id"].map(finish_of).to_numpy().astype("datetime64[D]")
        rows = []
        for r in projects.itertuples(index=False):
            rows += _on_schedule(rng, r.id, r.source, int(r.milli), int(r.year), r.start, end)
        payments = pd.DataFrame(rows, columns=["id", "source", "date", "milli"])
    else:
        # keep the drawn payments, none before its project's start
        first = payments["id"].map(start_of).to_numpy().astype("datetime64[D]")
        payments = payments.copy()
        payments["date"] = np.maximum(payments["date"].to_numpy().astype("datetime64[D]"), first + 5 * DAY)
        done = projects["finish"].notna()
        late = done & (projects["finish"].to_numpy().astype("datetime64[D]") <= projects["start"].to_numpy())
        projects.loc[late, "finish"] = NAT
    assert set(projects["id"]) == set(ids)
    return projects, payments


# cumulative share paid by each tranche and the window (month, first day, last day) it falls in
TRANCHES = ((0.30, 3, 20, 31), (0.56, 6, 1, 25), (0.80, 9, 1, 25), (1.0, 11, 1, 25))


def _on_schedule(rng, pid, source, milli: int, year: int, start, end) -> list:
    """Four tranches paying ``milli`` in full by 30 November. The written decimals add up to
    the approval; amounts are drawn again (a few times at most) until no way of adding the
    binary floats exceeds it either, so the approval is neither exceeded nor missed."""
    for _ in range(50):
        rows = _tranches(rng, pid, source, milli, year, start, end)
        vals = [r[3] / 1000 for r in rows]
        cap = milli / 1000
        if sum(vals) <= cap and math.fsum(vals) <= cap and float(np.sum(vals)) <= cap:
            return rows
    j = max(range(len(rows)), key=lambda i: rows[i][3])   # never seen: one thousandth less
    rows[j] = (*rows[j][:3], rows[j][3] - 1)
    return rows


def _tranches(rng, pid, source, milli: int, year: int, start, end) -> list:
    rows, paid = [], 0
    for share, month, lo, hi in TRANCHES:
        upto = milli if share == 1.0 else int(np.floor(milli * (share + rng.uniform(0, 0.04))))
        part = upto - paid
        if part <= 0:
            continue
        when = max(day_of(year, month, int(rng.integers(lo, hi + 1))), start + 3 * DAY)
        if when > end:
            break
        rows.append((pid, source, when, part))
        paid = upto
    return rows


# ---------------------------------------------------------------- 三保障, optional tables, ledgers
def safe_homes(p: Profile, k_house: int, k_water: int) -> tuple[int, int]:
    return (0, 0) if p.tidy else (k_house, k_water)


def registered(p: Profile, reg, formed, end):
    """An asset's 确权日期: registered within two months of forming (``tidy``)."""
    if not p.tidy or not np.isnat(reg):
        return reg
    return min(np.datetime64(formed, "D") + 45 * DAY, end)


def overdue_amount(p: Profile, overdue: float) -> float:
    return 0.0 if p.tidy else overdue


def keeps_overdue_item(p: Profile) -> bool:
    return not p.tidy


def teams_everywhere(p: Profile, posted: np.ndarray) -> np.ndarray:
    return np.ones_like(posted) if p.tidy else posted
