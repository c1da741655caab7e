"""Printing a ranking workbook to PDF through LibreOffice, each sheet's pages numbered on their own.

LibreOffice prints a whole workbook as one document: a footer's &N is then the page count of every sheet
together ("Trang 1 / 34" on the page to sign). So each sheet is printed from a copy of the workbook in which
every other sheet is hidden (LibreOffice prints no hidden sheet), all copies in one LibreOffice run, and
the pages are joined in the workbook's order: "Trang 1/1" on a one-page Ranking, "Trang 2/3" on a unit sheet.

Numbers print in the document's own language: LibreOffice formats a cell's `0.00` by its locale, so the private
profile it runs with is given the locale of the language the workbook was written in (98,50 and 14.040 in
Vietnamese), never the machine's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import LANGUAGE_PROPERTY, LANGUAGES, text

TIMEOUT_SECONDS = 300  # a province's workbook of a few hundred sheets; LibreOffice's start-up alone takes seconds
_SHEET_TAG = re.compile(rb"<sheet\b[^>]*/>")
# LibreOffice's settings file in a fresh profile: only the locale, which decides decimal and thousands marks.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">\
<value>{locale}</value></prop></item>
</oor:items>
"""


class PrintError(BlocScoreError):
    """The PDF cannot be made: LibreOffice is missing, failed or ran out of time."""


def soffice() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice(lang: str) -> str:
    """LibreOffice's command, or a `PrintError` saying how to install it (before any work is done)."""
    found = soffice()
    if found is None:
        raise PrintError(text(lang, "paper.no_soffice"))
    return found


def print_pdf(workbook: Path, target: Path, *, all_sheets: bool, lang: str,
              timeout: float = TIMEOUT_SECONDS) -> Path:
    """Print `workbook`'s first sheet (the Ranking), or with `all_sheets` every visible sheet, to `target`."""
    command = require_soffice(lang)
    import pypdf  # only here: nothing else needs it

    try:
        with zipfile.ZipFile(workbook) as package:
            parts = {info.filename: package.read(info.filename) for info in package.infolist()}
        tags = _SHEET_TAG.findall(parts["xl/workbook.xml"])
    except (OSError, zipfile.BadZipFile, KeyError) as error:
        raise PrintError(text(lang, "paper.not_a_workbook", workbook=str(workbook))) from error
    visible = [index for index, tag in enumerate(tags) if b'state="' not in tag]
    locale = text(document_language(parts) or lang, "paper.locale")
    chosen = visible if all_sheets else visible[:1]
    with tempfile.TemporaryDirectory(prefix="bloc-score-pdf-") as folder:
        work = Path(folder)
        copies = []
        for index in chosen:
            copy = work / f"{index:04d}.xlsx"
            _write_with_one_sheet_visible(parts, tags, index, copy)
            copies.append(copy)
        _convert(command, copies, work, locale, timeout, lang, workbook)
        writer = pypdf.PdfWriter()
        for copy in copies:
            printed = copy.with_suffix(".pdf")
            if not printed.is_file():
                raise PrintError(text(lang, "paper.failed", workbook=str(workbook), detail=printed.name))
            writer.append(str(printed))
        joined = work / "joined.pdf"
        with joined.open("wb") as out:
            writer.write(out)
        # Staged beside the target, flushed and renamed (a move from the system's temporary folder may be a
        # copy, which a kill would leave half done under the PDF's name). Imported here: write.py brings
        # pandas, which `run --pdf` must not load before its rules are found good.
        from pipeline.outputs.write import write_file

        write_file(target, lambda path: shutil.copyfile(joined, path), lang)
    return target


def _write_with_one_sheet_visible(parts: dict[str, bytes], tags: list[bytes], keep: int, target: Path) -> None:
    """A copy of the package whose sheets are all hidden but the `keep`-th, which is also the active one."""
    book = parts["xl/workbook.xml"]
    for index, tag in enumerate(tags):
        if index != keep and b'state="' not in tag:  # a sheet hidden already stays as it is
            book = book.replace(tag, tag.replace(b"<sheet ", b'<sheet state="hidden" ', 1), 1)
    # LibreOffice prints a hidden sheet all the same when it has a print area: drop the others' print ranges.
    book = re.sub(rb'<definedName name="_xlnm\.Print_(?:Area|Titles)" localSheetId="(\d+)"[^>]*>[^<]*</definedName>',
                  lambda found: found[0] if int(found[1]) == keep else b"", book)
    book = re.sub(rb'\s(activeTab|firstSheet)="\d+"', b"", book)
    book = book.replace(b"<workbookView ", f'<workbookView activeTab="{keep}" firstSheet="{keep}" '.encode(), 1)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            if name == "xl/workbook.xml":
                data = book
            elif name.startswith("xl/worksheets/sheet"):
                data = data.replace(b' tabSelected="1"', b"")  # a hidden sheet must not be the selected one
            package.writestr(name, data)


def document_language(parts: dict[str, bytes]) -> str | None:
    """The language a workbook says it is written in (its `Language` property), if it is one we know."""
    found = re.search(rb'name="' + LANGUAGE_PROPERTY.encode() + rb'"[^>]*>\s*<vt:lpwstr>([a-z]+)</vt:lpwstr>',
                      parts.get("docProps/custom.xml", b""))
    language = found[1].decode() if found else None
    return language if language in LANGUAGES else None


def _convert(command: str, copies: list[Path], work: Path, locale: str, timeout: float, lang: str,
             workbook: Path) -> None:
    # A private profile: a LibreOffice the user has open is neither disturbed nor able to take the job over,
    # and the document's locale, not the machine's, writes its numbers.
    settings = work / "profile" / "user" / "registrymodifications.xcu"
    settings.parent.mkdir(parents=True)
    settings.write_text(_PROFILE_SETTINGS.format(locale=locale), encoding="utf-8")
    profile = (work / "profile").resolve().as_uri()
    try:
        subprocess.run([command, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
                        "--convert-to", "pdf", "--outdir", str(work), *map(str, copies)],
                       check=True, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise PrintError(text(lang, "paper.timeout", seconds=int(timeout))) from error
    except (subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        raise PrintError(text(lang, "paper.failed", workbook=str(workbook),
                              detail=detail.decode(errors="replace").strip()[-300:] or str(error))) from error
