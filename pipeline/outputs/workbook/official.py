"""A `Letterhead` on a worksheet: the header block above a table and the recipients and signatures below it.

What each line says and how it is set comes from the letterhead model; here they are only set into merged
cells, each row as tall as its text.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.outputs.letterhead import SIGNING_SPACE, Letterhead, Line
from pipeline.outputs.workbook.context import ERROR_COLOUR
from pipeline.outputs.xlsx import Formats, row_height, wrapped_lines

Span = tuple[int, int]  # first and last column of a block
SIGNING_SPACE_ROWS = 4  # room for the signature and the seal between the position and the name
SMALL_SIZE = 11.5  # the recipients' lines: 8 pt on a page printed at 70 %


def write_heading(sheet: Worksheet, fmt: Formats, head: Letterhead, *, left: Span, right: Span,
                  widths: Sequence[float]) -> int:
    """The header's two blocks (none on an annex), the draft mark and the title lines; the next free row."""
    left_width, right_width = _width(widths, left), _width(widths, right)
    left_lines, right_lines = head.header()
    row = 0
    for index in range(max(len(left_lines), len(right_lines))):
        cells = []
        for lines, span, width in ((left_lines, left, left_width), (right_lines, right, right_width)):
            line = lines[index] if index < len(lines) else Line("")
            sheet.merge_range(row, span[0], row, span[1], line.text, _line_format(fmt, line, valign="bottom"))
            cells.append((line, width))
        _fit(sheet, row, cells)
        row += 1
    if left_lines or right_lines:
        row += 1

    full = (left[0], right[1])
    full_width = left_width + right_width
    if head.draft:
        sheet.merge_range(row, full[0], row, full[1], head.draft,
                          fmt.get(bold=True, font_size=18, font_color=ERROR_COLOUR, align="center", border=2))
        sheet.set_row(row, row_height(1, 18))
        row += 2
    for line in head.title_lines():
        sheet.merge_range(row, full[0], row, full[1], line.text, _line_format(fmt, line, valign="vcenter"))
        _fit(sheet, row, [(line, full_width)])
        row += 1
    return row


def write_closing(sheet: Worksheet, fmt: Formats, head: Letterhead, row: int, *, first: int, last: int,
                  widths: Sequence[float]) -> int:
    """Nơi nhận on the left, a signature block per signer on the right; returns the last row written.

    A draft gets no signature block: nobody signs a ranking that may still change; an annex has neither.
    """
    recipients, signatures = head.closing()
    blocks = len(signatures) + (1 if recipients else 0)
    if blocks == 0:
        return row - 1
    spans = _split(first, last, widths, max(blocks, 2))
    if recipients:
        recipients_span, signer_spans = spans[0], spans[1:]
    else:
        recipients_span, signer_spans = None, spans[-len(signatures):] if signatures else []
    # Every row sized once, for the tallest of the lines it holds, recipients' and signers' alike.
    held: dict[int, list[tuple[Line, float]]] = {}
    if recipients_span is not None:
        width = _width(widths, recipients_span)
        for offset, line in enumerate(recipients):
            sheet.merge_range(row + offset, recipients_span[0], row + offset, recipients_span[1], line.text,
                              _line_format(fmt, line, align="left", valign="top"))
            held.setdefault(row + offset, []).append((line, width))
    signing_rows: set[int] = set()
    for lines, span in zip(signatures, signer_spans, strict=False):  # a draft: recipients, no signer
        at = row
        for line in lines:
            if line is SIGNING_SPACE:
                signing_rows.update(range(at, at + SIGNING_SPACE_ROWS))
                at += SIGNING_SPACE_ROWS
                continue
            sheet.merge_range(at, span[0], at, span[1], line.text, _line_format(fmt, line, valign="top"))
            held.setdefault(at, []).append((line, _width(widths, span)))
            at += 1
    for blank in signing_rows - held.keys():
        sheet.set_row(blank, 20)
    for at, cells in held.items():
        _fit(sheet, at, cells)
    return max([row, *held, *signing_rows])


def _line_format(fmt: Formats, line: Line, *, align: str = "center", valign: str) -> Format:
    return fmt.get(bold=line.bold, italic=line.italic, underline=1 if line.underline else 0,
                   font_size=_sheet_size(line), align=align, valign=valign, text_wrap=True)


def _sheet_size(line: Line) -> float:
    """A line's size on the sheet, printed smaller than a Word page (about 70 % on A4 landscape): two
    points under its Word size, never below what still prints at 8 pt."""
    return max(line.size - 2, SMALL_SIZE)


def _fit(sheet: Worksheet, row: int, cells: Sequence[tuple[Line, float]]) -> None:
    """The row as tall as its tallest wrapped line: a long issuer takes two lines, never one cut in half."""
    tallest = max(_sheet_size(line) for line, _ in cells)
    lines = max(wrapped_lines(line.text, width, _sheet_size(line), line.bold) for line, width in cells)
    sheet.set_row(row, row_height(lines, tallest))


def _width(widths: Sequence[float], span: Span) -> float:
    return sum(widths[span[0]: span[1] + 1])


def _split(first: int, last: int, widths: Sequence[float], parts: int) -> list[Span]:
    """Columns `first`…`last` cut into `parts` spans of about equal width, each at least one column."""
    total = _width(widths, (first, last))
    spans: list[Span] = []
    start, used = first, 0.0
    for column in range(first, last + 1):
        used += widths[column]
        wanted = total * (len(spans) + 1) / parts
        if len(spans) < parts - 1 and used >= wanted - widths[column] / 2 and last - column >= parts - len(spans) - 1:
            spans.append((start, column))
            start = column + 1
    spans.append((start, last))
    return spans
