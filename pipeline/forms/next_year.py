"""Next year's rules file made from this year's: year + 1, revision 1, the same units and criteria, comments kept.

The file is edited as text where its values stand (`year`, `revision`, `deadline`, each unit's `previous`),
so every comment and the layout survive; the edited text is loaded back and checked against this year's
rules, and a file those edits cannot be made on is written from the data instead, under a header comment.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import BlocScoreError, RulesError
from pipeline.core.labels import text
from pipeline.core.own_files import OWN_FILES
from pipeline.outputs.write import output_error
from pipeline.rules.load import load_rules, parse_rules
from pipeline.rules.model import Rules
from pipeline.workspace.folders import ARCHIVE, BLOC, INPUT, OUTPUT
from pipeline.workspace.seal_keys import RETIRED_FOLDER, SEAL_FILE

# Shown of each line that still names this year: enough to find it in an editor.
MAX_LINE_SHOWN = 100


@dataclass(frozen=True)
class NextYear:
    """What `write_next_year` wrote, and what the secretary must review in it."""

    path: Path
    rules: Rules
    comments_kept: bool
    review: list[str]  # in the user's language, one item each


def next_year_name(source: Path, year: int) -> str:
    """`khoi-2024.yaml` → `khoi-2025.yaml`; a name without the year gets it appended."""
    pattern = re.compile(rf"(?<!\d){year}(?!\d)")
    if pattern.search(source.stem):
        return pattern.sub(str(year + 1), source.stem) + source.suffix
    return f"{source.stem}-{year + 1}{source.suffix or '.yaml'}"


def write_next_year(source: Path, folder: Path, lang: str | None = None) -> NextYear:
    """Write next year's rules file into `folder`, never over an existing file."""
    rules = load_rules(source, lang=lang)
    lang = lang or rules.language
    target = folder / next_year_name(source, rules.year)
    if target.exists():
        raise BlocScoreError(text(lang, "next_year.exists", path=str(target), source=str(source)))
    original = source.read_text(encoding="utf-8-sig")
    header = text(lang, "next_year.header", year=rules.year + 1, source=source.name, previous=rules.year)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    edited = _edited(original, rules)
    kept = edited is not None and _same_table(edited, rules, str(target))
    content = comment + (edited if kept and edited is not None else _regenerated(original, rules))
    new_rules = parse_rules(content, source=str(target), lang=lang)
    review = _review(rules, new_rules, content, comment.count("\n"), lang)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="") as handle:  # "x": never over a file made meanwhile
            handle.write(content)
        os.chmod(target, 0o644)
    except FileExistsError as error:
        raise BlocScoreError(text(lang, "next_year.exists", path=str(target), source=str(source))) from error
    except OSError as error:
        raise output_error(error, target, lang) from error
    return NextYear(target, new_rules, kept, review)


