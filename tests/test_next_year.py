"""The next year: `bloc-score new-year` writes next year's rules, and a run compares each unit with last year."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.core.errors import ExitCode
from pipeline.forms.next_year import next_year_name, shifted, write_next_year
from pipeline.forms.synthetic import UnitProfile, write_submissions
from pipeline.rules.load import load_rules
from pipeline.scoring.previous_year import PastResults, PastUnit, compare_years
from pipeline.scoring.rank import RankedUnit
from pipeline.workspace.choice import choose_rules_file
from tests.conftest import SAMPLE_RULES, rules_from

NAME_2025 = "quang-tri-co-quan-dang-2025.yaml"


def _this_year(folder: Path, *, deadline: str = "2024-12-20") -> Path:
    """The sample's rules with a deadline, an address and a `previous` mapping, as a secretary's file."""
    source = SAMPLE_RULES.read_text(encoding="utf-8")
    source = source.replace("revision: 1\n", f"revision: 3\ndeadline: {deadline}   # hạn gửi\n")
    source = source.replace("{code: BQT, name: Báo Quảng Trị,",
                            "{code: BQT, name: Báo Quảng Trị, previous: [BQTR], email: toasoan@baoqt.example.vn,")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SAMPLE_RULES.name
    path.write_text(source, encoding="utf-8")
    return path


def test_next_year_keeps_the_comments_and_changes_year_revision_and_deadline(tmp_path):
    source = _this_year(tmp_path / "schemas")
    made = write_next_year(source, tmp_path / "schemas")
    assert made.path == tmp_path / "schemas" / NAME_2025 and made.comments_kept
    content = made.path.read_text(encoding="utf-8")
    assert content.startswith("# Quy định thi đua năm 2025, lập bằng `bloc-score new-year` từ "
                              "quang-tri-co-quan-dang-2024.yaml (năm 2024).\n")
    # This year's own comments are still there, each on its line.
    assert "# Rules of the emulation bloc of Party agencies of Quảng Trị province, 2024 (sample).\n" in content
    assert "deadline: 2025-12-20   # hạn gửi\n" in content
    assert "{code: BQT, name: Báo Quảng Trị, email: toasoan@baoqt.example.vn, parent: Tỉnh ủy Quảng Trị}" in content
    this_year, next_year = load_rules(source), load_rules(made.path)
    assert (next_year.year, next_year.revision, str(next_year.deadline)) == (2025, 1, "2025-12-20")
    assert [(u.code, u.name, u.email) for u in next_year.units] == [(u.code, u.name, u.email) for u in this_year.units]
    assert not any(u.previous for u in next_year.units)
    assert next_year.sections == this_year.sections and next_year.awards == this_year.awards
    review = "\n".join(made.review)
    assert "hạn gửi (`deadline`) 2024-12-20 → 2025-12-20" in review
    assert "khen thưởng flag (Cờ thi đua của Ban Chấp hành Đảng bộ tỉnh)" in review
    assert "căn cứ (`basis`): Luật Thi đua" in review
    assert "còn ghi năm 2024: agreement: Giao ước thi đua năm 2024" in review  # the agreement names this year
    assert "số và ngày văn bản" not in review  # the example leaves them to be written by hand


def test_last_years_document_numbers_and_dates_are_pointed_out(tmp_path):
    source = _this_year(tmp_path / "schemas")
    written = source.read_text(encoding="utf-8").replace(
        "attached_to: {document: Báo cáo}\n",
        "attached_to: {document: Báo cáo, number: 15-BC/KTĐ}\nproposal: {number: 03-TTr/KTĐ, date: 2025-01-15}\n")
    source.write_text(written, encoding="utf-8")
    review = "\n".join(write_next_year(source, tmp_path / "schemas").review)
    assert "số và ngày văn bản của năm 2024 (attached_to, proposal)" in review
    assert "đã bỏ các khóa previous của năm 2024" in review


def _next_year_with_school_as(tmp_path: Path, written: str):
    """Next year's rules made from this year's, the political school's unit entry written as `written`."""
    source = _this_year(tmp_path)
    text = source.read_text(encoding="utf-8").replace(
        "  - {code: TCT, name: Trường Chính trị Lê Duẩn, parent: Tỉnh ủy Quảng Trị}\n", written)
    source.write_text(text, encoding="utf-8")
    return write_next_year(source, tmp_path / "out")


