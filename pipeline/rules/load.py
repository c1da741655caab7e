"""Loading a bloc-year's rules file: every key checked, every mistake reported with its line.

The whole file is checked before anything is used, so the secretary fixes every mistake in one pass.
"""

from __future__ import annotations

import errno
import hashlib
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import RuleProblem, RulesError
from pipeline.core.labels import LANGUAGES, text
from pipeline.core.text import normalise_code
from pipeline.rules import awards as awards_rules
from pipeline.rules import procedure
from pipeline.rules.model import (
    BONUS,
    DEDUCTIONS,
    HEADERS,
    NA_POLICIES,
    Bucket,
    Criterion,
    Kind,
    NaPolicy,
    Rules,
    Section,
    TieBreaker,
    Unit,
)
from pipeline.rules.yaml_errors import explain
from pipeline.rules.yaml_nodes import Checker, Node, compose

_TOP_KEYS = {
    "bloc", "bloc_email", "year", "language", "decimals", "units", "sections", "bonus", "deductions", "tie_breakers",
    "classification", "awards", "issuer", "header", "place", "revision", "basis", "appraisal", "deadline",
    "vote", "parent", "document_number", "date", "attached_to", "recipients", "signers", "seal",
    "addressee", "agreement", "proposal",
}
_REQUIRED_TOP = ("bloc", "year", "units", "sections")
_CRITERION_KEYS = {
    "code", "title", "max", "step", "na_allowed", "evidence_required", "disqualifies", "per_occurrence", "na",
    "caps_grade",
}


# Why a rules file cannot be opened, in the user's language (the operating system's text is English).
_READ_ERRORS = {errno.ENOENT: "rules.not_found", errno.EACCES: "rules.not_readable",
                errno.EPERM: "rules.not_readable", errno.EISDIR: "rules.is_folder"}


def load_rules(path: str | Path, *, lang: str | None = None) -> Rules:
    """Read and check a rules file; raise `RulesError` listing every problem found."""
    path = Path(path)
    message_lang = lang or "vi"
    try:
        raw = path.read_bytes()
    except OSError as error:
        key = _READ_ERRORS.get(error.errno or 0)
        reason = text(message_lang, key) if key else error.strerror or str(error)
        raise RulesError(str(path), [RuleProblem("", None, reason)],
                         text(message_lang, "rules.cannot_read", file=str(path))) from error
    return parse_rules(raw, source=str(path), lang=lang)


def parse_rules(raw: bytes | str, *, source: str = "<rules>", lang: str | None = None) -> Rules:
    """Check the text of a rules file and build `Rules`; `lang` overrides the file's language for messages."""
    message_lang = lang or "vi"
    heading = text(message_lang, "rules.heading", file=source)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RulesError(source, [RuleProblem("", None, text(message_lang, "rules.not_utf8"))], heading) \
                from error
    try:
        root = compose(raw)
    except yaml.YAMLError as error:
        line, said = explain(error, message_lang)
        problem = RuleProblem("", line, said)
        raise RulesError(source, [problem], heading) from error
    if root is None or not isinstance(root.value, dict):
        raise RulesError(source, [RuleProblem("", None, text(message_lang, "rules.empty"))], heading)

    declared = root.value.get("language")
    if lang is None and declared is not None and declared.value in LANGUAGES:
        message_lang = declared.value
        heading = text(message_lang, "rules.heading", file=source)
    check = Checker(message_lang)
    rules = _build(check, root, source)
    if check.problems:
        raise RulesError(source, sorted(check.problems, key=lambda p: p.line or 0), heading)
    assert rules is not None
    return replace(rules, warnings=tuple(sorted(check.warnings, key=lambda p: p.line or 0)))


