"""The Ranking sheet, the one leadership prints and signs: title block, ranking table, unranked units, legend."""

from __future__ import annotations

from dataclasses import dataclass, field

from xlsxwriter.worksheet import Worksheet

from pipeline.core.labels import format_number
from pipeline.outputs.letterhead import Letterhead, letterhead
from pipeline.outputs.workbook.context import AWARD_FILLS, ERROR_COLOUR, OTHER_AWARD_FILL, Context
from pipeline.outputs.workbook.official import write_closing, write_heading
from pipeline.outputs.xlsx import FONT, at_size, fit_row, pages_tall, write_cells
from pipeline.procedure.vote import percent_text, vote_rule_in_words
from pipeline.rules.model import BONUS, DEDUCTIONS, Unit
from pipeline.scoring.figures import bucket_limit, unranked_reason, weighted_base_max
from pipeline.scoring.rank import RankedUnit, award_name, award_rule_in_words, short_award_name, tie_breakers_in_words

# The ranking table's fixed columns; the rest follow the sections (RankingColumns). The tests use them too.
RANK_COLUMN, UNIT_COLUMN, FIRST_SECTION_COLUMN = 0, 1, 2


BOLD_WIDTH = 0.9  # bold letters are wider: an award name wraps sooner than plain text would
# The page to sign prints at about 70 % (fitted to its width): 12-pt text at 8.5 pt, and the smaller text
# (remarks, reasons, legend, recipients) at 11.5 pt, 8 pt on paper: nothing smaller is legible there.
SMALL_SIZE = 11.5
REMARKS_SIZE = SMALL_SIZE
SPACER_HEIGHT = 8  # points: the blank rows around the legend, low so the page to sign keeps its scale


# The fixed columns after the sections, in order: the table reads left to right as a leader reads it.
_AFTER_SECTIONS = ("base", "bonus", "deductions", "total", "classification", "award", "remarks")
# Where the rules put awards to the members' vote: the votes and the decision follow the proposal.
_AFTER_SECTIONS_VOTED = ("base", "bonus", "deductions", "total", "classification", "award", "votes", "decision",
                         "remarks")


@dataclass(frozen=True)
class RankingColumns:
    """Column positions of the ranking table, which depend on the number of sections."""

    sections: int
    voted: bool = False  # the rules' `vote:`: two more columns, the votes and the decision
    base: int = field(init=False)
    bonus: int = field(init=False)
    deductions: int = field(init=False)
    total: int = field(init=False)
    classification: int = field(init=False)
    award: int = field(init=False)
    remarks: int = field(init=False)
    votes: int = field(init=False, default=-1)
    decision: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        for offset, name in enumerate(_AFTER_SECTIONS_VOTED if self.voted else _AFTER_SECTIONS):
            object.__setattr__(self, name, FIRST_SECTION_COLUMN + self.sections + offset)

    @property
    def last(self) -> int:
        return self.remarks

    @property
    def split(self) -> int:
        """The last column of the left half (issuer, secretary); the right half holds header and leader."""
        return FIRST_SECTION_COLUMN + self.sections // 2

    def widths(self) -> list[float]:
        # Narrow enough that the page, fitted to its width, prints 12-pt text at 8 pt or more (README); with a
        # vote, every column gives up a little to make room for the votes and the decision (short award names).
        # The criteria's total (A) wide enough for its three-line header; the remarks for a full award's name
        # in three lines ("đã đủ số lượng Cờ thi đua của … được đề nghị (01)").
        if self.voted:
            return [5, 19, *([6] * self.sections), 10.5, 7, 9, 7.5, 8.5, 17, 7.5, 8, 17.5]
        return [5, 23, *([7] * self.sections), 10.5, 7.5, 9, 8, 10, 16, 17.5]