def test_a_block_style_previous_is_removed_with_its_lines(tmp_path):
    made = _next_year_with_school_as(
        tmp_path, "  - code: TCT\n    previous:\n      - TCTLD\n    name: Trường Chính trị Lê Duẩn   # đổi tên 2024\n")
    content = made.path.read_text(encoding="utf-8")
    assert made.comments_kept
    assert "  - code: TCT\n    name: Trường Chính trị Lê Duẩn   # đổi tên 2024\n" in content


def test_a_layout_the_edits_cannot_follow_is_written_from_the_data(tmp_path):
    made = _next_year_with_school_as(
        tmp_path, "  - previous: [TCTLD]\n    code: TCT\n    name: Trường Chính trị Lê Duẩn\n")
    assert not made.comments_kept
    rules = load_rules(made.path)
    assert rules.year == 2025 and rules.unit("TCT").previous == () and rules.unit("TCT").name
    assert made.path.read_text(encoding="utf-8").startswith("# Quy định thi đua năm 2025")


def test_names_and_dates():
    assert next_year_name(Path("khoi-2024.yaml"), 2024) == "khoi-2025.yaml"
    assert next_year_name(Path("khoi.yaml"), 2024) == "khoi-2025.yaml"
    assert next_year_name(Path("khoi-12024.yml"), 2024) == "khoi-12024-2025.yml"
    assert str(shifted(__import__("datetime").date(2024, 2, 29))) == "2025-02-28"


def test_the_command_never_replaces_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _this_year(tmp_path / "schemas")
    first = CliRunner().invoke(main, ["new-year", "--lang", "en"])
    assert first.exit_code == ExitCode.DONE, first.output
    assert f"Next year's rules file written: schemas/{NAME_2025}" in first.output
    assert "To review in the new file:" in first.output and "deadline 2024-12-20 → 2025-12-20" in first.output
    written = (tmp_path / "schemas" / NAME_2025).read_bytes()
    again = CliRunner().invoke(main, ["new-year", "--previous", f"schemas/{SAMPLE_RULES.name}", "--lang", "en"])
    assert again.exit_code == ExitCode.USER_ERROR
    assert f"schemas/{NAME_2025} already exists, so nothing was written" in again.output
    assert (tmp_path / "schemas" / NAME_2025).read_bytes() == written


# ------------------------------------------------------------------------------------ the comparison

def _ranked(rules, totals: dict[str, tuple[str, int]]) -> list[RankedUnit]:
    from fractions import Fraction

    from pipeline.scoring.score import UnitScore

    return [RankedUnit(UnitScore(code, (), Fraction(0), Fraction(0), Fraction(0), Fraction(0), Fraction(0),
                                 Fraction(total), Decimal(total), (), ()), rank, None, None)
            for code, (total, rank) in totals.items()]


def test_a_merged_unit_is_compared_with_its_predecessors_mean_and_has_no_previous_rank():
    rules = rules_from(units=[{"code": "A", "name": "A"}, {"code": "BC", "name": "B và C", "previous": ["B", "C"]},
                              {"code": "E", "name": "E mới"}, {"code": "F", "name": "F", "previous": ["OLD", "F0"]}])
    past = PastResults(2023, rules.bloc, False, {
        "A": PastUnit("A", "A", Decimal("40.5"), 3), "B": PastUnit("B", "B", Decimal("45"), 1),
        "C": PastUnit("C", "C", Decimal("42.25"), 2), "D": PastUnit("D", "D", Decimal("30"), 4),
        "F0": PastUnit("F0", "F cũ", None, None)})
    comparison, issues = compare_years(rules, _ranked(rules, {"BC": ("44", 1), "A": ("41.5", 2)}), past, "r.json")
    a, bc, e, f = (comparison.units[c] for c in ("A", "BC", "E", "F"))
    assert (a.total, a.rank, a.total_change, a.rank_change) == (Decimal("40.5"), 3, Decimal("1.0"), 1)
    assert bc.codes == ("B", "C") and bc.total == Decimal("43.63") and bc.rank is None  # (45 + 42.25) / 2, rounded
    assert bc.total_change == Decimal("0.37") and bc.rank_change is None
    assert e is None and comparison.new == ["E"]
    assert f.codes == ("F0",) and f.total is None and f.total_change is None  # not ranked last year
    assert [g.code for g in comparison.gone] == ["D"]
    assert [(i.code, i.unit, i.params["code"]) for i in issues] == [("previous-code-unknown", "F", "OLD")]


