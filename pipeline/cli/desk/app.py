"""The desk's pages: the year on one page, a unit's problems, the rules in words, the run; and the actions,
each answered by a page (never a stack trace), each a library call of its command (actions.py).

Server-rendered HTML; the only script is the drop zone's and the run's progress (static/desk.js), without
which every action still works by its form.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from flask import Flask, Response, abort, redirect, render_template, request, send_file
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge

from pipeline.cli.console import render_issues, render_rules
from pipeline.cli.desk import actions
from pipeline.cli.desk.guard import COOKIE, TOKEN_PARAMETER, Guard
from pipeline.cli.desk.jobs import Desk, Outcome, Progress
from pipeline.cli.desk.province import (
    PROVINCE_OUTPUTS,
    ProvinceYear,
    consolidate_province,
    is_province_folder,
    read_province,
)
from pipeline.cli.desk.province import output_path as province_output
from pipeline.cli.desk.year import OUTPUTS, RECORDS, WORKING_FOLDERS, Year, fingerprint, output_path, read_year
from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import LANGUAGES, format_number, text
from pipeline.outputs.feedback import draft_name, feedback_folder
from pipeline.rules.layout import template_filename
from pipeline.rules.model import Rules, Unit
from pipeline.workspace.folders import INPUT, OUTPUT
from pipeline.workspace.intake import MAX_FILES_PER_DROP, MEGABYTE, Received, largest, refusal, set_aside

LANG_COOKIE = "bloc_desk_lang"
# The largest request: one saved e-mail at the reader's limit, with room for the form around it.
MAX_REQUEST_BYTES = largest(".eml") + MEGABYTE

# What each "make" button does: the command's own library call.
MAKERS: dict[str, Callable[[Path, str | None], Outcome]] = {
    "templates": actions.make_templates,
    "appraisal": actions.make_appraisal_book,
    "ballot": actions.make_ballots,
    "feedback": actions.make_letters,
    "pdf": actions.print_ranking,
    "next-year": actions.prepare_next_year,
    "archive": actions.archive_this_year,
}


Read = TypeVar("Read")


class Cache(Generic[Read]):
    """The year as last read, read again only when a file of the folder changed (by the page or a command)."""

    def __init__(self, folder: Path, read: Callable[[Path, str | None], Read], tops: tuple[Path, ...]) -> None:
        self.folder, self.read, self.tops = folder, read, tops
        self.lock = threading.Lock()
        self.seen: tuple[object, Read] | None = None

    def get(self, lang: str | None) -> Read:
        with self.lock:
            key = (fingerprint(self.folder, self.tops), lang)
            if self.seen is None or self.seen[0] != key:
                self.seen = (key, self.read(self.folder, lang))
            return self.seen[1]


def create_app(folder: Path, guard: Guard, *, lang: str | None = None,
               on_quit: Callable[[], None] | None = None) -> Flask:
    """The desk for the working folder `folder`, answering only as `guard` allows."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, MAX_FORM_PARTS=MAX_FILES_PER_DROP + 10)
    shown_folder = str(folder.resolve())
    desk = Desk()
    years = Cache(folder, read_year, WORKING_FOLDERS)
    # A province folder (docs/province.md): its blocs on the page, as a bloc's units are.
    province_mode = is_province_folder(folder)
    provinces = Cache(folder, read_province, (Path("."),))

    def chosen_lang() -> str | None:
        asked = request.cookies.get(LANG_COOKIE)
        return asked if asked in LANGUAGES else lang

    def page_lang() -> str:
        return chosen_lang() or (provinces if province_mode else years).get(None).lang

    @app.before_request
    def only_this_browser() -> Any:
        changes = request.method not in ("GET", "HEAD")
        lang_shown = chosen_lang() or "vi"
        if not guard.host_ok(request.headers.get("Host")) \
                or not guard.origin_ok(request.headers.get("Origin"), changes=changes):
            return _refused(lang_shown, "desk.refused_origin")
        given = request.args.get(TOKEN_PARAMETER)
        if given is not None and not changes:
            if not guard.token_ok(given):
                return _refused(lang_shown, "desk.refused_token")
            # The address with the token opens the desk once: from now on the cookie speaks for this browser.
            response = redirect(request.path)
            response.set_cookie(COOKIE, guard.token, httponly=True, samesite="Strict", path="/")
            return response
        if not guard.token_ok(request.cookies.get(COOKIE)):
            return _refused(lang_shown, "desk.refused_token")
        if province_mode and request.endpoint not in PROVINCE_PAGES:
            abort(404)  # a bloc's page on a province folder: there is no such year here
        return None

    @app.after_request
    def no_sniffing(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes a form post say Origin: null
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'")
        return response

    def answer(outcome: Outcome) -> Any:
        """An action's answer: back to the year's page, which shows what it did once (post, redirect, get)."""
        desk.shown = outcome
        return redirect("/", code=303)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge) -> Any:
        shown = page_lang_safe()
        mb = format_number(MAX_REQUEST_BYTES // MEGABYTE, shown)
        return answer(Outcome(False, [text(shown, "desk.request_too_large", limit=mb)]))

    @app.errorhandler(NotFound)
    def not_found(_error: NotFound) -> Response:
        """A page or file that is not there (a tab left open, a file moved since): said in her language."""
        return Response(text(page_lang_safe(), "desk.not_found"), status=404, mimetype="text/plain")

    @app.errorhandler(BlocScoreError)
    def told(error: BlocScoreError) -> Any:
        return answer(Outcome(False, [error.message]))

    @app.errorhandler(Exception)
    def bug(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return error
        shown = page_lang_safe()
        return answer(Outcome(False, [text(shown, "desk.internal_error", detail=f"{type(error).__name__}: {error}")]))

    def page_lang_safe() -> str:
        try:
            return page_lang()
        except Exception:  # the year itself unreadable: the message still in a language
            return chosen_lang() or "vi"

    def render(template: str, year: Year | ProvinceYear, **values: Any) -> str:
        shown = year.lang
        outcome, desk.shown = desk.shown, None
        running = desk.progress is not None and not desk.progress.finished
        return render_template(template, year=year, lang=shown, t=lambda key, **p: text(shown, f"desk.{key}", **p),
                               label=lambda key, **p: text(shown, key, **p), outcome=outcome, running=running,
                               other_lang="en" if shown == "vi" else "vi", folder=shown_folder,
                               heading=_heading(year),
                               desk_title=text(shown, "desk.title_province" if province_mode else "desk.title"),
                               **values)

    def current_year() -> Year:
        """The year as read now; while the run writes, as last read (reading it again would compete)."""
        if desk.busy.locked() and years.seen is not None:
            return years.seen[1]
        return years.get(chosen_lang())

    def current_province() -> ProvinceYear:
        if desk.busy.locked() and provinces.seen is not None:
            return provinces.seen[1]
        return provinces.get(chosen_lang())

    @app.get("/")
    def year_page() -> str:
        if province_mode:
            return render("province.html", current_province())
        year = current_year()
        templates, letters = set(), set()
        if year.rules is not None:
            drafts = feedback_folder(folder / OUTPUT, year.rules.year)
            for unit in year.rules.units:
                if (actions.templates_folder(folder) / template_filename(year.rules, unit)).is_file():
                    templates.add(unit.code)
                if (drafts / draft_name(unit)).is_file():
                    letters.add(unit.code)
        return render("year.html", year, templates=templates, letters=letters)

    @app.get("/unit/<code>")
    def unit_page(code: str) -> Any:
        year = years.get(chosen_lang())
        if year.rules is None or year.rules.unit(code) is None:
            abort(404)
        issues = year.unit_issues(code)
        row = next(u for u in year.units if u.code == code)
        return render("unit.html", year, unit=row, issues=issues, files=year.unit_files(code),
                      plain=render_issues(issues, year.lang) if issues else "")

    @app.post("/set-aside")
    def set_aside_file() -> Any:
        shown = page_lang()
        name = request.form.get("file", "")
        with _busy(desk, shown):
            moved = set_aside(folder / INPUT, name, shown)
        return answer(Outcome(True, [text(shown, "desk.set_aside_done", name=name,
                                          path=str(moved.relative_to(folder)))]))

    @app.get("/rules")
    def rules_page() -> Any:
        year = years.get(chosen_lang())
        words = render_rules(year.rules, year.lang) if year.rules is not None else ""
        return render("rules.html", year, words=words)

    @app.post("/drop")
    def drop() -> Any:
        shown = page_lang()
        files = [Received(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]
        if not files:
            return answer(Outcome(False, [text(shown, "desk.drop_nothing")]))
        with _busy(desk, shown):
            saved, outcome = actions.receive(folder, files, shown)
            year = years.get(chosen_lang())
            refused = {i.file for i in (year.result.issues if year.result else []) if i.code == "bloc-book-in-input"}
            outcome.lines += actions.take_back_bloc_books(saved, {f for f in refused if f}, shown)
        return answer(outcome)

    @app.post("/make/<what>")
    def make(what: str) -> Any:
        if what not in MAKERS:
            abort(404)
        shown = page_lang()
        if what == "archive" and request.form.get("confirm") != "yes":
            return answer(Outcome(False, [text(shown, "desk.archive_confirm_missing")]))
        with _busy(desk, shown):
            return answer(MAKERS[what](folder, chosen_lang()))

    @app.post("/upload/<record>")
    def upload(record: str) -> Any:
        if record not in RECORDS:
            abort(404)
        shown = page_lang()
        given = request.files.get("file")
        if given is None or not given.filename:
            return answer(Outcome(False, [text(shown, "desk.drop_nothing")]))
        received = Received(given.filename, given.read())
        refused = refusal([received], shown)
        if refused is not None:
            raise BlocScoreError(refused)
        with _busy(desk, shown):
            return answer(actions.upload_record(folder, record, received, chosen_lang()))

    @app.post("/run")
    def start_run() -> Any:
        shown = page_lang()
        asked = chosen_lang()
        if not desk.start(lambda progress: actions.run_year(folder, asked, progress), shown):
            return answer(Outcome(False, [text(shown, "desk.busy")]))
        return redirect("/run", code=303)

    @app.get("/run")
    def run_page() -> Any:
        progress = desk.progress
        if progress is None:
            return redirect("/", code=303)
        if province_mode:
            shown = current_province()
            downloads = [(f"/province/{name}", text(shown.lang, f"desk.province_output_{name}"))
                         for name, _file, written in shown.outputs if written is not None]
            return render("run.html", shown, progress=progress, downloads=downloads)
        year = current_year()
        downloads = [(f"/download/{o.name}", text(year.lang, f"desk.output_{o.name}")) for o in year.outputs
                     if o.exists and o.name in ("ranking", "results", "minutes", "proposals")]
        return render("run.html", year, progress=progress, downloads=downloads)

    @app.get("/progress")
    def progress_state() -> Any:
        progress = desk.progress or Progress(finished=True)
        return {"message": progress.message, "stage": progress.stage, "done": progress.done,
                "total": progress.total, "finished": progress.finished}

    @app.get("/bloc/<code>")
    def bloc_page(code: str) -> Any:
        shown = current_province()
        report = next((r for r in shown.result.blocs if r.entry.code == code), None) if shown.result else None
        if report is None:
            abort(404)
        return render("bloc.html", shown, report=report, issues=report.issues,
                      plain=render_issues(report.issues, shown.lang) if report.issues else "")

    @app.post("/province")
    def consolidate() -> Any:
        shown = page_lang()
        asked = chosen_lang()
        if not desk.start(lambda progress: consolidate_province(folder, asked, progress), shown):
            return answer(Outcome(False, [text(shown, "desk.busy")]))
        return redirect("/run", code=303)

    @app.get("/province/<name>")
    def download_province(name: str) -> Any:
        shown = current_province()
        if name not in PROVINCE_OUTPUTS or shown.result is None:
            abort(404)
        return _send(province_output(folder, shown.result.province.year, name))

    @app.get("/download/<name>")
    def download(name: str) -> Any:
        if name not in OUTPUTS and name not in RECORDS:
            abort(404)
        year = years.get(chosen_lang())
        if year.rules is None:
            abort(404)
        return _send(output_path(folder, year.rules, name))

    def unit_of(code: str) -> tuple[Rules, Unit]:
        """The year's rules and its unit `code`; any other code is not found."""
        year = years.get(chosen_lang())
        unit = year.rules.unit(code) if year.rules is not None else None
        if year.rules is None or unit is None:
            abort(404)
        return year.rules, unit

    @app.get("/template/<code>")
    def template(code: str) -> Any:
        rules, unit = unit_of(code)
        return _send(actions.templates_folder(folder) / template_filename(rules, unit))

    @app.get("/templates.zip")
    def templates_zip() -> Any:
        year = years.get(chosen_lang())
        if year.rules is None:
            abort(404)
        paths = [actions.templates_folder(folder) / template_filename(year.rules, unit) for unit in year.rules.units]
        found = [path for path in paths if path.is_file()]
        if not found:
            abort(404)
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in found:
                archive.write(path.resolve(), path.name)
        packed.seek(0)
        return send_file(packed, as_attachment=True, download_name=f"bieu-mau-{year.rules.year}.zip",
                         mimetype="application/zip")

    @app.get("/letter/<code>")
    def letter(code: str) -> Any:
        rules, unit = unit_of(code)
        return _send(feedback_folder(folder / OUTPUT, rules.year) / draft_name(unit))

    @app.post("/lang/<chosen>")
    def switch_language(chosen: str) -> Any:
        if chosen not in LANGUAGES:
            abort(404)
        back = request.form.get("back", "/")
        response = redirect(back if back in ("/", "/rules") else "/", code=303)
        response.set_cookie(LANG_COOKIE, chosen, httponly=True, samesite="Strict", path="/")
        return response

    @app.post("/quit")
    def quit_desk() -> Any:
        shown = page_lang_safe()
        if on_quit is not None:
            # After this answer has left: the browser shows that the desk is closed, not a broken page.
            threading.Timer(0.5, on_quit).start()
        return render_template("closed.html", lang=shown, t=lambda key, **p: text(shown, f"desk.{key}", **p))

    def _send(path: Path) -> Any:
        if not path.is_file():
            abort(404)
        # Absolute: Flask reads a relative path from its own package, not from the working folder.
        return send_file(path.resolve(), as_attachment=True, download_name=path.name)

    return app


@contextmanager
def _busy(desk: Desk, lang: str) -> Iterator[None]:
    """Holds the desk for an action; a second one meanwhile is told to wait, never queued behind."""
    if not desk.busy.acquire(blocking=False):
        raise BlocScoreError(text(lang, "desk.busy"))
    try:
        yield
    finally:
        desk.busy.release()


# What a province folder's desk answers: its own pages, the run's progress, the language, Quit, the stylesheet.
PROVINCE_PAGES = frozenset({"year_page", "bloc_page", "consolidate", "download_province", "run_page",
                            "progress_state", "switch_language", "quit_desk", "static"})


def _heading(year: Year | ProvinceYear) -> str:
    """The line under the desk's title: whose year it is."""
    if isinstance(year, ProvinceYear):
        return f"{year.result.province.board} — {year.result.province.year}" if year.result else ""
    return f"{year.rules.bloc} — {year.rules.year}" if year.rules else ""


def _refused(lang: str, key: str) -> Response:
    """A request from anyone but the desk's own browser: nothing done, said plainly."""
    return Response(text(lang, key), status=403, mimetype="text/plain")
