"""The county summary's comparisons of townships (reporting.md "The county summary":
"sentences that compare townships by name where one stands out").

Each topic's comparison says what its figures show, in its own words — where the cases
lie (超过时限的分布在…), the spread (在…至…之间), the ones below a target (未达到的有…),
the lowest or the most when it is one township — never one formula with the names
swapped, and never a ranking by a count of flags. The figures are the townships' own
(``ind["by_township"]``, from their published indicators) and the policy targets of
``ind["compare_targets"]`` (set by :func:`zhenxing.topics.county.county_by_township`); a
topic where nothing stands out (fewer than two townships, every one on target, ties with
nothing to add) gets no sentence.
"""
from __future__ import annotations

from zhenxing.topics.base import threshold_key
from zhenxing.words.numbers import num, pct, round_half_up, yuan
from zhenxing.words.wording import asof_phrase, checkpoint, fill, sentences, target, wording, yuan_target


def compare_targets(policy: dict) -> dict:
    """The targets the comparisons measure townships against (from the policy file)."""
    policy = policy or {}
    st = policy.get("start_progress") or {}
    thr = [float(k) for k in policy.get("income_thresholds") or []]
    return {"identification_days": policy.get("identification_days_max"),
            "start_progress": float(st[max(st)]) if st else None,
            "income_threshold": min(thr) if thr else None}


def _w(ind: dict) -> dict:
    return wording(ind)["county"]["compare"]


def _vals(ind: dict, get) -> dict:
    """Township → value (those whose data state it), in the county's order."""
    out = {}
    for t, r in (ind.get("by_township") or {}).items():
        v = get(r or {})
        if v is not None:
            out[t] = v
    return out


def _only(vals: dict, best) -> str | None:
    """The one township holding ``best`` (None on a tie)."""
    hit = [t for t, v in vals.items() if v == best]
    return hit[0] if len(hit) == 1 else None


def _first(*options: str | None) -> str | None:
    return next((o for o in options if o), None)


def monitoring(ind: dict) -> str | None:
    """Where the identifications over the time limit lie, and the longest; or that every
    township kept to it; without a limit, the slowest median."""
    w, tg = _w(ind), ind.get("compare_targets") or {}
    limit = tg.get("identification_days")
    over = _vals(ind, lambda r: r.get("identification_over"))
    if len(over) < 2:
        return None
    if limit is None:
        med = _vals(ind, lambda r: r.get("identification_median"))
        t = _only(med, max(med.values())) if len(med) > 1 else None
        return sentences([fill(w["identification_median"], {"town": t, "value": num(round_half_up(med[t], 1))})]) \
            if t else None
    late = sorted(((t, n) for t, n in over.items() if n), key=lambda kv: -kv[1])
    if not late:
        return sentences([fill(w["identification_within"], {"limit": num(limit)})])
    mx = _vals(ind, lambda r: r.get("identification_max"))
    longest = _only(mx, max(mx.values())) if mx else None
    f = {"limit": num(limit), "over": num(sum(n for _, n in late)),
         "towns": "、".join(f"{t}（{n}户）" for t, n in late),
         "town": longest, "max": num(mx[longest]) if longest else None}
    return sentences([_first(fill(w["identification_over"], f), fill(w["identification_over_plain"], f))])


def income(ind: dict) -> str | None:
    """The spread of per-capita income across townships, and where most households below
    the lowest income line live."""
    w, tg = _w(ind), ind.get("compare_targets") or {}
    pcs = _vals(ind, lambda r: r.get("per_capita_net"))
    parts = []
    if len(pcs) > 1:
        lo_t = min(pcs, key=lambda t: (pcs[t], t))
        hi_t = max(pcs, key=lambda t: (pcs[t], t))
        lo, hi = round_half_up(pcs[lo_t], 0), round_half_up(pcs[hi_t], 0)
        if hi > lo:
            parts.append(fill(w["income_spread"], {"low": yuan(lo), "low_town": lo_t, "high": yuan(hi),
                                                   "high_town": hi_t, "gap": yuan(hi - lo)}))
    thr = tg.get("income_threshold")
    if thr is not None:
        key = threshold_key(thr)
        below = _vals(ind, lambda r: ((r.get("below") or {}).get(key) or {}).get("households"))
        if len(below) > 1 and max(below.values()) > 0:
            t = _only(below, max(below.values()))
            if t:
                parts.append(fill(w["below_most"], {"threshold": yuan_target(thr), "town": t, "value": num(below[t])}))
    return sentences(parts) or None


