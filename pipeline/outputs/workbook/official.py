"""A `Letterhead` on a worksheet: the header block above a table and the recipients and signatures below it."""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.worksheet import Worksheet

from pipeline.outputs.letterhead import Letterhead
from pipeline.outputs.workbook.context import ERROR_COLOUR
from pipeline.outputs.xlsx import Formats, at_size, fit_row, row_height, wrapped_lines

Span = tuple[int, int]  # first and last column of a block
SIGNING_SPACE_ROWS = 4  # room for the signature and the seal between the position and the name
SMALL_SIZE = 11.5  # the recipients' lines: 8 pt on a page printed at 70 %


def write_heading(sheet: Worksheet, fmt: Formats, head: Letterhead, *, left: Span, right: Span,
                  widths: Sequence[float]) -> int:
    """Issuer on the left, national header, place and date on the right, the draft mark, title; the next free row."""
    left_width, right_width = _width(widths, left), _width(widths, right)
    regular = fmt.get(align="center", valign="bottom", text_wrap=True)
    bold = fmt.get(bold=True, align="center", valign="bottom", text_wrap=True)
    underlined = fmt.get(bold=True, underline=1, align="center", valign="bottom", text_wrap=True)
    # The upper-level body in regular capitals, the issuer in bold, then "*" or a rule (Hướng dẫn 36-HD/VPTW).
    left_lines = [*([(head.parent, regular, False)] if head.parent else []), (head.issuer, bold, True),
                  (head.mark, fmt.get(align="center", valign="top"), False)]
    right_lines = [(line, underlined if index == len(head.national) - 1 else bold, True)
                   for index, line in enumerate(head.national)]
    row = 0
    for index in range(max(len(left_lines), len(right_lines))):
        cells = []
        for lines, span, width in ((left_lines, left, left_width), (right_lines, right, right_width)):
            value, cell_format, is_bold = lines[index] if index < len(lines) else ("", regular, False)
            sheet.merge_range(row, span[0], row, span[1], value, cell_format)
            cells.append((value, width * (0.9 if is_bold else 1.0)))
        fit_row(sheet, row, cells)
        row += 1
    sheet.merge_range(row, left[0], row, left[1], head.number, fmt.get(align="center"))
    sheet.merge_range(row, right[0], row, right[1], head.place_date, fmt.get(italic=True, align="center"))
    row += 2

    full = (left[0], right[1])
    full_width = left_width + right_width
    if head.draft:
        sheet.merge_range(row, full[0], row, full[1], head.draft,
                          fmt.get(bold=True, font_size=18, font_color=ERROR_COLOUR, align="center", border=2))
        sheet.set_row(row, row_height(1, 18))
        row += 2
    sheet.merge_range(row, full[0], row, full[1], head.title,
                      fmt.get(bold=True, font_size=14, align="center", text_wrap=True))
    fit_row(sheet, row, [(head.title, full_width * 0.9)], size=14)
    row += 1
    if head.attached_to:
        sheet.merge_range(row, full[0], row, full[1], head.attached_to,
                          fmt.get(italic=True, align="center", text_wrap=True))
        fit_row(sheet, row, [(head.attached_to, full_width)])
        row += 1
    return row


def write_closing(sheet: Worksheet, fmt: Formats, head: Letterhead, row: int, *, first: int, last: int,
                  widths: Sequence[float]) -> int:
    """Nơi nhận on the left, a signature block per signer on the right; returns the last row written.

    A draft gets no signature block: nobody signs a ranking that may still change.
    """
    blocks = len(head.signatures) + (1 if head.recipients else 0)
    if blocks == 0:
        return row - 1
    spans = _split(first, last, widths, max(blocks, 2))
    if head.recipients:
        recipients_span, signer_spans = spans[0], spans[1:]
    else:
        recipients_span, signer_spans = None, spans[-len(head.signatures):] if head.signatures else []
    bold = fmt.get(bold=True, align="center", valign="top", text_wrap=True)
    end = row
    if recipients_span is not None:
        width = _width(widths, recipients_span)
        sheet.merge_range(row, recipients_span[0], row, recipients_span[1], head.recipients_heading,
                          fmt.get(bold=True, italic=True, valign="top"))
        for offset, line in enumerate(head.recipients, start=1):
            sheet.merge_range(row + offset, recipients_span[0], row + offset, recipients_span[1], line,
                              fmt.get(font_size=SMALL_SIZE, valign="top", text_wrap=True))
            if wrapped_lines(line, at_size(width, SMALL_SIZE)) > 1:
                fit_row(sheet, row + offset, [(line, at_size(width, SMALL_SIZE))], size=SMALL_SIZE)
        end = max(end, row + len(head.recipients))
    for block, span in zip(head.signatures, signer_spans, strict=False):  # a draft: recipients, no signer
        width = _width(widths, span) * 0.9
        sheet.merge_range(row, span[0], row, span[1], block.capacity, bold)
        sheet.merge_range(row + 1, span[0], row + 1, span[1], block.position, bold)
        sheet.merge_range(row + 2, span[0], row + 2, span[1], block.hint, fmt.get(italic=True, align="center"))
        name_row = row + 3 + SIGNING_SPACE_ROWS
        sheet.merge_range(name_row, span[0], name_row, span[1], block.name, bold)
        fit_row(sheet, row, [(block.capacity, width)], bold=True)
        end = max(end, name_row)
    for blank in range(row + 3, row + 3 + SIGNING_SPACE_ROWS):
        if not head.recipients or blank - row > len(head.recipients):
            sheet.set_row(blank, 20)
    return end


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