@pytest.mark.slow
def test_new_year_then_a_run_with_last_years_results_shows_the_year_over_year_columns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--example", "."]).exit_code == ExitCode.DONE
    first = runner.invoke(main, ["run", "--quiet"])
    assert first.exit_code == ExitCode.DONE, first.output
    last_year = json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))
    assert last_year["schema_version"] == 4 and last_year["previous_year"] is None
    assert runner.invoke(main, ["new-year"]).exit_code == ExitCode.DONE

    # new-year changes no choice: this year's submissions still pick this year's file.
    schemas = tmp_path / "schemas"
    assert choose_rules_file(None, schemas, tmp_path / "input").path == schemas / SAMPLE_RULES.name
    again = runner.invoke(main, ["run", "--quiet"])
    assert again.exit_code == ExitCode.DONE and (tmp_path / "output" / "ranking-2024.xlsx").is_file()

    # 2025: BTGTU and BDVTU merge, BQT is renamed BQTR, TCT leaves, a new unit joins.
    rules_2025 = schemas / NAME_2025
    content = rules_2025.read_text(encoding="utf-8")
    content = content.replace("  - {code: BTGTU, name: Ban Tuyên giáo Tỉnh ủy, parent: Tỉnh ủy Quảng Trị}\n"
                              "  - {code: BDVTU, name: Ban Dân vận Tỉnh ủy, parent: Tỉnh ủy Quảng Trị}\n",
                              "  - {code: BTGDV, name: Ban Tuyên giáo và Dân vận Tỉnh ủy, previous: [BTGTU, BDVTU]}\n")
    content = content.replace("  - {code: BQT, name: Báo Quảng Trị, parent: Tỉnh ủy Quảng Trị}\n",
                              "  - {code: BQTR, name: Báo và Phát thanh Quảng Trị, previous: [BQT]}\n")
    content = content.replace("  - {code: TCT, name: Trường Chính trị Lê Duẩn, parent: Tỉnh ủy Quảng Trị}\n",
                              "  - {code: DTN, name: Đoàn Thanh niên}\n")
    rules_2025.write_text(content, encoding="utf-8")
    rules = load_rules(rules_2025)
    shutil.rmtree(tmp_path / "input")
    write_submissions(rules, {u.code: UnitProfile(strength=0.98 - 0.03 * i) for i, u in enumerate(rules.units)},
                      tmp_path / "input")
    outcome = runner.invoke(main, ["run"])
    assert outcome.exit_code == ExitCode.DONE, outcome.output
    assert f"schemas/{NAME_2025}" in outcome.output.splitlines()[0]
    assert ("So sánh với kết quả năm 2024 (output/results-2024.json): 7 đơn vị so sánh được, 1 đơn vị mới, "
            "1 đơn vị không còn trong Khối") in outcome.output

    results = json.loads((tmp_path / "output" / "results-2025.json").read_text(encoding="utf-8"))
    before = {u["code"]: u for u in last_year["units"]}
    now = {u["code"]: u for u in results["units"]}
    assert results["previous_year"]["year"] == 2024 and results["previous_year"]["new"] == ["DTN"]
    assert [g["code"] for g in results["previous_year"]["gone"]] == ["TCT"]
    vptu = now["VPTU"]["previous"]
    assert (vptu["year"], vptu["codes"], vptu["total"], vptu["rank"]) == (2024, ["VPTU"], before["VPTU"]["total"],
                                                                          before["VPTU"]["rank"])
    assert vptu["total_change"] == float(Decimal(str(now["VPTU"]["total"])) - Decimal(str(before["VPTU"]["total"])))
    assert vptu["rank_change"] == before["VPTU"]["rank"] - now["VPTU"]["rank"]
    merged = now["BTGDV"]["previous"]
    mean = (Decimal(str(before["BTGTU"]["total"])) + Decimal(str(before["BDVTU"]["total"]))) / 2
    assert merged["codes"] == ["BTGTU", "BDVTU"] and merged["rank"] is None
    assert merged["total"] == float(mean.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))
    assert now["BQTR"]["previous"]["codes"] == ["BQT"] and now["DTN"]["previous"] is None

    book = openpyxl.load_workbook(tmp_path / "output" / "ranking-2025.xlsx")
    assert book.sheetnames[:3] == ["Xếp hạng", "Biểu đồ", "So với năm 2024"]
    sheet = book["So với năm 2024"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Mã")
    assert rows[header][2:8] == ["Tổng điểm 2025", "Xếp hạng 2025", "Tổng điểm 2024", "Xếp hạng 2024",
                                 "Chênh lệch tổng điểm", "Thay đổi thứ hạng"]
    by_code = {row[0]: row for row in rows[header + 1:] if row[0]}
    assert by_code["VPTU"][2:8] == [now["VPTU"]["total"], now["VPTU"]["rank"], before["VPTU"]["total"],
                                    before["VPTU"]["rank"], pytest.approx(vptu["total_change"]), vptu["rank_change"]]
    assert sheet.cell(header + 2, 7).number_format == '"▲ "0.00;"▼ "0.00;"="'
    assert by_code["BTGDV"][4] == merged["total"] and by_code["BTGDV"][5] is None
    assert "hợp nhất từ các đơn vị năm 2024: BTGTU:" in by_code["BTGDV"][8]
    assert by_code["BQTR"][8] == "năm 2024 là BQT (Báo Quảng Trị)"
    assert by_code["DTN"][4] is None and by_code["DTN"][8] == "đơn vị mới, năm 2024 chưa có"
    assert by_code["TCT"][4] == before["TCT"]["total"] and by_code["TCT"][8] == "không còn trong Khối năm 2025"


def test_an_unusable_previous_file_is_a_warning_and_no_comparison(tmp_path, sample_rules):
    from pipeline.reading.previous_results import read_past
    from pipeline.scoring.previous_year import compare_years

    bad = tmp_path / "results-2023.json"
    bad.write_text("{not json", encoding="utf-8")
    past, issues = read_past(bad, sample_rules)
    assert past is None and [i.code for i in issues] == ["previous-results-unusable"]
    assert issues[0].file == str(bad) and "không đọc được tệp" in issues[0].message("vi")
    later = tmp_path / "results-2025.json"
    later.write_text(json.dumps({"year": 2025, "bloc": sample_rules.bloc, "units": []}), encoding="utf-8")
    past, issues = read_past(later, sample_rules)
    assert past is None and "kết quả năm 2025, không phải một năm trước" in issues[0].message("vi")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"year": 2023, "bloc": "Khối khác", "provisional": True, "units": [
        {"code": "VPTU", "name": "VP", "total": 90.5, "rank": 2}]}), encoding="utf-8")
    past, issues = read_past(other, sample_rules)
    assert past is not None
    comparison, unknown = compare_years(sample_rules, [], past, str(other))
    assert comparison.units["VPTU"].total == Decimal("90.5") and unknown == []
    assert [i.code for i in issues] == ["previous-results-other-bloc", "previous-results-provisional"]


