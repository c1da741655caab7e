"""The bloc's own workbooks as read: the appraisal workbook (or a unit's cross-scoring one) and the vote's tally.

Each is recognised by its identity sheet (pipeline/reading/read.py) and read here by its header labels; what its
cells mean is checked later, in appraisal_checks.py, peer_checks.py and vote.py.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import python_calamine

from pipeline.core.cells import cell_address, parse_address
from pipeline.core.labels import LANGUAGES, text
from pipeline.core.text import clean, fold, normalise_code
from pipeline.reading.archive import MAX_ROWS
from pipeline.reading.table import header_row, plain, sheet_overrides, table_rows
from pipeline.rules.layout import (
    APPRAISAL_KEYS,
    APPRAISAL_KIND,
    APPRAISAL_SHEET,
    HELD,
    IDENTITY_SHEET,
    MADE_FROM_FILE,
    MADE_FROM_SELF,
    PEER_KIND,
    TALLY_BALLOT_CELLS,
    TALLY_CANDIDATES,
    TALLY_COMMITTEE_CELLS,
    TALLY_DATE_CELL,
    TALLY_HEAD_CELL,
    TALLY_KEYS,
    TALLY_KEYS_V1,
    TALLY_MEMBER_KEYS,
    TALLY_PLACE_CELL,
    TALLY_TIME_CELL,
)


class AppraisalRow(NamedTuple):
    """One criterion row of a unit's sheet in the appraisal workbook, cells as calamine returns them."""

    row: int  # 0-based sheet row
    code: str
    self_score: Any  # as the workbook shows it: what the appraisal was made from
    appraised: Any
    reason: str


@dataclass
class AppraisalSheet:
    """A unit's sheet of the appraisal workbook; `header_row` None when its table was not found."""

    unit_code: str
    sheet: str
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[AppraisalRow] = field(default_factory=list)


@dataclass
class AppraisalBook:
    """What the bloc's appraisal workbook holds: a sheet per unit, and what it was made from."""

    sheets: dict[str, AppraisalSheet] = field(default_factory=dict)  # unit code → its sheet
    made_from_self: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, criterion) → self-score
    made_from_file: dict[str, str] = field(default_factory=dict)  # unit → the SHA-256 of its file then
    # unit → criterion → (value, reason): appraisals held for a unit the workbook has no table for (HELD)
    held: dict[str, dict[str, tuple[Any, str]]] = field(default_factory=dict)
    kind: str = APPRAISAL_KIND  # or PEER_KIND: a unit's cross-scoring workbook
    scorer: str = ""  # a cross-scoring workbook's unit, who scores the others
    names: list[str] = field(default_factory=list)  # every sheet of the workbook

    @property
    def blank(self) -> bool:
        """Still as `bloc-score appraisal` made it: every table found, and not one score or reason written."""
        sheets = list(self.sheets.values())
        rows = [row for sheet in sheets for row in sheet.rows]
        return bool(rows) and not self.held and all(sheet.header_row is not None for sheet in sheets) and all(
            _empty(row.appraised) and not row.reason for row in rows)


class TallyRow(NamedTuple):
    """One candidate's row of the tally, cells as calamine returns them; `cells` locates each by key."""

    row: int  # 0-based sheet row
    award: str
    code: str
    present: Any  # version 1 only: version 2 counts those present once, in the members' list
    votes: Any  # agree
    cells: dict[str, str]
    against: Any = None  # version 2: disagree
    spoilt: Any = None  # version 2: the ballots invalid for this candidate


class TallyMember(NamedTuple):
    """A member unit in version 2's list of those present: its mark ("x") as typed."""

    row: int
    code: str
    name: str
    mark: Any
    cell: str  # the mark's cell


