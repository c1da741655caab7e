"""Broken and hostile inputs, built in code: what units, mail clients and attackers really produce."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from pipeline.forms.template import FilledValue, write_template
from pipeline.rules.layout import IDENTITY_SHEET, plan_layout, template_filename
from pipeline.rules.model import Rules
from pipeline.workspace.folders import Workspace
from tests.conftest import SAMPLE_BLOC, SAMPLE_INPUT


def edit(path: Path, changes: Mapping[str, Any], *, target: Path | None = None, sheet: str | None = None) -> Path:
    """Change cells the way a person does in Excel (openpyxl keeps validation and protection).

    Text starting with "=" stays text, as when typed after an apostrophe: a formula saved by openpyxl
    would carry no result, which is not what a unit's Excel sends.
    """
    book = openpyxl.load_workbook(path)
    ws = book[sheet] if sheet else book.worksheets[0]
    for address, value in changes.items():
        ws[address] = value
        if isinstance(value, str) and value.startswith("="):
            ws[address].data_type = "s"
    target = target or path
    book.save(target)
    return target


def criterion_row(rules: Rules, code: str) -> int:
    """The 1-based Excel row of a criterion in a fresh template."""
    return plan_layout(rules).criterion_rows[code] + 1


def insert_rows(path: Path, before_row: int, count: int = 1) -> None:
    book = openpyxl.load_workbook(path)
    book.worksheets[0].insert_rows(before_row, count)
    book.save(path)


def delete_row(path: Path, row: int) -> None:
    book = openpyxl.load_workbook(path)
    book.worksheets[0].delete_rows(row, 1)
    book.save(path)


def swap_rows(path: Path, first: int, second: int, columns: int = 6) -> None:
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    for column in range(1, columns + 1):
        a, b = ws.cell(first, column), ws.cell(second, column)
        a.value, b.value = b.value, a.value
    book.save(path)


def drop_identity(path: Path) -> None:
    """A unit copies the table into a fresh workbook: no identity sheet any more."""
    book = openpyxl.load_workbook(path)
    del book[IDENTITY_SHEET]
    book.save(path)


def rename_sheet(path: Path, name: str) -> None:
    book = openpyxl.load_workbook(path)
    book.worksheets[0].title = name
    book.save(path)


def template_for(rules: Rules, unit_code: str, path: Path, filled: Mapping[str, FilledValue]) -> Path:
    unit = rules.unit(unit_code)
    assert unit is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_template(rules, unit, path, filled=filled)


def good_files(inbox: Path, rules: Rules, codes: Iterable[str], filled: Mapping[str, FilledValue]) -> Path:
    """An input folder holding a template filled with `filled` for each unit of `codes`, named as sent."""
    for code in codes:
        unit = rules.unit(code)
        assert unit is not None
        template_for(rules, code, inbox / template_filename(rules, unit), filled)
    return inbox


def zip_bomb(path: Path, expanded_mb: int = 300) -> Path:
    """A valid-looking .xlsx whose sheet part expands to hundreds of MB of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(expanded_mb):
                part.write(block)
    return path


def billion_laughs(source: Path, path: Path) -> Path:
    """A real workbook whose shared strings declare nested entities ("billion laughs")."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
    evil = (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            "<si><t>&lol9;</t></si></sst>")
    return _replace_part(source, path, "xl/sharedStrings.xml", evil.encode())


def external_entity(source: Path, path: Path) -> Path:
    """XXE: a part that asks the parser to read a file from the secretary's disk."""
    evil = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>')
    return _replace_part(source, path, "xl/sharedStrings.xml", evil.encode())


