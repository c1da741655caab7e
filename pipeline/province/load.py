"""Loading `province.yaml`: every key checked, every mistake located (`province.yaml:12 (blocs[2].results)`),
through the same YAML nodes and checker as a bloc's rules file (pipeline/rules/yaml_nodes.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import RuleProblem, RulesError
from pipeline.core.labels import LANGUAGES, text
from pipeline.core.text import normalise_code
from pipeline.province.model import (
    DEFAULT_PAST_YEARS,
    PROVINCE_FILE,
    BlocEntry,
    Decision,
    Province,
    ProvinceAward,
)
from pipeline.rules import procedure
from pipeline.rules.awards import SHARE_BASES
from pipeline.rules.model import HEADERS
from pipeline.rules.yaml_errors import explain
from pipeline.rules.yaml_nodes import Checker, Node, compose

_TOP_KEYS = {
    "province", "board", "year", "language", "decimals", "header", "place", "document_number", "date", "proposal",
    "addressee", "basis", "recipients", "signers", "blocs", "awards", "past_years",
}
_REQUIRED_TOP = ("province", "board", "year", "blocs")
_BLOC_KEYS = {"code", "name", "folder", "results", "fingerprint", "archive"}
_AWARD_KEYS = {"label", "from", "count", "share", "share_of", "decided"}
_FINGERPRINT = re.compile(r"[0-9a-f]{6,64}")


class _Check(Checker):
    """The rules' checker, with the province's own messages (locale section `province:`)."""

    def own(self, path: str, node: Node | None, message_key: str, /, **params: Any) -> None:
        self.problems.append(RuleProblem(path, node.line if node else None,
                                         text(self.lang, f"province.{message_key}", **params)))


def load_province(path: str | Path, *, lang: str | None = None) -> Province:
    """Read and check a province.yaml (or the province.yaml of a folder); raise `RulesError` listing every
    problem found, each with its line."""
    path = Path(path)
    if path.is_dir():
        path = path / PROVINCE_FILE
    message_lang = lang or "vi"
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = text(message_lang, "rules.not_found" if not path.exists() else "rules.not_readable")
        raise RulesError(str(path), [RuleProblem("", None, reason)],
                         text(message_lang, "province.cannot_read", file=str(path))) from error
    return parse_province(raw, root=path.parent, source=str(path), lang=lang)


def parse_province(raw: bytes | str, *, root: Path, source: str = PROVINCE_FILE, lang: str | None = None) -> Province:
    """Check the text of a province.yaml whose folder is `root`; `lang` overrides the file's for messages."""
    message_lang = lang or "vi"
    heading = text(message_lang, "province.heading", file=source)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RulesError(source, [RuleProblem("", None, text(message_lang, "rules.not_utf8"))], heading) \
                from error
    try:
        top_node = compose(raw)
    except yaml.YAMLError as error:
        line, said = explain(error, message_lang)
        raise RulesError(source, [RuleProblem("", line, said)], heading) from error
    if top_node is None or not isinstance(top_node.value, dict):
        raise RulesError(source, [RuleProblem("", None, text(message_lang, "rules.empty"))], heading)
    declared = top_node.value.get("language")
    if lang is None and declared is not None and declared.value in LANGUAGES:
        message_lang = declared.value
        heading = text(message_lang, "province.heading", file=source)
    check = _Check(message_lang)
    province = _build(check, top_node, root, source)
    if check.problems:
        raise RulesError(source, sorted(check.problems, key=lambda p: p.line or 0), heading)
    return province


def _build(check: _Check, root_node: Node, root: Path, source: str) -> Province:
    top = check.mapping(root_node, "", _TOP_KEYS, _REQUIRED_TOP)
    year = check.integer(top.get("year"), "year", default=0, low=2000, high=2100) if "year" in top else 0
    language = check.string(top.get("language"), "language", required=False, default="vi")
    if language not in LANGUAGES:
        check.problem("language", top.get("language"), "bad_choice", value=language, choices=", ".join(LANGUAGES))
        language = "vi"
    header = check.choice(top.get("header"), "header", HEADERS, "party")
    blocs = _blocs(check, top.get("blocs"), root)
    awards = _awards(check, top.get("awards"), {b.code for b in blocs})
    return Province(
        province=check.string(top.get("province"), "province") if "province" in top else "",
        board=check.string(top.get("board"), "board") if "board" in top else "",
        year=year, blocs=blocs, awards=awards, root=root, source=source, language=language,
        decimals=check.integer(top.get("decimals"), "decimals", default=2, low=0, high=6),
        header=header,
        place=check.string(top.get("place"), "place", required=False),
        document_number=check.string(top.get("document_number"), "document_number", required=False),
        date=procedure.day(check, top.get("date"), "date"),
        proposal=procedure.numbering(check, top.get("proposal"), "proposal"),
        addressee=procedure.texts(check, top.get("addressee"), "addressee"),
        basis=check.string(top.get("basis"), "basis", required=False),
        recipients=tuple(check.string(item, f"recipients[{index}]") for index, item in
                         enumerate(check.sequence(top.get("recipients"), "recipients", required=False))),
        signers=procedure.signers(check, top.get("signers")),
        past_years=check.integer(top.get("past_years"), "past_years", default=DEFAULT_PAST_YEARS, low=0, high=30),
    )