@dataclass
class TallyBook:
    """What the bloc's tally holds: its rows, the meeting's place and date, and the candidates it was made for;
    from version 2, the whole count: the start time, the ballots, the members present, the counting committee."""

    sheet: str
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[TallyRow] = field(default_factory=list)
    candidates: dict[str, list[str]] = field(default_factory=dict)  # award key → unit codes, as made
    candidates_cell: dict[str, str] = field(default_factory=dict)  # award key → its identity cell
    place: str = ""
    date: Any = None
    version: int = 1
    time: Any = None
    ballots: dict[str, Any] = field(default_factory=dict)  # issued, returned, valid, invalid → as typed
    members_row: int | None = None  # the members' list's header, when found
    members: list[TallyMember] = field(default_factory=list)
    head: str = ""  # the counting committee's head
    committee: list[str] = field(default_factory=list)  # its members, as typed (blanks left out)

    @property
    def blank(self) -> bool:
        """Still as `bloc-score ballot` made it: its table found, and no count, place, date or name written."""
        return self.header_row is not None and bool(self.rows) and not self.place and _empty(self.date) and all(
            _empty(row.present) and _empty(row.votes) and _empty(row.against) and _empty(row.spoilt)
            for row in self.rows) and _empty(self.time) and all(_empty(v) for v in self.ballots.values()) and all(
            _empty(m.mark) for m in self.members) and not self.head and not self.committee


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_appraisal(identity: dict[str, str], kind_of_file: str, book: python_calamine.CalamineWorkbook,
                   data: bytes, members: list[zipfile.ZipInfo] | None = None) -> AppraisalBook:
    """The bloc's appraisal workbook: each unit's sheet named in its identity, found by its header labels
    (`members`: the package's parts, where they were listed already)."""
    kind = PEER_KIND if identity.get("kind") == PEER_KIND else APPRAISAL_KIND
    found = AppraisalBook(kind=kind, scorer=identity.get("scorer", ""), names=list(book.sheet_names))
    names = set(book.sheet_names)
    for key, value in identity.items():
        if key.startswith(MADE_FROM_SELF):
            unit_code = key[len(MADE_FROM_SELF):]
            try:
                scores = json.loads(value)
            except ValueError:
                continue  # a damaged record: no staleness can be told for this unit
            if isinstance(scores, dict):
                found.made_from_self.update({(unit_code, str(c)): str(v) for c, v in scores.items()})
        elif key.startswith(MADE_FROM_FILE):
            found.made_from_file[key[len(MADE_FROM_FILE):]] = value
        elif key.startswith(HELD):
            found.held[key[len(HELD):]] = _held(value)
    for key, name in identity.items():
        if not key.startswith(APPRAISAL_SHEET):
            continue
        unit_sheet = AppraisalSheet(key[len(APPRAISAL_SHEET):], name)
        found.sheets[unit_sheet.unit_code] = unit_sheet
        if name not in names:
            continue
        sheet = book.get_sheet_by_name(name)
        if sheet.height > MAX_ROWS:
            continue
        cells = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
        header = find_appraisal_header(cells, kind)
        if header is None:
            continue
        unit_sheet.header_row, unit_sheet.columns = header
        rows = table_rows(cells, *header, sheet_overrides(data, kind_of_file, name, header, members))
        reason_column = unit_sheet.columns.get("reason")
        for row in rows:
            line = cells[row.row]
            reason = line[reason_column] if reason_column is not None and reason_column < len(line) else ""
            unit_sheet.rows.append(AppraisalRow(row.row, row.code, row.self_score, row.appraised,
                                                clean(reason if isinstance(reason, str) else plain(reason))))
    return found


def _held(value: str) -> dict[str, tuple[Any, str]]:
    """A HELD record: criterion → (value, reason); a damaged one holds nothing (it was the bloc's own copy)."""
    try:
        found = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(code): (entry[0], clean(str(entry[1] or ""))) for code, entry in found.items()
            if isinstance(entry, list) and len(entry) == 2}