def broken_sheet_xml(source: Path, path: Path) -> Path:
    """A zip that opens but whose sheet XML is cut off mid-tag."""
    with zipfile.ZipFile(source) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    return _replace_part(source, path, "xl/worksheets/sheet1.xml", sheet[: len(sheet) // 2])


def edited_part(source: Path, name: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The package's bytes with part `name` passed through `edit`, every other part as it was."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            body = original.read(item.filename)
            copy.writestr(item, edit(body) if item.filename == name else body)
    return buffer.getvalue()


def _replace_part(source: Path, path: Path, name: str, content: bytes) -> Path:
    path.write_bytes(edited_part(source, name, lambda _body: content))
    return path


def encrypted(source: Path, path: Path, password: str = "matkhau") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as plain, path.open("wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return path


def huge_sheet(path: Path, rows: int = 100_000) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Tự chấm điểm")
    sheet.write_row(0, 0, ["Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"])
    for row in range(1, rows):
        sheet.write_row(row, 0, [f"{row}", "x", 1, 1])
    book.close()
    return path


def docx_like(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return path


def as_macro_workbook(source: Path, path: Path) -> Path:
    """What Excel writes for .xlsm: the same parts plus a VBA project."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            copy.writestr(item, original.read(item.filename))
        copy.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real VBA project")
    path.write_bytes(buffer.getvalue())
    return path


def sparse_sheet(path: Path, row: int = 4000, column: int = 16000) -> Path:
    """Two cells far apart: tiny on disk, a grid of 64 million cells for a naive reader."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Tự chấm điểm")
    sheet.write_row(0, 0, ["Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"])
    sheet.write(row, column, "x")
    book.close()
    return path


def sparse_ods(path: Path, repeat: int = 16000) -> Path:
    """The same trick in OpenDocument: a run of repeated empty cells before a value."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:table="{table}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row>'
        f'<table:table-cell table:number-columns-repeated="{repeat}"/>'
        '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return path


def records_of(folder: Path) -> Path:
    """The bloc's folder beside an input folder, as `bloc-score` finds it: `<folder>/../bloc`."""
    return folder.parent / "bloc"


def workspace(folder: Path, output: Path | None = None) -> Workspace:
    """The input folder `folder` with the bloc's records beside it (`records_of`)."""
    return Workspace(input=folder, output=output, bloc=records_of(folder))


def shown(path: Path) -> str:
    """A bloc record's name in the outputs: its folder's and its own, "bloc/appraisal-2024.xlsx"."""
    return f"{path.parent.name}/{path.name}"


def appraise(rules: Rules, folder: Path, appraisals: Mapping[str, Mapping[str, Any]], *,
             name: str | None = None, lang: str | None = None, into: Path | None = None) -> Path:
    """The bloc's appraisal workbook of the submissions in `folder`, written into the bloc's folder beside it
    (or `into`), then filled as a secretary would with openpyxl: {unit: {criterion: score or (score, reason)}}.
    A score without a reason gets one."""
    from pipeline.forms.appraisal import write_appraisal
    from pipeline.run import run

    made = folder.parent / f".{name or 'appraisal'}-made.xlsx"
    write_appraisal(run(rules, workspace(folder)), made, lang=lang)
    target = (into or records_of(folder)) / (name or f"appraisal-{rules.year}.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.load_workbook(made)
    for unit_code, scores in appraisals.items():
        sheet = book[unit_code]
        rows = {sheet.cell(row, 1).value: row for row in range(1, sheet.max_row + 1)}
        for code, given in scores.items():
            score, reason = given if isinstance(given, tuple) else (given, "Kết quả kiểm tra của Khối")
            sheet.cell(rows[code], 5).value = score
            sheet.cell(rows[code], 6).value = reason
    book.save(target)
    made.unlink()
    return target


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def rename_part(source: Path, path: Path, name: str, new_name: str) -> Path:
    """Move a part inside the package and point the workbook's relationship at its new place."""
    relative = name.removeprefix("xl/")
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(f'Target="{relative}"'.encode(), f'Target="/{new_name}"'.encode())
            copy.writestr(new_name if item.filename == name else item.filename, content)
    path.write_bytes(buffer.getvalue())
    return path


def add_member(source: Path, path: Path, name: str, content: bytes) -> Path:
    """Append one more part; with an existing part's name, the package holds two of that name."""
    import warnings

    data = source.read_bytes()
    buffer = io.BytesIO(data)
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name: that is the point
        archive.writestr(name, content)
    path.write_bytes(buffer.getvalue())
    return path


def _record(kind: int, body: bytes = b"") -> bytes:
    """One .xlsb record (MS-XLSB 2.1.4): its type and size as 7-bit groups, then its body."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, length = len(body), b""
    while True:
        length += bytes([(size & 0x7F) | (0x80 if size > 0x7F else 0)])
        size >>= 7
        if not size:
            break
    return head + length + body


def _wide(text: str) -> bytes:
    return len(text).to_bytes(4, "little") + text.encode("utf-16-le")


def xlsb_copy(source: Path, path: Path, extra_cells: list[tuple[int, int, float]] = ()) -> Path:
    """The same workbook as an Excel binary workbook (.xlsb): every sheet, every value, no formatting.

    `extra_cells` adds (row, column, number) cells to the first sheet: a cell far away makes it huge.
    """
    import struct

    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(source))
    sheets = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
    workbook, rels = b"", []
    parts: dict[str, bytes] = {}
    for number, (name, rows) in enumerate(sheets, start=1):
        hidden = 2 if name == IDENTITY_SHEET else 0
        workbook += _record(0x9C, struct.pack("<II", hidden, number) + _wide(f"rId{number}") + _wide(name))
        rels.append(f'<Relationship Id="rId{number}" Type="http://schemas.openxmlformats.org/officeDocument/'
                    f'2006/relationships/worksheet" Target="worksheets/sheet{number}.bin"/>')
        cells = [(r, c, v) for r, row in enumerate(rows) for c, v in enumerate(row) if v not in ("", None)]
        if number == 1:
            cells += list(extra_cells)
        last_row = max((r for r, _c, _v in cells), default=0)
        last_column = max((c for _r, c, _v in cells), default=0)
        sheet = _record(0x81) + _record(0x94, struct.pack("<IIII", 0, last_row, 0, last_column)) + _record(0x91)
        for row in sorted({r for r, _c, _v in cells}):
            sheet += _record(0x00, struct.pack("<I", row) + b"\0" * 13)
            for _r, column, value in sorted(c for c in cells if c[0] == row):
                if isinstance(value, str):
                    sheet += _record(0x06, struct.pack("<II", column, 0) + _wide(value))
                else:
                    sheet += _record(0x05, struct.pack("<IId", column, 0, float(value)))
        parts[f"xl/worksheets/sheet{number}.bin"] = sheet + _record(0x92)
    workbook = _record(0x83) + _record(0x8F) + workbook + _record(0x90) + _record(0x9D)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
                         'org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
                         'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                         'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                         'Target="xl/workbook.bin"/></Relationships>')
        archive.writestr("xl/workbook.bin", workbook)
        archive.writestr("xl/_rels/workbook.bin.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/relationships">' + "".join(rels) + "</Relationships>")
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def _sample_files() -> list[Path]:
    return sorted(SAMPLE_INPUT.glob("*.xlsx"))


def copy_sample(folder: Path) -> Path:
    """The example's working folder again: its units' files in `folder`, its records in the bloc/ beside it."""
    shutil.copytree(SAMPLE_INPUT, folder)
    shutil.copytree(SAMPLE_BLOC, records_of(folder))
    return folder


def _file_of(unit_code: str) -> Path:
    return next(p for p in _sample_files() if p.name.split("_")[1:2] == [unit_code])


def every_problem_folder(rules: Rules, folder: Path) -> None:
    """The sample's files with every kind of problem at once, each in a different unit's file (tests/golden)."""
    copy_sample(folder)

    def cell(column: str, code: str) -> str:
        return f"{column}{criterion_row(rules, code)}"

    def target(unit_code: str) -> Path:
        return folder / _file_of(unit_code).name

    edit(target("VPTU"), {cell("D", "1.1"): 25})  # above the max
    edit(target("BTCTU"), {cell("D", "2.1"): "đã trừ 0,5 do chậm BC"})  # a note in a score cell
    edit(target("BTGTU"), {cell("D", "2.2"): "3,75",  # a number typed as text: a warning, still scored
                           cell("D", "1.1"): 18.5})  # resubmitted after the appraisal of 1.1: stale
    # The bloc's appraisal workbook, with one reason left out (BNCTU's 4.3).
    edit(records_of(folder) / "appraisal-2024.xlsx", {f"F{criterion_row(rules, '4.3') - 2}": None}, sheet="BNCTU")
    (folder / _file_of("BDVTU").name).unlink()  # a unit that sent nothing
    shutil.copy(target("BNCTU"), folder / "BNCTU - ban sao.xlsx")  # the same attachment saved twice
    edit(target("UBKTTU"), {cell("E", "1.1"): 20})  # an appraised value in the unit's own file
    edit(target("DUK"), {cell("D", "2.3"): 2}, target=folder / "DUK_v2_sua.xlsx")  # two different versions
    edit(target("TCT"), {cell("D", "2.1"): "N/A", cell("F", "2.2"): "Tæ chøc tèt"})  # N/A not allowed; TCVN3
    edit(target("BQT"), {cell("D", "D1"): 3, cell("F", "D1"): "Chậm báo cáo 3 lần"})  # a per-occurrence deduction
    (folder / "hong.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (folder / "ghi chu.txt").write_text("nộp muộn\n")