def _blocs(check: _Check, node: Node | None, root: Path) -> tuple[BlocEntry, ...]:
    blocs: list[BlocEntry] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(check.sequence(node, "blocs")):
        path = f"blocs[{index}]"
        fields = check.mapping(item, path, _BLOC_KEYS, ("code", "name"))
        code = _code(check, fields.get("code"), f"{path}.code") if "code" in fields else ""
        if code in seen:
            check.problem(f"{path}.code", fields.get("code"), "duplicate_code", code=code, first=seen[code])
        elif code:
            seen[code] = f"{path}.code"
        name = check.string(fields.get("name"), f"{path}.name") if "name" in fields else ""
        folder = _path(check, fields.get("folder"), f"{path}.folder", root)
        results = _path(check, fields.get("results"), f"{path}.results", root)
        if (folder is None) == (results is None):
            check.own(path, item, "bloc_needs_one_source")
        fingerprint = check.string(fields.get("fingerprint"), f"{path}.fingerprint", required=False).lower()
        if fingerprint and not _FINGERPRINT.fullmatch(fingerprint):
            check.own(f"{path}.fingerprint", fields.get("fingerprint"), "bad_fingerprint", value=fingerprint)
        if fingerprint and results is None and folder is not None:
            check.own(f"{path}.fingerprint", fields.get("fingerprint"), "fingerprint_needs_results")
        blocs.append(BlocEntry(code, name, folder, results, fingerprint,
                               _path(check, fields.get("archive"), f"{path}.archive", root), item.line))
    return tuple(blocs)


def _awards(check: _Check, node: Node | None, bloc_codes: set[str]) -> tuple[ProvinceAward, ...]:
    if node is None:
        return ()
    if not isinstance(node.value, dict):
        check.problem("awards", node, "not_a_mapping")
        return ()
    awards: list[ProvinceAward] = []
    for key, item in check.mapping(node, "awards", set(node.value), ()).items():
        path = f"awards.{key}"
        check.code(item, path, key)
        fields = check.mapping(item, path, _AWARD_KEYS, ("label", "from"))
        if fields and "count" not in fields and "share" not in fields:
            check.problem(path, item, "award_needs_quota")
        earlier = {a.key for a in awards}
        sources: list[str] = []
        for index, named in enumerate(check.sequence(fields.get("from"), f"{path}.from")):
            value = check.string(named, f"{path}.from[{index}]")
            # Its own key names the blocs' award of that key (merit from the blocs' merit); another province
            # award's key names that award, whose proposed units are then the candidates: one listed before.
            if value != key and value in node.value and value not in earlier:
                check.own(f"{path}.from[{index}]", named, "award_from_later", key=value)
            sources.append(value)
        awards.append(ProvinceAward(
            key=key,
            label=check.string(fields.get("label"), f"{path}.label") if "label" in fields else "",
            sources=tuple(sources),
            count=check.integer(fields.get("count"), f"{path}.count", default=1, low=0, high=100000)
            if "count" in fields else None,
            share=check.share(fields.get("share"), f"{path}.share"),
            share_of=check.choice(fields.get("share_of"), f"{path}.share_of", SHARE_BASES, "units"),
            decided=_decided(check, fields.get("decided"), f"{path}.decided", bloc_codes) if "decided" in fields
            else None,
            line=item.line,
        ))
    return tuple(awards)


def _decided(check: _Check, node: Node | None, path: str, bloc_codes: set[str]) -> tuple[Decision, ...]:
    """`decided: [CQD/VPTU, MTDT/HND]`: each a bloc's code and its unit's code; the board may decide none."""
    decisions = []
    for index, item in enumerate(check.sequence(node, path, required=False)):
        value = check.string(item, f"{path}[{index}]")
        bloc, slash, unit = value.partition("/")
        bloc, unit = normalise_code(bloc), normalise_code(unit)
        if not slash or not bloc or not unit:
            check.own(f"{path}[{index}]", item, "decided_form", value=value)
            continue
        if bloc not in bloc_codes:
            check.own(f"{path}[{index}]", item, "decided_unknown_bloc", bloc=bloc,
                      known=", ".join(sorted(bloc_codes)) or "—")
        decisions.append(Decision(bloc, unit, item.line))
    return tuple(decisions)


def _code(check: _Check, node: Node | None, path: str) -> str:
    value = check.string(node, path)
    if not check.code(node or Node(None, 0), path, value):
        return value
    if "/" in value:  # `decided:` writes BLOC/UNIT
        check.own(path, node, "code_slash", value=value)
    return normalise_code(value)


def _path(check: _Check, node: Node | None, path: str, root: Path) -> Path | None:
    written = check.string(node, path, required=False)
    if not written:
        return None
    found = Path(written)
    return found if found.is_absolute() else root / found