def employment(ind: dict) -> str | None:
    """Where the zero-employment households are: in one township, in some, or in all."""
    w = _w(ind)
    z = _vals(ind, lambda r: r.get("zero_employment"))
    have = {t: n for t, n in z.items() if n}
    if len(z) < 2 or not have:
        return None
    t = _only(have, max(have.values()))
    f = {"n": num(len(have)), "town": t, "value": num(have[t]) if t else None,
         "towns": "、".join(have), "others": "、".join(x for x in have if x != t) if t else None}
    if len(have) == 1:
        return sentences([fill(w["zero_employment_one"], {"town": next(iter(have))})])
    if len(have) == len(z):
        return sentences([_first(fill(w["zero_employment_spread"], f), fill(w["zero_employment_spread_plain"], f))])
    return sentences([_first(fill(w["zero_employment_some"], f), fill(w["zero_employment_some_plain"], f))])


def later(ind: dict, checkpoint_date, town: str, at_checkpoint) -> str:
    """The township's rate at the report date after its rate at a checkpoint before it
    ("，到年底为77.41%", wording ``paid_later``): the county's table beside the sentence
    shows the rate at the report date, so the sentence names both periods; "" when the
    checkpoint is the report date, the rate has not moved since or is not known."""
    now = ((ind.get("by_township") or {}).get(town) or {}).get("paid_rate")
    if now is None or pct(now) == pct(at_checkpoint) or str(checkpoint_date)[:10] == str(ind.get("report_date") or "")[:10]:
        return ""
    return fill(_w(ind)["paid_later"], {"when": asof_phrase(ind), "value": pct(now)}) or ""


def funds(ind: dict) -> str | None:
    """The townships behind the last spending checkpoint (all of them, some, or one) with
    the lowest and highest; the townships whose projects have not started to target."""
    w, tg = _w(ind), ind.get("compare_targets") or {}
    parts = []
    cps = _vals(ind, lambda r: r.get("last_checkpoint"))
    dates = {c.get("date") for c in cps.values()}
    if len(cps) > 1 and len(dates) == 1:
        rates = {t: c["paid_rate"] for t, c in cps.items() if c.get("paid_rate") is not None}
        tgt = next(iter(cps.values())).get("target")
        below = {t: v for t, v in rates.items() if tgt is not None and v < tgt}
        if below:
            lo = min(below, key=lambda t: (below[t], t))
            hi = max(rates, key=lambda t: (rates[t], t))
            f = {"date": checkpoint(next(iter(dates)), ind, quarters=False), "target": target(tgt), "n": num(len(below)),
                 "town": lo, "value": pct(below[lo]), "high_town": hi, "high": pct(rates[hi]),
                 "towns": "、".join(below)}
            key = "paid_one_below" if len(below) == 1 else "paid_all_below" if len(below) == len(rates) \
                else "paid_some_below"
            said = fill(w[key], f)
            parts.append(said and said + later(ind, next(iter(dates)), lo, below[lo]))
            if key == "paid_all_below":
                parts.append(fill(w["paid_all_high"], f))
    st = tg.get("start_progress")
    starts = _vals(ind, lambda r: r.get("start_rate"))
    slow = {t: v for t, v in starts.items() if st is not None and v < st}
    if len(starts) > 1 and slow:
        lo = min(slow.values())
        f = {"target": target(st), "towns": "、".join(slow), "value": pct(lo), "town": _only(slow, lo)}
        if len(set(round_half_up(v, 2) for v in slow.values())) == 1 and len(slow) > 1:
            parts.append(fill(w["start_below_tied"], f))
        else:
            parts.append(_first(fill(w["start_below"], f), fill(w["start_below_plain"], f)))
    return sentences(parts) or None


TOPICS = {"monitoring": monitoring, "income": income, "employment": employment, "funds": funds}


def comparison(ind: dict, topic: str) -> str | None:
    """The paragraph comparing the townships on this topic's figures, or None."""
    fn = TOPICS.get(topic)
    return fn(ind) if fn else None
