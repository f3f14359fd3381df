"""The data review (疑点核查): rules kept as data (``rules.yaml``) checked against one
township's conformed tables, written as ``疑点核查.xlsx`` and as JSON.

API for other code (see docs/review.md)::

    from zhenxing import review
    rules = review.load_rules(county)                      # built-in + params/policy/<县>.rules.yaml
    res = review.township_findings(tables, township, year, report_date, policy, rules=rules)
    review.write_workbook(folder / "疑点核查.xlsx", res)  # or a folder
    res.findings        # [Finding(rule, title, severity, township, village, table, key, field, value, message, family, household)]
    res.skipped         # {rule id: why (Chinese)}
    review.summary(res) # one row per rule: records, households, villages, skipped
    review.by_family(res)   # {family: records}, for a 数据质量 paragraph
"""
from zhenxing.review.engine import (
    FAMILIES,
    Finding,
    Result,
    Rule,
    RuleError,
    builtin_rules,
    load_rules,
    summary,
    threshold,
    township_findings,
)
from zhenxing.review.workbook import FILE_NAME, write_workbook


def by_family(res) -> dict:
    """Findings per rule family (families without findings left out), and per village."""
    out: dict = {}
    for f in res.findings:
        out[f.family] = out.get(f.family, 0) + 1
    return out


def by_village(res) -> dict:
    out: dict = {}
    for f in res.findings:
        out[f.village] = out.get(f.village, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


__all__ = ["FAMILIES", "FILE_NAME", "Finding", "Result", "Rule", "RuleError", "builtin_rules", "by_family",
           "by_village", "load_rules", "summary", "threshold", "township_findings", "write_workbook"]