def _build(check: Checker, root: Node, source: str) -> Rules | None:
    top = check.mapping(root, "", _TOP_KEYS, _REQUIRED_TOP)
    bloc = check.string(top.get("bloc"), "bloc")
    year = check.integer(top.get("year"), "year", default=0, low=2000, high=2100) if "year" in top else 0
    language = check.string(top.get("language"), "language", required=False, default="vi")
    if language not in LANGUAGES:
        check.problem("language", top.get("language"), "bad_choice", value=language, choices=", ".join(LANGUAGES))
        language = "vi"
    decimals = check.integer(top.get("decimals"), "decimals", default=2, low=0, high=6)
    header = check.string(top.get("header"), "header", required=False, default="party")
    if header not in HEADERS:
        check.problem("header", top.get("header"), "bad_choice", value=header, choices=", ".join(HEADERS))

    seen_codes: dict[str, str] = {}

    def claim(code: str, path: str, node: Node | None) -> None:
        if code in seen_codes:
            check.problem(path, node, "duplicate_code", code=code, first=seen_codes[code])
        else:
            seen_codes[code] = path

    units = _units(check, top.get("units"))
    awards = awards_rules.awards(check, top.get("awards"))
    award_keys = {a.key for a in awards}
    sections = _sections(check, top.get("sections"), claim, award_keys)
    classification = awards_rules.classification(check, top.get("classification"))
    grade_labels = tuple(t.label for t in classification)
    bonus = _bucket(check, top.get("bonus"), BONUS, claim, award_keys, grade_labels)
    deductions = _bucket(check, top.get("deductions"), DEDUCTIONS, claim, award_keys, grade_labels)
    tie_breakers = _tie_breakers(check, top.get("tie_breakers"), {s.code for s in sections})
    revision = check.integer(top.get("revision"), "revision", default=1, low=1, high=999)
    reason_required = procedure.reason_required(check, top.get("appraisal"))
    by, trim, min_scorers = procedure.peers(check, top.get("appraisal"), len(units))
    vote = procedure.vote(check, top.get("vote"), [a.key for a in awards])
    unsealed, unsealed_reason = procedure.accept_unsealed(check, top.get("seal"), [u.code for u in units])

    rules = Rules(
        bloc=bloc, year=year, language=language, decimals=decimals, units=units, sections=sections,
        bonus=bonus, deductions=deductions, tie_breakers=tie_breakers, classification=classification,
        awards=awards,
        issuer=check.string(top.get("issuer"), "issuer", required=False, default=bloc),
        header=header,
        place=check.string(top.get("place"), "place", required=False),
        revision=revision,
        basis=check.string(top.get("basis"), "basis", required=False),
        source=source,
        appraisal_reason_required=reason_required,
        deadline=procedure.day(check, top.get("deadline"), "deadline"),
        appraisal_by=by, peer_trim=trim, peer_min_scorers=min_scorers,
        vote=vote,
        parent=check.string(top.get("parent"), "parent", required=False),
        document_number=check.string(top.get("document_number"), "document_number", required=False),
        date=procedure.day(check, top.get("date"), "date"),
        attached_to=procedure.reference(check, top.get("attached_to"), "attached_to"),
        addressee=procedure.texts(check, top.get("addressee"), "addressee"),
        agreement=check.string(top.get("agreement"), "agreement", required=False),
        proposal=procedure.numbering(check, top.get("proposal"), "proposal"),
        recipients=tuple(check.string(item, f"recipients[{index}]")
                         for index, item in enumerate(check.sequence(top.get("recipients"), "recipients",
                                                                     required=False))),
        signers=procedure.signers(check, top.get("signers")),
        bloc_email=procedure.emails(check, top.get("bloc_email"), "bloc_email"),
        accept_unsealed=unsealed, accept_unsealed_reason=unsealed_reason,
        year_line=top["year"].line if "year" in top else None,
    )
    return Rules(**{**rules.__dict__, "fingerprint": fingerprint(rules)})


def _code(check: Checker, node: Node | None, path: str) -> str:
    if node is None or node.value in (None, ""):
        check.problem(path, node, "missing_text")
        return ""
    value = node.value
    if isinstance(value, Decimal):
        # `code: 1.10` would silently become 1.1; codes are labels, so they must be quoted text.
        check.problem(path, node, "code_not_text", value=format(value, "f"))
        return format(value, "f")
    check.code(node, path, str(value))
    return normalise_code(str(value))


