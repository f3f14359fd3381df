"""Rules as data: load ``rules.yaml`` and a county's ``params/policy/<县>.rules.yaml``,
decide which rules the data allow, evaluate them on one township's tables."""
from __future__ import annotations

import copy
import datetime as dt
import functools
import inspect
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from zhenxing.review import checks as C

FIELDS = ("id", "family", "title", "table", "needs", "check", "params", "severity", "fix", "source")
SEVERITIES = ("high", "medium", "low")
SEVERITY_CN = {"high": "高", "medium": "中", "low": "低"}
TABLE_CN = {"households": "农户信息", "members": "家庭成员", "work": "务工信息", "income": "收入",
            "projects": "衔接资金项目", "payments": "资金拨付", "posts": "公益性岗位",
            "credit": "小额信贷", "assistance": "社会救助", "education_aid": "教育资助",
            "assets": "项目资产", "villages": "村"}
FAMILIES = ("日期", "年龄与状态", "户与成员", "收入与身份", "务工", "项目与资产", "岗位")


class RuleError(ValueError):
    """A rules file that cannot be used (Chinese message with the English key)."""


@dataclass
class Rule:
    id: str
    family: str
    title: str
    table: str
    needs: dict
    check: str
    params: dict
    severity: str
    fix: str
    source: str
    enabled: bool = True

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (*FIELDS, "enabled")}


@dataclass
class Finding:
    rule: str
    title: str
    severity: str
    township: str
    village: str
    table: str
    key: str
    field: str
    value: str
    message: str
    family: str = ""
    household: str | None = None
    detail: str = ""                 # who or what, without names (workbook column 人员或事项)

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("rule", "title", "severity", "township", "village", "table",
                                               "key", "field", "value", "message")}


@dataclass
class Result:
    """The review of one township and year."""

    township: str
    year: int
    report_date: dt.date
    rules: list                      # the rules that ran or were skipped, in order
    findings: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)   # rule id → why (Chinese)
    county: str = ""
    path: Path | None = None                      # the workbook, once written
    gated: list = field(default_factory=list)     # figures the plausibility gate did not state (in a run)

    def by_rule(self) -> dict:
        out: dict = {r.id: [] for r in self.rules}
        for f in self.findings:
            out.setdefault(f.rule, []).append(f)
        return out


# ---------------------------------------------------------------------------- loading

def _validate(rule: dict, where: str) -> Rule:
    missing = [k for k in FIELDS if k not in rule or rule[k] is None and k != "params"]
    if missing:
        raise RuleError(f"{where}：规则“{rule.get('id', '?')}”缺少字段 {'、'.join(missing)} [rule_incomplete]")
    unknown = set(rule) - set(FIELDS) - {"enabled"}
    if unknown:
        raise RuleError(f"{where}：规则“{rule['id']}”有未知字段 {'、'.join(sorted(unknown))} [unknown_field]")
    if rule["check"] not in C.CHECKS:
        raise RuleError(f"{where}：规则“{rule['id']}”的 check“{rule['check']}”不存在"
                        f"（可用：{'、'.join(sorted(C.CHECKS))}）[unknown_check]")
    if rule["severity"] not in SEVERITIES:
        raise RuleError(f"{where}：规则“{rule['id']}”的 severity“{rule['severity']}”应为 high、medium 或 low "
                        "[bad_severity]")
    if rule["table"] not in TABLE_CN:
        raise RuleError(f"{where}：规则“{rule['id']}”的 table“{rule['table']}”不是数据规范中的表 [unknown_table]")
    r = Rule(**{k: rule[k] for k in FIELDS}, enabled=bool(rule.get("enabled", True)))
    r.params = dict(r.params or {})
    r.needs = {t: list(cols or []) for t, cols in (r.needs or {}).items()}
    return r


@functools.lru_cache(maxsize=16)
def _parsed(text: str):
    """A rules file's YAML, parsed once per process and text (a run reviews every
    township with the same files); callers get a deep copy."""
    return yaml.safe_load(text)


def _yaml(text: str):
    return copy.deepcopy(_parsed(text))


def builtin_rules() -> list[Rule]:
    text = resources.files("zhenxing.review").joinpath("rules.yaml").read_text(encoding="utf-8")
    data = _yaml(text)
    rules = [_validate(r, "rules.yaml") for r in data["rules"]]
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)), "duplicate rule id in rules.yaml"
    return rules


def override_file(county: str | None, root: Path | None = None) -> Path | None:
    from zhenxing.data import paths
    if not county:
        return None
    return (root or paths.PARAMS) / "policy" / f"{county}.rules.yaml"