def write_ranking(ctx: Context) -> None:
    rules, fmt, result = ctx.rules, ctx.fmt, ctx.result
    columns = RankingColumns(len(rules.sections), voted=rules.vote is not None)
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_ranking"))
    widths = columns.widths()
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    full_width = sum(widths)

    row = _title_block(ctx, sheet, columns)
    if result.provisional:
        counts = {state: sum(1 for s in result.status.values() if s == state) for state in ("missing", "invalid")}
        banner = ctx.t("report.provisional", **counts)
        if result.validation.peers_missing:  # cross-scoring: the scorers the ranking waits for, by name
            banner += " " + ctx.t("peer.missing_scorers", scorers=", ".join(result.validation.peers_missing))
        if result.bloc_errors:  # the bloc's own workbook to correct, by file and cell
            banner += " " + result.bloc_errors_note(ctx.lang)
        sheet.merge_range(row, 0, row, columns.last, banner,
                          fmt.get(bold=True, font_size=13, font_color=ERROR_COLOUR, bg_color="#FFC7CE",
                                  align="center", text_wrap=True, border=2))
        fit_row(sheet, row, [(banner, full_width)], size=13, bold=True, minimum=2)
        row += 2
    elif result.vote_pending:
        vote = result.vote
        assert vote is not None
        banner = ctx.t("vote.pending", awards=", ".join(award_name(rules, a, ctx.lang) for a in vote.voted
                                                        if a not in vote.tallied))
        if result.bloc_errors:  # the tally's cell to correct
            banner += " " + result.bloc_errors_note(ctx.lang)
        sheet.merge_range(row, 0, row, columns.last, banner,
                          fmt.get(bold=True, font_size=13, font_color=ERROR_COLOUR, bg_color="#FFEB9C",
                                  align="center", text_wrap=True, border=2))
        fit_row(sheet, row, [(banner, full_width)], size=13, bold=True, minimum=2)
        row += 2

    header_row = row
    section_headers = [ctx.t("workbook.header_max", label=s.code, max=s.max * s.weight) for s in rules.sections]
    headers = [ctx.t("report.rank"), ctx.t("report.unit"), *section_headers,
               ctx.t("workbook.header_max", label=ctx.t("report.base"), max=weighted_base_max(rules)),
               ctx.t("workbook.header_cap", label=ctx.t("report.bonus"), cap=bucket_limit(rules, BONUS)),
               ctx.t("workbook.header_cap", label=ctx.t("report.deductions"), cap=bucket_limit(rules, DEDUCTIONS)),
               ctx.t("report.total"), ctx.t("report.classification"), ctx.t("report.award"),
               *([ctx.t("vote.header_votes"), ctx.t("vote.header_decision")] if columns.voted else []),
               ctx.t("report.remarks")]
    for column, label in enumerate(headers):
        sheet.write_string(header_row, column, label, fmt.header())
    for offset, section in enumerate(rules.sections):
        # Hovering a section code shows its title; the printed legend below names them too.
        sheet.write_comment(header_row, FIRST_SECTION_COLUMN + offset,
                            f"{section.code}. {section.title} ({format_number(section.max, ctx.lang)})",
                            {"font_name": FONT, "x_scale": 2})
    fit_row(sheet, header_row, list(zip(headers, widths, strict=True)), bold=True, minimum=2)

    row = header_row + 1
    for placed in result.ranked:
        _ranking_row(ctx, sheet, row, placed, columns)
        row += 1
    if result.ranked:
        # A light colour scale: the eye finds the leaders without the bars hiding the printed figures.
        sheet.conditional_format(header_row + 1, columns.total, row - 1, columns.total,
                                 {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#A9D08E"})
    sheet.freeze_panes(header_row + 1, FIRST_SECTION_COLUMN)

    unranked = [u for u in rules.units if result.status[u.code] != "scored"]
    if unranked:
        row = _unranked(ctx, sheet, row + 1, unranked, columns)
    sheet.set_row(row, SPACER_HEIGHT)
    row = _legend(ctx, sheet, row + 1, columns)
    sheet.set_row(row, SPACER_HEIGHT)
    last_row = write_closing(sheet, fmt, ranking_letterhead(ctx), row + 1, first=0, last=columns.last,
                             widths=widths)

    # Pages tall as the rows need, but not one more for the last lines of the signature block.
    # The results file's fingerprint on every page to sign: the province's board matches the file it receives.
    footer_left = ctx.t("province.fingerprint_footer", year=rules.year,
                                                fingerprint=ctx.fingerprint) if ctx.fingerprint else ""
    ctx.print_setup(sheet, repeat=(header_row, header_row), pages_tall=pages_tall(sheet, last_row, widths),
                    footer_left=footer_left)
    sheet.print_area(0, 0, last_row, columns.last)
    sheet.hide_gridlines(2)
    sheet.activate()


def _title_block(ctx: Context, sheet: Worksheet, columns: RankingColumns) -> int:
    """The official header (pipeline/outputs/letterhead.py), the title and the bloc's name; the next free row."""
    widths = columns.widths()
    row = write_heading(sheet, ctx.fmt, ranking_letterhead(ctx), left=(0, columns.split),
                        right=(columns.split + 1, columns.last), widths=widths)
    bloc = ctx.rules.bloc
    sheet.merge_range(row, 0, row, columns.last, bloc, ctx.fmt.get(italic=True, align="center", text_wrap=True))
    fit_row(sheet, row, [(bloc, sum(widths))])
    return row + 1


def ranking_letterhead(ctx: Context) -> Letterhead:
    """The Ranking sheet's header and closing: a draft until the run is final (`RunResult.final`)."""
    return letterhead(ctx.rules, ctx.lang, document="report", summary=ctx.t("report.summary", year=ctx.rules.year),
                      final=ctx.result.final, options=ctx.result.document)


def _ranking_row(ctx: Context, sheet: Worksheet, row: int, placed: RankedUnit, columns: RankingColumns) -> None:
    fmt, widths = ctx.fmt, columns.widths()
    decided = ctx.result.award(placed)
    fill = {"bg_color": AWARD_FILLS.get(decided or "", OTHER_AWARD_FILL)} if decided else {}
    figures = ctx.figures(placed)
    name = ctx.unit_name(placed.unit_code)
    figure = fmt.score(**fill)
    classification = placed.classification or ""
    award = award_name(ctx.rules, placed.award, ctx.lang)
    write_cells(sheet, row, [
        (RANK_COLUMN, placed.rank, fmt.integer(bold=True, **fill)), (UNIT_COLUMN, name, fmt.text(**fill)),
        *((FIRST_SECTION_COLUMN + offset, value, figure) for offset, value in enumerate(figures.sections)),
        (columns.base, figures.base, figure), (columns.bonus, figures.bonus, figure),
        (columns.deductions, figures.deductions, figure), (columns.total, figures.total, fmt.score(bold=True, **fill)),
        (columns.classification, classification, fmt.text(**fill)),
        (columns.award, award, fmt.text(bold=bool(award), **fill)),
    ])
    votes = _vote_cells(ctx, sheet, row, placed, columns, fill) if columns.voted else ""
    remarks = ctx.result.remarks(placed, ctx.lang)
    if remarks:
        sheet.write_string(row, columns.remarks, remarks, fmt.text(font_size=REMARKS_SIZE, **fill))
    else:
        sheet.write_blank(row, columns.remarks, None, fmt.text(font_size=REMARKS_SIZE, **fill))
    fit_row(sheet, row, [(name, widths[UNIT_COLUMN]), (classification, widths[columns.classification]),
                         (award, widths[columns.award] * BOLD_WIDTH),
                         (remarks, at_size(widths[columns.remarks], REMARKS_SIZE)),
                         *([(votes, widths[columns.votes])] if columns.voted else [])])


def _vote_cells(ctx: Context, sheet: Worksheet, row: int, placed: RankedUnit, columns: RankingColumns,
                fill: dict[str, str]) -> str:
    """The members' votes for the unit (`8/9 (88,89%)`) and the award decided, or that the vote is pending;
    returns the votes as written."""
    fmt, vote = ctx.fmt, ctx.result.vote
    count = vote.counts.get(placed.unit_code) if vote else None
    votes = ""
    if count is not None:
        votes = ctx.t("vote.votes_cell", votes=count.votes, present=count.present,
                      percent=percent_text(count.share(ctx.rules), ctx.lang))
    sheet.write_string(row, columns.votes, votes, fmt.text(align="center", **fill))
    decided = ctx.result.award(placed)
    pending = vote is not None and placed.award in vote.voted and placed.award not in vote.tallied
    # The decided award by its short name: its full title is in the proposal beside it, and a second full
    # title would make every awarded row taller on the page to sign.
    shown = ctx.t("vote.pending_cell") if pending else short_award_name(ctx.rules, decided, ctx.lang)
    sheet.write_string(row, columns.decision, shown,
                       fmt.text(bold=bool(decided), italic=pending, **({"font_color": ERROR_COLOUR} if pending
                                                                        else {}), **fill))
    return votes


def _unranked(ctx: Context, sheet: Worksheet, row: int, units: list[Unit], columns: RankingColumns) -> int:
    """Missing and invalid units, below the ranking and outside it, each with its reason."""
    fmt, result, widths = ctx.fmt, ctx.result, columns.widths()
    status_last = FIRST_SECTION_COLUMN + max(1, len(ctx.rules.sections) // 2)
    reason_width = sum(widths[status_last + 1:])
    sheet.merge_range(row, 0, row, columns.last, ctx.t("workbook.unranked"), fmt.get(bold=True))
    row += 1
    sheet.write_string(row, RANK_COLUMN, ctx.t("report.unit_code"), fmt.header())
    sheet.write_string(row, UNIT_COLUMN, ctx.t("report.unit"), fmt.header())
    sheet.merge_range(row, FIRST_SECTION_COLUMN, row, status_last, ctx.t("report.status"), fmt.header())
    sheet.merge_range(row, status_last + 1, row, columns.last, ctx.t("report.reason"), fmt.header())
    for unit in units:
        row += 1
        reason = unranked_reason(result.issues, unit.code, ctx.lang)
        sheet.write_string(row, RANK_COLUMN, unit.code, fmt.text(align="center"))
        sheet.write_string(row, UNIT_COLUMN, unit.name, fmt.text())
        sheet.merge_range(row, FIRST_SECTION_COLUMN, row, status_last, ctx.t(f"status.{result.status[unit.code]}"),
                          fmt.text(align="center", font_color=ERROR_COLOUR))
        sheet.merge_range(row, status_last + 1, row, columns.last, reason, fmt.text(font_size=SMALL_SIZE))
        fit_row(sheet, row, [(reason, at_size(reason_width, SMALL_SIZE)), (unit.name, widths[UNIT_COLUMN])])
    return row + 1


def _legend(ctx: Context, sheet: Worksheet, row: int, columns: RankingColumns) -> int:
    rules, fmt = ctx.rules, ctx.fmt
    width = sum(columns.widths())
    sections = "; ".join(ctx.t("workbook.legend_section", code=s.code, title=s.title, max=s.max * s.weight)
                         for s in rules.sections)
    words = ctx.t("workbook.digit_words").split(",")  # "làm tròn đến hai chữ số", in words as a document writes it
    scores = ctx.t("workbook.legend_scores",
                   decimals=words[rules.decimals] if rules.decimals < len(words) else rules.decimals)
    if rules.tie_breakers:
        scores += " " + ctx.t("workbook.legend_ties", breakers=tie_breakers_in_words(rules, ctx.lang))
    awards = [award_rule_in_words(rules, award, ctx.lang) for award in rules.awards]
    if rules.vote is not None:
        awards.append(vote_rule_in_words(rules, ctx.lang))
    # Three paragraphs rather than a line each: the page to sign has no height to spare.
    lines = [ctx.t("workbook.legend_sections", sections=sections), scores, " ".join(awards)]
    for line in lines:
        sheet.merge_range(row, 0, row, columns.last, line, fmt.note(font_size=SMALL_SIZE))
        fit_row(sheet, row, [(line, at_size(width, SMALL_SIZE))], size=SMALL_SIZE)
        row += 1
    return row