@pytest.mark.slow
def test_run_previous_names_last_years_results_anywhere(tmp_path, monkeypatch, sample_rules):
    monkeypatch.chdir(tmp_path)
    archive = tmp_path / "luu-tru" / "ket-qua-2023.json"
    archive.parent.mkdir()
    archive.write_text(json.dumps({"schema_version": 2, "year": 2023, "bloc": sample_rules.bloc, "units": [
        {"code": "VPTU", "name": "Văn phòng Tỉnh ủy", "total": 99.0, "rank": 1},
        {"code": "BTTU", "name": "Ban cũ", "total": 80.0, "rank": 9}]}), encoding="utf-8")
    outcome = CliRunner().invoke(main, ["run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_RULES.parent.parent
                                        / "input"), "--previous", "luu-tru/ket-qua-2023.json", "--lang", "en"])
    assert outcome.exit_code == ExitCode.DONE, outcome.output
    assert "Compared with the 2023 results (luu-tru/ket-qua-2023.json): 1 unit compared, 8 new, 1 no longer" \
        in outcome.output
    results = json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))
    assert results["previous_year"]["file"] == "luu-tru/ket-qua-2023.json"
    assert [g["code"] for g in results["previous_year"]["gone"]] == ["BTTU"]
    vptu = next(u for u in results["units"] if u["code"] == "VPTU")
    assert vptu["previous"]["total"] == 99.0 and vptu["previous"]["total_change"] == vptu["total"] - 99.0
    assert "Compared with 2023" in openpyxl.load_workbook(tmp_path / "output" / "ranking-2024.xlsx").sheetnames