def _units(check: Checker, node: Node | None) -> tuple[Unit, ...]:
    units: list[Unit] = []
    seen: set[str] = set()
    for i, item in enumerate(check.sequence(node, "units")):
        path = f"units[{i}]"
        fields = check.mapping(item, path, {"code", "name", "parent", "email", "previous"}, ("code", "name"))
        code = _code(check, fields.get("code"), f"{path}.code") if "code" in fields else ""
        name = check.string(fields.get("name"), f"{path}.name") if "name" in fields else ""
        parent = check.string(fields.get("parent"), f"{path}.parent") if "parent" in fields else ""
        if code and code in seen:
            check.problem(f"{path}.code", fields.get("code"), "duplicate_unit", code=code)
        seen.add(code)
        previous = tuple(
            _code(check, entry, f"{path}.previous[{j}]")
            for j, entry in enumerate(check.sequence(fields.get("previous"), f"{path}.previous", required=False))
        )
        units.append(Unit(code, name, procedure.emails(check, fields.get("email"), f"{path}.email"), previous, parent))
    return tuple(units)


def _criterion(
    check: Checker, node: Node, path: str, kind: Kind, group: str, claim: Any, award_keys: set[str],
    grade_labels: tuple[str, ...] = (), section_na: NaPolicy = "rescale",
) -> Criterion:
    # N/A exists only for base criteria (a blank bonus or deduction already means 0), and only a deduction
    # can cost a unit its eligibility for an award.
    allowed = {
        "base": _CRITERION_KEYS - {"disqualifies", "per_occurrence", "caps_grade"},
        "bonus": _CRITERION_KEYS - {"na_allowed", "disqualifies", "na", "caps_grade"},
        "deduction": _CRITERION_KEYS - {"na_allowed", "na"},
    }[kind]
    fields = check.mapping(node, path, allowed, ("code", "title", "max"))
    # A key this kind of criterion does not allow is reported once, as unknown, and otherwise ignored.
    fields = {key: value for key, value in fields.items() if key in allowed}
    code = _code(check, fields.get("code"), f"{path}.code") if "code" in fields else ""
    if code:
        claim(code, f"{path}.code", fields.get("code"))
    title = check.string(fields.get("title"), f"{path}.title") if "title" in fields else ""
    maximum = check.number(fields.get("max"), f"{path}.max", positive=True) or Decimal(0)
    step = check.number(fields.get("step"), f"{path}.step", positive=True)
    if step is not None and step > 0 and maximum > 0 and maximum % step != 0:
        check.problem(f"{path}.step", fields.get("step"), "step_divides_max", step=step, max=maximum)
    disqualifies: list[str] = []
    for j, item in enumerate(check.sequence(fields.get("disqualifies"), f"{path}.disqualifies", required=False)):
        key = check.string(item, f"{path}.disqualifies[{j}]")
        if key and key not in award_keys:
            check.problem(f"{path}.disqualifies[{j}]", item, "unknown_award", key=key,
                          known=", ".join(sorted(award_keys)) or "—")
        disqualifies.append(key)
    per_occurrence = check.number(fields.get("per_occurrence"), f"{path}.per_occurrence", positive=True)
    if per_occurrence is not None and step is not None:
        # The cell holds a count of occurrences, always whole: a step would say something else.
        check.problem(f"{path}.step", fields.get("step"), "step_with_per_occurrence")
    na = check.choice(fields.get("na"), f"{path}.na", NA_POLICIES, section_na)
    caps_grade = check.string(fields.get("caps_grade"), f"{path}.caps_grade", required=False) or None
    if caps_grade is not None and caps_grade not in grade_labels:
        check.problem(f"{path}.caps_grade", fields.get("caps_grade"), "unknown_grade", value=caps_grade,
                      known=", ".join(grade_labels) or "—")
    return Criterion(
        code=code, title=title, max=maximum, kind=kind, group=group, step=step,
        na_allowed=check.boolean(fields.get("na_allowed"), f"{path}.na_allowed"),
        evidence_required=check.boolean(fields.get("evidence_required"), f"{path}.evidence_required"),
        disqualifies=tuple(disqualifies), per_occurrence=per_occurrence, na=na, caps_grade=caps_grade,
    )


