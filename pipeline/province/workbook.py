"""The province's workbook, `province-<year>.xlsx`: Summary (every bloc's state and decided awards, in the
official form), Proposals (per province-level award its candidates and places), Years side by side, a sheet
per bloc, Issues and Audit. Every number is a number cell equal to the province JSON's."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from pipeline.core.labels import text
from pipeline.outputs.workbook.official import write_closing, write_heading
from pipeline.outputs.xlsx import Formats, fit_row, new_workbook, page_footer, pages_tall, print_setup
from pipeline.province.blocs import BlocReport
from pipeline.province.board import ProvinceResult
from pipeline.province.consolidate import Consolidated
from pipeline.province.letterhead import province_letterhead
from pipeline.province.results import share_shown

SHEET_NAME_LIMIT = 31  # Excel's
_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


class _Book:
    def __init__(self, result: ProvinceResult, path: Path) -> None:
        self.result = result
        self.lang = result.lang
        self.book = new_workbook(path, {"title": self.t("province.title", year=result.province.year),
                                        "author": result.province.board,
                                        "comments": f"bloc-score {result.tool_version}"}, language=self.lang)
        self.fmt = Formats(self.book)
        decimals = result.province.decimals
        self.number = "0" + ("." + "0" * decimals if decimals else "")
        self.names: set[str] = set()

    def t(self, key: str, **params: Any) -> str:
        return text(self.lang, key, **params)

    def sheet(self, label: str) -> Worksheet:
        name = label.translate(_FORBIDDEN)[:SHEET_NAME_LIMIT]
        base, count = name, 2
        while name.casefold() in self.names:
            suffix = f" ({count})"
            name, count = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix, count + 1
        self.names.add(name.casefold())
        return self.book.add_worksheet(name)

    def header(self) -> Any:
        return self.fmt.get(bold=True, border=1, align="center", text_wrap=True, bg_color="#D9E1F2")

    def cell(self, **extra: Any) -> Any:
        return self.fmt.get(border=1, text_wrap=True, **extra)

    def table(self, sheet: Worksheet, row: int, headers: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[float]) -> int:
        """A bordered table under `row`; a float is a number cell; returns the next free row."""
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        for column, label in enumerate(headers):
            sheet.write_string(row, column, label, self.header())
        fit_row(sheet, row, list(zip(headers, widths, strict=True)), bold=True)
        for values in rows:
            row += 1
            shown: list[tuple[str, float]] = []
            for column, value in enumerate(values):
                if isinstance(value, bool) or value is None:
                    sheet.write_blank(row, column, None, self.cell())
                elif isinstance(value, int | float):
                    sheet.write_number(row, column, value,
                                       self.cell(align="center", num_format="0" if isinstance(value, int)
                                                 else self.number))
                else:
                    short = len(str(value)) <= 5  # a code, a rank "2/9": centred as the numbers are
                    sheet.write_string(row, column, str(value), self.cell(align="center") if short else self.cell())
                    shown.append((str(value), widths[column]))
            fit_row(sheet, row, shown)
        return row + 1

    def finish(self, sheet: Worksheet, last_row: int, widths: Sequence[float], last_column: int,
               repeat: tuple[int, int] | None = None, footer_left: str = "") -> None:
        footer = page_footer(self.t("workbook.page_footer", page="&P", pages="&N"), footer_left)
        print_setup(sheet, repeat=repeat, footer=footer, pages_tall=pages_tall(sheet, last_row, widths))
        sheet.print_area(0, 0, last_row, last_column)
        sheet.hide_gridlines(2)


def write_province_workbook(result: ProvinceResult, path: str | Path, *, fingerprint: str = "") -> Path:
    """The workbook; `fingerprint`, that of the province JSON written with it, is printed under the Summary."""
    path = Path(path)
    book = _Book(result, path)
    _summary(book, fingerprint)
    _proposals(book)
    if result.history.years:
        _years(book)
    for report in result.blocs:
        _bloc_sheet(book, report)
    _issues(book)
    _audit(book)
    book.book.close()
    return path


def _state(book: _Book, report: BlocReport) -> str:
    return book.t(f"province.state_{report.state}")


def _summary(book: _Book, fingerprint: str) -> None:
    result = book.result
    province = result.province
    sheet = book.sheet(book.t("province.sheet_summary"))
    widths = [7, 30, 13, 8, 9, 34, 14, 48]
    head = province_letterhead(province, book.lang, document="report", final=not result.provisional,
                               summary=book.t("province.summary_title", year=province.year))
    row = write_heading(sheet, book.fmt, head, left=(0, 2), right=(3, 7), widths=widths)
    row += 1
    rows = []
    for report in result.blocs:
        # A bloc's own awards only where its results could be read: an unusable file's say nothing.
        awards = "; ".join(f"{title}: {', '.join(codes)}" for title, codes in _decided(report).items()) \
            if report.state in ("final", "provisional") else ""
        problems = "; ".join(i.message(book.lang) for i in report.issues if i.severity != "info")
        rows.append([report.entry.code, report.entry.name, _state(book, report), len(report.units),
                     len(report.ranked), awards or "—", report.fingerprint or "—", problems])
    headers = [book.t(f"province.col_{k}") for k in ("bloc", "bloc_name", "state", "units", "ranked",
                                                       "decided", "fingerprint", "problems")]
    top = row
    row = book.table(sheet, row, headers, rows, widths)
    last = write_closing(sheet, book.fmt, head, row + 1, first=0, last=7, widths=widths)
    footer = book.t("province.province_fingerprint_footer", year=province.year, fingerprint=fingerprint) \
        if fingerprint else ""
    book.finish(sheet, last, widths, 7, repeat=(top, top), footer_left=footer)
    sheet.activate()


def _decided(report: BlocReport) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for unit in report.ranked:
        if unit.award:
            found.setdefault(unit.award_title or unit.award, []).append(unit.code)
    return found


def _proposals(book: _Book) -> None:
    result = book.result
    sheet = book.sheet(book.t("province.sheet_proposals"))
    widths = [8, 10, 40, 11, 11, 11, 10, 18]
    headers = [book.t(f"province.col_{k}") for k in ("bloc", "unit", "unit_name", "total", "max", "share",
                                                       "rank", "proposed")]
    sheet.merge_range(0, 0, 0, 7, book.t("province.proposals_title", year=result.province.year),
                      book.fmt.get(bold=True, font_size=14, align="center"))
    row = 2
    for consolidated in result.awards:
        line = _award_line(book, consolidated)
        sheet.merge_range(row, 0, row, 7, line, book.fmt.get(bold=True, text_wrap=True, align="left"))
        fit_row(sheet, row, [(line, sum(widths))], bold=True)
        proposed = {c.key for c in consolidated.proposed}
        rows = [[c.bloc, c.unit, c.name, c.total, float(c.base_max) if c.base_max else None,
                 share_shown(c.share, result.province.decimals),
                 book.t("province.rank_of", rank=c.rank, of=c.bloc_units),
                 book.t("province.proposed_yes") if c.key in proposed else ""]
                for c in consolidated.candidates]
        if not rows:
            rows = [["", "", book.t("province.no_candidates"), None, None, None, "", ""]]
        row = book.table(sheet, row + 1, headers, rows, widths) + 1
    note = book.t("province.proposals_note")
    sheet.merge_range(row, 0, row, 7, note, book.fmt.get(italic=True, text_wrap=True, font_size=11))
    fit_row(sheet, row, [(note, sum(widths))], size=11)
    book.finish(sheet, row, widths, 7)


def _award_line(book: _Book, consolidated: Consolidated) -> str:
    award = consolidated.award
    quota = []
    if award.count is not None:
        quota.append(book.t("province.quota_count", count=award.count))
    if award.share is not None:
        quota.append(book.t(f"province.quota_share_{award.share_of}", share=float(award.share * 100),
                            base=consolidated.base))
    return book.t("province.award_line", award=award.label, quota="; ".join(quota), places=consolidated.places,
                  candidates=len(consolidated.candidates),
                  outcome=book.t(f"province.outcome_{consolidated.outcome}"))


def _years(book: _Book) -> None:
    history = book.result.history
    sheet = book.sheet(book.t("province.sheet_years"))
    year = book.result.province.year
    widths = [8, 10, 34, 10, 8, 22] + [10, 8, 22] * len(history.years)
    headers = [book.t("province.col_bloc"), book.t("province.col_unit"), book.t("province.col_unit_name")]
    for shown_year in (year, *history.years):
        headers += [book.t("province.col_total_year", year=shown_year), book.t("province.col_rank"),
                    book.t("province.col_award_year", year=shown_year)]
    rows = []
    for line in history.rows:
        values: list[Any] = [line.bloc, line.unit.code, line.unit.name, line.unit.total,
                             line.unit.rank, line.unit.award_title or ""]
        for standing in line.past:
            units = standing.units
            if len(units) == 1:  # a renamed unit: its code of that year said beside its award
                renamed = f"{units[0].code}: " if units[0].code != line.unit.code else ""
                values += [units[0].total, units[0].rank, (renamed + (units[0].award_title or "")).strip(": ")]
            elif units:  # a merger: each predecessor named, no single figure stands for them
                values += [None, None, "; ".join(f"{u.code}: {u.total if u.total is not None else '—'}"
                                                 for u in units)]
            else:
                values += [None, None, ""]
        rows.append(values)
    last = book.table(sheet, 0, headers, rows, widths)
    sheet.freeze_panes(1, 3)
    book.finish(sheet, last - 1, widths, len(widths) - 1, repeat=(0, 0))


def _bloc_sheet(book: _Book, report: BlocReport) -> None:
    sheet = book.sheet(report.entry.code)
    widths = [8, 10, 40, 11, 16, 30, 14]
    title = f"{report.entry.code} — {report.entry.name}: {_state(book, report)}"
    sheet.merge_range(0, 0, 0, 6, title, book.fmt.get(bold=True, font_size=13, text_wrap=True))
    fit_row(sheet, 0, [(title, sum(widths))], size=13, bold=True)
    headers = [book.t(f"province.col_{k}") for k in ("rank", "unit", "unit_name", "total", "classification",
                                                       "award", "status")]
    rows = [[u.rank, u.code, u.name, u.total, u.classification or "", u.award_title or "",
             book.t(f"status.{u.status}") if u.status in ("scored", "missing", "invalid") else u.status]
            for u in sorted(report.units, key=lambda u: (u.rank is None, u.rank or 0))]
    last = book.table(sheet, 2, headers, rows, widths)
    book.finish(sheet, last - 1, widths, 6, repeat=(2, 2))


def _issues(book: _Book) -> None:
    sheet = book.sheet(book.t("province.sheet_issues"))
    widths = [10, 8, 30, 10, 60]
    headers = [book.t(f"province.col_{k}") for k in ("severity", "bloc", "file", "unit", "message")]
    rows = [[book.t(f"province.severity_{i.severity}"), i.params.get("bloc") or "", i.file or "", i.unit or "",
             f"[{i.code}] {i.message(book.lang)}"] for i in book.result.issues]
    last = book.table(sheet, 0, headers, rows, widths)
    book.finish(sheet, last - 1, widths, 4, repeat=(0, 0))


def _audit(book: _Book) -> None:
    result = book.result
    sheet = book.sheet(book.t("province.sheet_audit"))
    widths = [50, 70]
    source = Path(result.province.source)
    try:
        own = hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        own = ""
    rows: list[list[Any]] = [
        [book.t("province.audit_generated"), result.started_at.isoformat(timespec="seconds")],
        [book.t("province.audit_version"), result.tool_version],
        [result.province.source, own],
        *([name, sha] for r in result.blocs for name, sha in r.files),
        *([name, sha] for name, sha in result.history.files),
    ]
    last = book.table(sheet, 0, [book.t("province.col_file"), "SHA-256"], rows, widths)
    book.finish(sheet, last - 1, widths, 1, repeat=(0, 0))