def load_rules(county: str | None = None, root: Path | None = None, *, path: Path | None = None) -> list[Rule]:
    """The built-in rules with a county's overrides applied.

    The override file (``params/policy/<县>.rules.yaml``) maps rule id → changes::

        rules:
          elim_within_six_months: {params: {months: 3}}   # change a threshold
          labour_over_70: {enabled: false}               # switch a rule off
          my_rule: {family: …, title: …, table: …, needs: …, check: …, params: …,
                    severity: …, fix: …, source: …}       # add a rule (every field)

    A changed rule's ``params`` are merged key by key; an unknown rule id without a
    ``check`` (a typo) is an error naming it, as is an unknown param."""
    rules = builtin_rules()
    p = path if path is not None else override_file(county, root)
    if p is None or not Path(p).exists():
        return rules
    name = Path(p).name
    try:
        data = _yaml(Path(p).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise RuleError(f"规则文件 {name} 不是有效的 YAML：{e} [bad_yaml]") from None
    changes = data.get("rules", {}) if isinstance(data, dict) else None
    if not isinstance(changes, dict):
        raise RuleError(f"规则文件 {name} 应为 rules: {{规则编号: {{…}}}} 的形式 [bad_rules_file]")
    by_id = {r.id: r for r in rules}
    for rid, ch in changes.items():
        ch = dict(ch or {})
        if rid in by_id:
            r = by_id[rid]
            bad = set(ch) - set(FIELDS) - {"enabled"}
            if bad:
                raise RuleError(f"规则文件 {name}：规则“{rid}”有未知字段 {'、'.join(sorted(bad))} [unknown_field]")
            base = r.as_dict()
            newp = dict(base["params"])
            for k, v in (ch.pop("params", None) or {}).items():
                if k not in newp:
                    raise RuleError(f"规则文件 {name}：规则“{rid}”没有参数“{k}”"
                                    f"（可改：{'、'.join(newp) or '无'}）[unknown_param]")
                newp[k] = v
            base.update(ch)
            base["params"] = newp
            by_id[rid] = _validate(base, f"规则文件 {name}")
        elif "check" in ch:
            by_id[rid] = _validate({"id": rid, **ch}, f"规则文件 {name}")
        else:
            known = "、".join(by_id)
            raise RuleError(f"规则文件 {name}：未知的规则编号“{rid}”（已有：{known}；新增规则须写全 check 等字段）"
                            f" [unknown_rule]")
    return list(by_id.values())


# ---------------------------------------------------------------------------- running

def threshold(policy: dict | None) -> float | None:
    """The monitoring threshold: ``monitoring_threshold`` when set, else the lowest
    ``income_thresholds``."""
    policy = policy or {}
    v = policy.get("monitoring_threshold")
    if v is not None:
        return float(v)
    t = policy.get("income_thresholds")
    if t:
        return float(min(t))
    return None


def resolve(params: dict, policy: dict | None) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, str) and v.startswith("policy:"):
            name = v.split(":", 1)[1]
            v = threshold(policy) if name == "threshold" else (policy or {}).get(name)
        out[k] = v
    return out


def why_skipped(rule: Rule, tables: dict, params: dict) -> str | None:
    """Why a rule cannot run on these tables (Chinese), or None."""
    for t, cols in rule.needs.items():
        if t not in tables:
            return f"未提供{TABLE_CN.get(t, t)}（{t}）表"
        absent = set(tables[t].attrs.get("absent_columns", ()))
        gone = [c for c in cols if c in absent or c not in tables[t].columns]
        if gone:
            return f"{TABLE_CN.get(t, t)}（{t}）表未提供列：{'、'.join(gone)}"
    if rule.table not in tables:
        return f"未提供{TABLE_CN.get(rule.table, rule.table)}（{rule.table}）表"
    missing = [k for k, v in params.items() if v is None]
    if missing:
        return f"政策参数未设置：{'、'.join(missing)}（params/defaults.yaml 或县参数文件）"
    return None


@functools.lru_cache(maxsize=None)
def _takes_table(check: str) -> bool:
    return "table" in inspect.signature(C.CHECKS[check]).parameters


def _check_params(rule: Rule) -> dict:
    """Params the check function receives: the rule's, plus its table for the generic ones."""
    p = dict(rule.params)
    if _takes_table(rule.check) and "table" not in p:
        p["table"] = rule.table
    return p


def township_findings(tables: dict, township: str, year: int, report_date=None, policy: dict | None = None,
                      rules: list[Rule] | None = None) -> Result:
    """Run every enabled rule on one township's conformed tables
    (``contract.load_township``). ``report_date`` defaults to 31 December of ``year``;
    ``policy`` is ``params.policy(county, year)`` (thresholds)."""
    from zhenxing.data.contract import mask
    report_date = report_date or dt.date(int(year), 12, 31)
    if isinstance(report_date, str):
        report_date = dt.date.fromisoformat(report_date)
    rules = rules if rules is not None else builtin_rules()
    ctx = C.Context(tables, int(year), report_date)
    res = Result(township, int(year), report_date, [r for r in rules if r.enabled])
    for rule in res.rules:
        params = resolve(_check_params(rule), policy)
        why = why_skipped(rule, tables, params)
        if why:
            res.skipped[rule.id] = why
            continue
        h = C.CHECKS[rule.check](ctx, **params)
        if not len(h):
            continue
        if len(h) > 1:
            h = h.sort_values(["village", "key"], kind="stable", na_position="last")
        cols = [h[c].to_numpy() for c in ("key", "household", "village", "field", "value", "detail")]
        for key, household, village, field_, value, det in zip(*cols):
            detail = f"{det}：" if det else ""
            res.findings.append(Finding(
                rule=rule.id, title=rule.title, severity=rule.severity, township=township,
                village=village or "", table=rule.table, key=mask(key) if key else "",
                field=field_, value=mask(str(value)),
                message=f"{detail}{rule.title}。{rule.fix}",
                family=rule.family, household=household, detail=det or ""))
    return res


def summary(res: Result) -> list[dict]:
    """One row per rule: records, households, villages (skipped rules say why)."""
    rows = []
    by = res.by_rule()
    for r in res.rules:
        fs = by.get(r.id, [])
        rows.append({"rule": r.id, "family": r.family, "title": r.title, "severity": r.severity,
                     "records": len(fs), "households": len({f.household for f in fs if f.household}),
                     "villages": len({f.village for f in fs}), "skipped": res.skipped.get(r.id)})
    return rows