# ------------------------------------------------------------------------------------ new-year --archive

def test_new_year_says_how_to_archive_and_archive_moves_the_year_keeping_the_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--example", "."]).exit_code == ExitCode.DONE
    assert runner.invoke(main, ["run", "--quiet"]).exit_code == ExitCode.DONE
    key = (tmp_path / "bloc" / "seal.key").read_bytes()
    told = runner.invoke(main, ["new-year"])
    assert told.exit_code == ExitCode.DONE
    # A true line about the revision (not "phiên bản 1 → 1"), and the order for the end of the year, to the secretary.
    assert "năm 2024 → 2025; phiên bản 1 như năm 2024 (bản đầu tiên của năm 2025" in told.output
    assert "phiên bản 1 → 1" not in told.output
    assert ("Khi việc của năm 2024 đã xong (văn bản đã ký), chạy `bloc-score new-year --archive`: input/, output/ "
            "và các bảng của Khối trong bloc/ được chuyển vào archive/2024/, khóa bloc/seal.key ở lại bloc/"
            ) in told.output
    assert not (tmp_path / "archive").exists()

    done = runner.invoke(main, ["new-year", "--archive"])
    assert done.exit_code == ExitCode.DONE, done.output
    assert f"Tệp quy định năm sau đã có: schemas/{NAME_2025} (không ghi lại)." in done.output
    assert ("Đã chuyển hồ sơ năm 2024 vào archive/2024: input/ (9), output/ (4), bloc/ (2). Khóa bloc/seal.key ở "
            "lại bloc/.") in done.output
    archive = tmp_path / "archive" / "2024"
    assert len(list((archive / "input").glob("*.xlsx"))) == 9 and (archive / "output" / "results-2024.json").is_file()
    assert sorted(p.name for p in (archive / "bloc").iterdir()) == ["appraisal-2024.xlsx", "tally-2024.xlsx"]
    assert sorted(p.name for p in (tmp_path / "bloc").iterdir() if not p.name.startswith(".")) == [
        "README.txt", "seal.key"]
    assert (tmp_path / "bloc" / "seal.key").read_bytes() == key
    assert not list((tmp_path / "input").iterdir())
    assert not [p for p in (tmp_path / "output").iterdir() if not p.name.startswith(".")]

    # The new year: its templates are made from next year's rules; the run compares with the archived results.
    schemas = tmp_path / "schemas"
    assert choose_rules_file(None, schemas, tmp_path / "input").path == schemas / NAME_2025
    rules = load_rules(tmp_path / "schemas" / NAME_2025)
    write_submissions(rules, {u.code: UnitProfile(strength=0.9) for u in rules.units}, tmp_path / "input")
    outcome = runner.invoke(main, ["run", "--quiet"])
    assert outcome.exit_code == ExitCode.DONE, outcome.output
    results = json.loads((tmp_path / "output" / "results-2025.json").read_text(encoding="utf-8"))
    assert results["previous_year"]["year"] == 2024
    assert results["previous_year"]["file"].endswith("archive/2024/output/results-2024.json")


def test_archive_moves_nothing_over_an_archive_or_with_a_workbook_open(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--example", "."]).exit_code == ExitCode.DONE
    (tmp_path / "bloc" / "~$appraisal-2024.xlsx").write_bytes(b"owner")
    refused = runner.invoke(main, ["new-year", "--archive", "--lang", "en"])
    assert refused.exit_code == ExitCode.USER_ERROR
    assert "~$appraisal-2024.xlsx shows a workbook is open, so nothing was moved. Close it in Excel" in refused.output
    assert len(list((tmp_path / "input").iterdir())) == 9 and not (tmp_path / "archive" / "2024").exists()
    (tmp_path / "bloc" / "~$appraisal-2024.xlsx").unlink()
    (tmp_path / "archive" / "2024").mkdir(parents=True)
    again = runner.invoke(main, ["new-year", "--archive", "--lang", "en"])
    assert again.exit_code == ExitCode.USER_ERROR
    assert "archive/2024 already exists, so nothing was moved" in again.output
    assert len(list((tmp_path / "input").iterdir())) == 9
