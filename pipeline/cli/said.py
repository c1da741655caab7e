"""What each command says when its work is done, in lines: the terminal prints them, the desk shows them.

One place per command, so that the secretary reads the same sentences whichever door she came in by.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core.labels import text

if TYPE_CHECKING:
    from pipeline.forms.appraisal_made import AppraisalMade
    from pipeline.forms.ballot import BallotPapers
    from pipeline.forms.next_year import Archived, NextYear
    from pipeline.outputs.feedback import FeedbackMade
    from pipeline.province.board import ProvinceResult
    from pipeline.rules.model import Rules
    from pipeline.workspace.seal_keys import BlocKey


def key_made_line(key: BlocKey, lang: str) -> str:
    """What a command says when it made the bloc's key: where, its id, and that it is never sent."""
    return text(lang, "seal.key_created", path=str(key.path), key_id=key.key.key_id)


def templates_said(written: list[Path], key: BlocKey, folder: Path, lang: str) -> list[str]:
    lines = [f"  {path}" for path in written]
    lines.append(text(lang, "report.templates_written", count=len(written), folder=str(folder)))
    if key.created:
        lines.append(key_made_line(key, lang))
    lines.append(text(lang, "seal.sealed", key_id=key.key.key_id))
    return lines


def appraisal_said(made: AppraisalMade, rules: Rules, output_dir: Path, lang: str, *,
                   next_key: str = "appraisal.next") -> list[str]:
    """`next_key`: the last line, what to do next; the desk says it in its own buttons' words."""
    found = made.result.validation
    lines = [text(lang, "appraisal.written", path=str(made.path))]
    if made.key.created:
        lines.append(key_made_line(made.key, lang))
    if made.carried:
        lines.append(text(lang, "appraisal.carried", count=made.carried, file=found.appraisal_file))
    if made.kept is not None:
        lines.append(text(lang, "appraisal.kept", path=str(made.kept)))
    if rules.appraisal_by == "peers":  # cross-scoring: one workbook per scoring unit besides the bloc's
        lines.append(text(lang, "peer.written", count=len(made.peers), folder=str(output_dir)))
        earlier = [kept for _target, kept in made.peers if kept is not None]
        if earlier:
            lines.append(text(lang, "peer.kept", count=len(earlier), folder=str(earlier[0].parent)))
        if found.peers_missing:
            lines.append(text(lang, "peer.missing_scorers", scorers=", ".join(found.peers_missing)))
    # Appraisals of a unit whose file broke since: only the earlier workbook still holds them.
    for unit, count in made.not_carried.items():
        lines.append(text(lang, "appraisal.not_carried", count=count, unit=unit))
    lines.append(text(lang, next_key, path=str(made.path)))
    return lines


def ballot_said(papers: BallotPapers, rules: Rules, lang: str, *, next_key: str = "vote.ballot_next") -> list[str]:
    made, result = papers.made, papers.result
    if made is None:
        assert rules.vote is not None  # ballot_papers refuses rules without a vote
        return [text(lang, "vote.ballot_no_candidates", awards=", ".join(rules.vote.awards))]
    lines = [text(lang, "vote.ballot_written", path=str(made.ballots), voters=made.voters, per_page=made.per_page,
                  pages=-(-made.voters // made.per_page)),
             text(lang, "vote.tally_written", path=str(made.tally))]
    if papers.key is not None and papers.key.created:
        lines.append(key_made_line(papers.key, lang))
    lines += [text(lang, "vote.kept", name=kept.name, path=str(kept)) for kept in made.kept_previous]
    if result.provisional:
        counts = {state: sum(1 for s in result.status.values() if s == state) for state in ("missing", "invalid")}
        lines.append(text(lang, "report.provisional", **counts))
    lines.append(text(lang, next_key, path=str(made.tally)))
    return lines


def feedback_said(made: FeedbackMade, lang: str) -> list[str]:
    messages = made.written.messages
    kinds = {kind: sum(1 for m in messages if m.kind == kind) for kind in ("fix", "received", "reminder")}
    lines = [text(lang, "feedback.written", count=len(made.written.drafts), folder=str(made.folder), **kinds),
             text(lang, "feedback.summary_written", path=str(made.written.summary))]
    unaddressed = [m.unit.code for m in messages if not m.unit.email]
    if unaddressed:
        lines.append(text(lang, "feedback.no_addresses", count=len(unaddressed), codes=", ".join(unaddressed)))
    if made.written.kept:
        lines.append(text(lang, "feedback.kept", folder=str(made.written.kept[0].parent)))
    if made.result.bloc_errors:  # the bloc's own workbook: no letter tells of it, the secretary must
        lines.append(made.result.bloc_errors_note(lang))
    lines.append(text(lang, "feedback.not_sent"))
    return lines


def next_year_said(made: NextYear, source: Path, lang: str, *, archive_hint: bool,
                   next_key: str = "next_year.next") -> list[str]:
    lines = [text(lang, "next_year.written", path=str(made.path)),
             text(lang, f"next_year.comments_{'kept' if made.comments_kept else 'lost'}", source=str(source)),
             "", text(lang, "next_year.review_heading"), *(f"  - {item}" for item in made.review), "",
             text(lang, "next_year.this_year", source=str(source)),
             text(lang, next_key, path=str(made.path), previous=made.rules.year - 1, year=made.rules.year)]
    if archive_hint:
        lines.append(text(lang, "next_year.archive_how", previous=made.rules.year - 1))
    return lines


def archived_said(done: Archived, year: int, lang: str) -> str:
    moved = ", ".join(f"{folder} ({count})" for folder, count in done.moved.items())
    return text(lang, "next_year.archived", year=year, folder=str(done.folder), moved=moved)


def province_said(result: ProvinceResult, paths: tuple[Path, ...], lang: str, *, quiet: bool) -> list[str]:
    """What `province` says when done: each bloc's state and problems, each award's places and proposals,
    the files written (warnings left out when quiet)."""
    lines = []
    for report in result.blocs:
        lines.append(text(lang, "province.said_bloc", bloc=report.entry.code, name=report.entry.name,
                          state=text(lang, f"province.state_{report.state}")))
        lines += [f"  {'x' if i.severity == 'error' else '!'} [{i.code}] {i.message(lang)}" for i in report.issues
                  if not quiet or i.severity == "error"]
    for consolidated in result.awards:
        proposed = ", ".join(f"{c.bloc}/{c.unit}" for c in consolidated.proposed) or "—"
        lines.append(text(lang, "province.said_award", award=consolidated.award.label, places=consolidated.places,
                          candidates=len(consolidated.candidates), proposed=proposed,
                          outcome=text(lang, f"province.outcome_{consolidated.outcome}")))
        lines += [f"  ! [{i.code}] {i.message(lang)}" for i in consolidated.issues]
    lines += [text(lang, "province.said_written", path=str(path)) for path in paths]
    return lines
