"""Plausible filled submissions, made with the real template writer: the shipped sample, tests and benchmarks.

Deterministic for a given seed, so regenerating the sample gives the same scores.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from pipeline.forms.template import FilledValue, write_template
from pipeline.rules.layout import template_filename
from pipeline.rules.model import Criterion, Rules
from pipeline.rules.seal import SealKey

EVIDENCE = (
    "Báo cáo số {n}-BC/{unit} ngày {d}/12/{year} tổng kết công tác năm",
    "Kế hoạch số {n}-KH/{unit}; kết quả thực hiện đạt {p}% chỉ tiêu",
    "Văn bản số {n}-CV/{unit} ngày {d}/11/{year}; được Thường trực Tỉnh ủy ghi nhận",
    "Quyết định số {n}-QĐ/TU ngày {d}/10/{year} công nhận kết quả",
    "Biên bản kiểm tra ngày {d}/9/{year} của Khối thi đua",
)


@dataclass(frozen=True)
class UnitProfile:
    """How one synthetic unit fills its template."""

    strength: float  # 0–1: share of each max the unit scores, before noise
    not_applicable: tuple[str, ...] = ()
    bonus: Mapping[str, Decimal] = field(default_factory=dict)
    deductions: Mapping[str, Decimal] = field(default_factory=dict)
    # Numbers a unit typed into the bloc's locked appraisal column (an older copy): they count for nothing.
    appraised: Mapping[str, Decimal] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


def on_step(value: float, criterion: Criterion) -> Decimal:
    """The largest score not above `value` that the criterion accepts."""
    step = criterion.step or Decimal("0.25")
    clipped = max(Decimal(0), min(Decimal(str(value)), criterion.max))
    return ((clipped / step).to_integral_value(rounding=ROUND_FLOOR) * step).normalize()


def filled_values(rules: Rules, unit_code: str, profile: UnitProfile, rng: random.Random) -> dict[str, FilledValue]:
    values: dict[str, FilledValue] = {}
    for section in rules.sections:
        for criterion in section.criteria:
            if criterion.code in profile.not_applicable and criterion.na_allowed:
                values[criterion.code] = FilledValue("N/A", evidence=_evidence(rng, rules, unit_code, "na"))
                continue
            share = min(1.0, max(0.0, profile.strength + rng.uniform(-0.06, 0.04)))
            score = on_step(float(criterion.max) * share, criterion)
            evidence = _evidence(rng, rules, unit_code) if criterion.evidence_required or rng.random() < 0.3 else ""
            values[criterion.code] = FilledValue(score, profile.appraised.get(criterion.code),
                                                 profile.notes.get(criterion.code, evidence))
    for bucket_values in (profile.bonus, profile.deductions):
        for code, score in bucket_values.items():
            values[code] = FilledValue(score, profile.appraised.get(code),
                                       profile.notes.get(code, _evidence(rng, rules, unit_code)))
    for code, appraised in profile.appraised.items():
        if code not in values:
            values[code] = FilledValue(None, appraised, profile.notes.get(code, ""))
    return values


def _evidence(rng: random.Random, rules: Rules, unit_code: str, kind: str = "") -> str:
    if kind == "na":
        return "Trong năm không phát sinh nhiệm vụ này"
    return rng.choice(EVIDENCE).format(n=rng.randint(12, 480), unit=unit_code, d=rng.randint(1, 28),
                                       year=rules.year, p=rng.randint(95, 120))


def write_submissions(rules: Rules, profiles: Mapping[str, UnitProfile], folder: str | Path, *,
                      seed: int = 2024, key: SealKey | None = None) -> list[Path]:
    """One filled template per profiled unit, named as the template would be (sealed with `key` when given)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for unit in rules.units:
        if unit.code not in profiles:
            continue
        rng = random.Random(f"{seed}-{unit.code}")
        values = filled_values(rules, unit.code, profiles[unit.code], rng)
        written.append(write_template(rules, unit, out / template_filename(rules, unit), filled=values, key=key))
    return written


def random_profiles(rules: Rules, seed: int = 7) -> dict[str, UnitProfile]:
    """A profile per unit with varied strengths, some N/A, bonuses and deductions: for benchmarks."""
    rng = random.Random(seed)
    na_codes = [c.code for c in rules.criteria() if c.na_allowed]
    profiles = {}
    for unit in rules.units:
        bonus = {c.code: on_step(float(c.max) * rng.random(), c) for c in rules.bonus.criteria if rng.random() < 0.3}
        deductions = {c.code: on_step(float(c.max) * rng.random() * 0.5, c)
                      for c in rules.deductions.criteria if rng.random() < 0.15 and not c.disqualifies}
        profiles[unit.code] = UnitProfile(
            strength=rng.uniform(0.78, 0.99),
            not_applicable=tuple(code for code in na_codes if rng.random() < 0.1),
            bonus={k: v for k, v in bonus.items() if v > 0},
            deductions={k: v for k, v in deductions.items() if v > 0},
        )
    return profiles


def synthetic_rules_yaml(units: int, criteria: int = 60, *, year: int = 2024) -> str:
    """A rules file of a province-sized bloc: `units` units and about `criteria` criteria."""
    sections = 6
    per_section = max(1, (criteria - 8) // sections)
    lines = [
        "bloc: Khối thi đua tổng hợp (dữ liệu thử)", f"year: {year}", "language: vi", "decimals: 2",
        "units:",
    ]
    lines += [f"  - {{code: DV{i:05d}, name: Đơn vị số {i}}}" for i in range(1, units + 1)]
    lines.append("sections:")
    for s in range(1, sections + 1):
        lines += [f"  - code: S{s}", f"    title: Phần {s}", f"    weight: {'0.6' if s == 1 else '1'}",
                  "    criteria:"]
        for c in range(1, per_section + 1):
            extra = ", na_allowed: true" if c == per_section else ""
            extra += ", evidence_required: true" if c == 1 else ""
            lines.append(f"      - {{code: \"{s}.{c}\", title: Tiêu chí {s}.{c}, max: {2 + c % 4}, step: 0.25{extra}}}")
    lines += ["bonus:", "  cap: 5", "  criteria:"]
    lines += [f"    - {{code: B{i}, title: Điểm cộng {i}, max: 2, step: 0.5}}" for i in range(1, 5)]
    lines += ["deductions:", "  cap: 10", "  criteria:"]
    lines += [f"    - {{code: D{i}, title: Điểm trừ {i}, max: 3, step: 0.5}}" for i in range(1, 4)]
    lines.append("    - {code: D4, title: Kỷ luật, max: 5, step: 0.5, disqualifies: [flag]}")
    lines += ['tie_breakers: ["section:S1", "deductions", "bonus"]',
              "classification: [{min: 90, label: Xuất sắc}, {min: 75, label: Tốt}, {min: 0, label: Khác}]",
              "awards: {flag: {count: 3, min_score: 85}, merit: {count: 10, min_score: 80}}"]
    return "\n".join(lines) + "\n"