def _edited(original: str, rules: Rules) -> str | None:
    """This year's text with the values that change edited in place; None when its shape is not the usual."""
    try:
        root = yaml.compose(original, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    edits: list[tuple[int, int, str]] = []
    top = {key.value: (key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    edits.append(_replace(top["year"][1], str(rules.year + 1)))
    if "revision" in top:
        edits.append(_replace(top["revision"][1], "1"))
    if "deadline" in top and rules.deadline is not None:
        edits.append(_replace(top["deadline"][1], shifted(rules.deadline).isoformat()))
    units = top.get("units", (None, None))[1]
    for unit in units.value if isinstance(units, yaml.SequenceNode) else []:
        if isinstance(unit, yaml.MappingNode):
            span = _pair_span(original, unit, "previous")
            if span:
                edits.append((*span, ""))
    result = original
    for start, end, new in sorted(edits, reverse=True):
        result = result[:start] + new + result[end:]
    return result


def _replace(node: yaml.Node, new: str) -> tuple[int, int, str]:
    quote = node.style if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"') else ""
    return node.start_mark.index, node.end_mark.index, f"{quote}{new}{quote}"


def _pair_span(source: str, mapping: yaml.MappingNode, key: str) -> tuple[int, int] | None:
    """Where `key: value` stands in `source`, with the comma or the line that goes with it."""
    pairs = mapping.value
    index = next((i for i, (k, _) in enumerate(pairs) if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    if index is None:
        return None
    key_node, value_node = pairs[index]
    if mapping.flow_style:  # {code: X, name: Y, previous: [A, B]}
        if index > 0:
            return pairs[index - 1][1].end_mark.index, value_node.end_mark.index
        if len(pairs) > 1:
            return key_node.start_mark.index, pairs[1][0].start_mark.index
        return None
    # A block mapping: the lines from the key to the value's end, when nothing else stands on them.
    line_start = source.rfind("\n", 0, key_node.start_mark.index) + 1
    if source[line_start:key_node.start_mark.index].strip():
        return None  # `- previous: …` opens the item: removing the line would remove the item's dash
    end = _last_index(value_node)
    line_end = source.find("\n", end)
    return line_start, len(source) if line_end < 0 else line_end + 1


def _last_index(node: yaml.Node) -> int:
    # A block sequence ends where the next token starts (the next key's line): its last item ends it here.
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _last_index(node.value[-1])
    return int(node.end_mark.index)


def _same_table(edited: str, rules: Rules, source: str) -> bool:
    """The edits changed the year, the revision and `previous` only: units and criteria are this year's."""
    try:
        new = parse_rules(edited, source=source)
    except RulesError:
        return False
    return (new.year == rules.year + 1 and new.revision == 1 and all(not u.previous for u in new.units)
            and [(u.code, u.name, u.email) for u in new.units] == [(u.code, u.name, u.email) for u in rules.units]
            and list(new.criteria()) == list(rules.criteria()) and new.sections == rules.sections)


def _regenerated(original: str, rules: Rules) -> str:
    """The same data written afresh (comments lost): for a file whose layout the edits could not follow."""
    data: dict[str, Any] = yaml.safe_load(original)
    data["year"] = rules.year + 1
    data["revision"] = 1
    if rules.deadline is not None:
        data["deadline"] = shifted(rules.deadline)
    for unit in data.get("units") or []:
        if isinstance(unit, dict):
            unit.pop("previous", None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def shifted(day: date) -> date:
    """The same day a year later; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _review(old: Rules, new: Rules, content: str, header_lines: int, lang: str) -> list[str]:
    """What the secretary must check before sending next year's templates."""

    def t(name: str, /, **params: Any) -> str:
        return text(lang, f"next_year.{name}", **params)

    items = [t("review_year_first" if old.revision == 1 else "review_year", previous=old.year, year=new.year,
               revision=old.revision)]
    if new.deadline is not None and old.deadline is not None:
        items.append(t("review_deadline", previous=old.deadline.isoformat(), deadline=new.deadline.isoformat()))
    else:
        items.append(t("review_no_deadline"))
    for award in new.awards:
        label = award.label or text(lang, f"award.{award.key}")
        items.append(t("review_award", key=award.key, label=label, count=award.count if award.count else "—",
                       share=award.share if award.share is not None else "—", min_score=award.min_score))
    items.append(t("review_basis", basis=new.basis) if new.basis else t("review_no_basis"))
    # Numbers and signing dates belong to one year's documents: carried over, they would print on next year's.
    numbered = [key for key, given in (
        ("document_number", old.document_number), ("date", old.date),
        ("attached_to", old.attached_to and (old.attached_to.number or old.attached_to.date)),
        ("proposal", old.proposal.number or old.proposal.date)) if given]
    if numbered:
        items.append(t("review_documents", keys=", ".join(numbered), year=old.year))
    items.append(t("review_units", count=len(new.units)))
    if any(unit.previous for unit in old.units):
        items.append(t("review_previous_dropped", year=old.year))
    lines = content.splitlines()
    mentions = [(number, line.strip()) for number, line in enumerate(lines[header_lines:], start=header_lines + 1)
                if re.search(rf"(?<!\d){old.year}(?!\d)", line)]
    for number, line in mentions:
        shown = line if len(line) <= MAX_LINE_SHOWN else line[: MAX_LINE_SHOWN - 1] + "…"
        items.append(t("review_mention", line=number, year=old.year, text=shown))
    return items



# What stays in bloc/ when a year is archived: the bloc's key, its retired keys and the folder's note.
KEPT_IN_BLOC = frozenset({SEAL_FILE, RETIRED_FOLDER, "README.txt"})


@dataclass(frozen=True)
class Archived:
    """What `archive_year` moved: into which folder, and how many files or folders from each place."""

    folder: Path
    moved: dict[str, int]  # "input/", "output/", "bloc/" → how many entries moved from there


def archive_year(root: Path, year: int, lang: str) -> Archived:
    """Move this year's `input/`, `output/` and the bloc's workbooks (everything in `bloc/` but its key, its
    retired keys and README.txt) into `archive/<year>/`, leaving those folders empty for next year. Moves
    nothing if `archive/<year>/` is there or a workbook is open; puts back what it moved if a move fails."""
    target = root / ARCHIVE / str(year)
    if target.exists():
        raise BlocScoreError(text(lang, "next_year.archive_exists", folder=str(target), year=year))
    moves: list[tuple[Path, Path]] = []
    for folder in (INPUT, OUTPUT, BLOC):
        here = root / folder
        entries = sorted(here.iterdir()) if here.is_dir() else []
        open_books = [p for p in entries if p.name.startswith(("~$", ".~lock."))]
        if open_books:
            raise BlocScoreError(text(lang, "next_year.archive_open", file=str(open_books[0])))
        moves += [(entry, target / folder / entry.name) for entry in entries if entry.name not in OWN_FILES
                  and not (folder == BLOC and entry.name in KEPT_IN_BLOC)]
    done: list[tuple[Path, Path]] = []
    try:
        for source, destination in moves:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, destination)  # the same disk: a rename, never a copy
            done.append((source, destination))
    except OSError as error:
        for source, destination in reversed(done):
            with contextlib.suppress(OSError):  # put back what can be: the message names what failed
                os.rename(destination, source)
        raise BlocScoreError(text(lang, "next_year.archive_failed", file=str(error.filename or target),
                                  reason=error.strerror or str(error), folder=str(target))) from error
    target.mkdir(parents=True, exist_ok=True)
    counts = {f"{folder.as_posix()}/": sum(1 for source, _ in moves if source.parent == root / folder)
              for folder in (INPUT, OUTPUT, BLOC)}
    return Archived(target, counts)