def read_tally(identity: dict[str, str], book: python_calamine.CalamineWorkbook) -> TallyBook:
    """The bloc's tally: its sheet (named in the identity, else the first), its rows found by header labels."""
    names = [n for n in book.sheet_names if n != IDENTITY_SHEET]
    named = identity.get("sheet", "")
    name = named if named in names else (names[0] if names else "")
    found = TallyBook(name)
    for index, (key, value) in enumerate(identity.items()):
        if key.startswith(TALLY_CANDIDATES):
            award = key[len(TALLY_CANDIDATES):]
            try:
                codes = json.loads(value)
            except ValueError:
                codes = None
            # A damaged record reads as no candidates: it then differs from any run's, and is reported so.
            found.candidates[award] = [str(c) for c in codes] if isinstance(codes, list) else []
            found.candidates_cell[award] = f"B{index + 1}"
    if not name:
        return found
    sheet = book.get_sheet_by_name(name)
    if sheet.height > MAX_ROWS:
        return found
    cells = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)

    def at(address: str) -> Any:
        found_at = parse_address(address)
        assert found_at is not None
        row, column = found_at
        return cells[row][column] if row < len(cells) and column < len(cells[row]) else None

    place = at(TALLY_PLACE_CELL)
    found.place = clean(place if isinstance(place, str) else plain(place))
    found.date = at(TALLY_DATE_CELL)
    found.version = 1 if identity.get("tally_version", "1") == "1" else 2
    start = 0
    if found.version == 1:
        keys, required = TALLY_KEYS_V1, {"code", "present", "votes"}
    else:
        keys, required = TALLY_KEYS, {"code", "votes", "against", "spoilt"}
        found.time = at(TALLY_TIME_CELL)
        found.ballots = {key: at(address) for key, address in TALLY_BALLOT_CELLS.items()}
        found.head = _text(at(TALLY_HEAD_CELL))
        found.committee = [name for address in TALLY_COMMITTEE_CELLS if (name := _text(at(address)))]
        start = _read_members(cells, found)
    labels = {key: {fold(text(lang, f"vote.column_{key}")) for lang in LANGUAGES} for key in keys}
    # The candidates' table follows the members' list, however long: searched from there.
    header = header_row(cells[start:], labels, required)
    if header is None:
        return found
    found.header_row, found.columns = header[0] + start, header[1]
    columns = found.columns
    for index in range(found.header_row + 1, len(cells)):
        line = cells[index]
        got = {key: line[column] if column < len(line) else None for key, column in columns.items()}
        code = normalise_code(got.get("code"))
        if not code:
            continue
        written: Any = got.get("award")
        found.rows.append(TallyRow(index, clean(written if isinstance(written, str) else plain(written)), code,
                                   got.get("present"), got.get("votes"),
                                   {key: cell_address(index, column) for key, column in columns.items()},
                                   got.get("against"), got.get("spoilt")))
    return found


def _text(value: Any) -> str:
    return clean(value if isinstance(value, str) else plain(value))


def _read_members(cells: list[list[Any]], found: TallyBook) -> int:
    """Version 2's list of the member units, each with its mark if present; returns the row after it."""
    labels = {key: {fold(text(lang, f"vote.column_{key}")) for lang in LANGUAGES} for key in TALLY_MEMBER_KEYS}
    header = header_row(cells, labels, {"code", "member", "mark"})
    if header is None:
        return 0
    found.members_row, columns = header
    index = found.members_row + 1
    while index < len(cells):
        line = cells[index]
        got = {key: line[column] if column < len(line) else None for key, column in columns.items()}
        code = normalise_code(got.get("code"))
        if not code:
            break
        found.members.append(TallyMember(index, code, _text(got.get("member")), got.get("mark"),
                                         cell_address(index, columns["mark"])))
        index += 1
    return index


def find_appraisal_header(cells: list[list[Any]], kind: str = APPRAISAL_KIND) -> tuple[int, dict[str, int]] | None:
    """The header row of a unit's appraisal table: its columns by label, in either language."""
    label_keys = {"evidence": "unit_evidence"}
    if kind == PEER_KIND:  # the scores' column is "Điểm chấm chéo"; read as the appraisal column
        label_keys |= {"appraised": "peer", "reason": "peer_note"}
    labels = {key: {fold(text(lang, f"column.{label_keys.get(key, key)}")) for lang in LANGUAGES}
              for key in APPRAISAL_KEYS}
    return header_row(cells, labels, {"code", "appraised"})