def _sections(check: Checker, node: Node | None, claim: Any, award_keys: set[str]) -> tuple[Section, ...]:
    sections: list[Section] = []
    for i, item in enumerate(check.sequence(node, "sections")):
        path = f"sections[{i}]"
        fields = check.mapping(item, path, {"code", "title", "weight", "criteria", "na"},
                               ("code", "title", "criteria"))
        section_na = check.choice(fields.get("na"), f"{path}.na", NA_POLICIES, "rescale")
        code = _code(check, fields.get("code"), f"{path}.code") if "code" in fields else ""
        if code:
            claim(code, f"{path}.code", fields.get("code"))
        title = check.string(fields.get("title"), f"{path}.title") if "title" in fields else ""
        weight = check.number(fields.get("weight"), f"{path}.weight", default=Decimal(1), positive=True)
        criteria = tuple(
            _criterion(check, c, f"{path}.criteria[{j}]", "base", code, claim, award_keys,
                       section_na=section_na)
            for j, c in enumerate(check.sequence(fields.get("criteria"), f"{path}.criteria"))
        )
        sections.append(Section(code, title, weight or Decimal(1), criteria))
    return tuple(sections)


def _bucket(check: Checker, node: Node | None, name: str, claim: Any, award_keys: set[str],
            grade_labels: tuple[str, ...]) -> Bucket:
    if node is None:
        return Bucket("", None, ())
    fields = check.mapping(node, name, {"title", "cap", "criteria"}, ("criteria",))
    kind: Kind = "bonus" if name == BONUS else "deduction"
    criteria = tuple(
        _criterion(check, c, f"{name}.criteria[{j}]", kind, name, claim, award_keys, grade_labels)
        for j, c in enumerate(check.sequence(fields.get("criteria"), f"{name}.criteria"))
    )
    cap = check.number(fields.get("cap"), f"{name}.cap", minimum=Decimal(0))
    return Bucket(check.string(fields.get("title"), f"{name}.title", required=False), cap, criteria)


def _tie_breakers(check: Checker, node: Node | None, section_codes: set[str]) -> tuple[TieBreaker, ...]:
    breakers: list[TieBreaker] = []
    for i, item in enumerate(check.sequence(node, "tie_breakers", required=False)):
        value = check.string(item, f"tie_breakers[{i}]")
        kind, _, section = value.partition(":")
        if value == BONUS:
            breakers.append(TieBreaker("bonus"))
        elif value == DEDUCTIONS:
            breakers.append(TieBreaker("deductions"))
        elif kind == "section" and normalise_code(section) in section_codes:
            breakers.append(TieBreaker("section", normalise_code(section)))
        else:
            choices = ", ".join([*(f"section:{c}" for c in sorted(section_codes)), DEDUCTIONS, BONUS])
            check.problem(f"tie_breakers[{i}]", item, "unknown_tie_breaker", value=value, choices=choices)
    return tuple(breakers)


def fingerprint(rules: Rules) -> str:
    """A short hash of everything that changes how a template is filled in or scored.

    Titles are left out on purpose: rewording a criterion does not make last month's template wrong.
    """

    def criteria(items: tuple[Criterion, ...]) -> list[list[str | bool]]:
        # A per-occurrence item changes what the unit types (a count): old templates must be refused.
        return [[c.code, str(c.max), str(c.step or ""), c.na_allowed, *([str(c.per_occurrence)]
                 if c.per_occurrence is not None else [])] for c in items]

    shape = {
        "bloc": rules.bloc,
        "year": rules.year,
        "sections": [[s.code, str(s.weight), criteria(s.criteria)] for s in rules.sections],
        "bonus": [str(rules.bonus.cap or ""), criteria(rules.bonus.criteria)],
        "deductions": [str(rules.deductions.cap or ""), criteria(rules.deductions.criteria)],
    }
    canonical = json.dumps(shape, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def with_year_warning(rules: Rules, today: date, lang: str | None = None) -> Rules:
    """The rules with a warning at their `year:` line when the year is more than a year from `today`'s:
    a typo (2062 for 2026) that every unit's file would otherwise be blamed for."""
    if not rules.year or abs(rules.year - today.year) <= 1:
        return rules
    warning = RuleProblem("year", rules.year_line, text(lang or rules.language, "rules.year_far",
                                                        year=rules.year, today=today.year))
    return replace(rules, warnings=tuple(sorted([*rules.warnings, warning], key=lambda p: p.line or 0)))
