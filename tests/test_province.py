"""The province's board (issue 32): a province of several blocs built in code — different criteria tables, a
bloc given as its working folder, blocs given as the results they sent, one provisional, one results file
tampered with, one missing — consolidated exactly, against an independent computation here, with every
problem located; province.yaml's own problems located by line; years side by side through `previous:`."""

from __future__ import annotations

import copy
import json
import shutil
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from docx import Document

from pipeline.core.errors import RulesError
from pipeline.core.numbers import rounded
from pipeline.outputs.results_json import results_fingerprint
from pipeline.outputs.write import write_outputs
from pipeline.province.board import ProvinceResult, run_province
from pipeline.province.load import load_province, parse_province
from pipeline.province.write import write_province
from pipeline.rules.load import parse_rules
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests.builders import good_files
from tests.conftest import SMALL_RULES, invoke, values

YEAR = 2024

# Bloc A: the small table (four criteria, 50 points, bonus and deductions), given as its working folder.
A_RULES = {**copy.deepcopy(SMALL_RULES), "bloc": "Khối thi đua A", "language": "vi"}
A_RULES["units"] = [{"code": "A1", "name": "Đơn vị A1", "previous": ["Z1"]}, {"code": "A2", "name": "Đơn vị A2"},
                    {"code": "A3", "name": "Đơn vị A3"}, {"code": "A4", "name": "Đơn vị A4"}]
A_SCORES = {  # 1.1 (20), 1.2 (10), 2.1 (10), 2.2 (10), B1, B2, D1, D2
    "A1": {"1.1": 19.5, "1.2": 9, "2.1": 9.5, "2.2": 9, "B1": 1, "B2": 0, "D1": 0, "D2": 0},
    "A2": {"1.1": 18, "1.2": 9, "2.1": 9, "2.2": 8, "B1": 0, "B2": 0, "D1": 0.5, "D2": 0},
    "A3": {"1.1": 17, "1.2": 8, "2.1": 8, "2.2": 8, "B1": 0, "B2": 0, "D1": 0, "D2": 0},
    "A4": {"1.1": 15, "1.2": 7, "2.1": 7, "2.2": 7, "B1": 0, "B2": 0, "D1": 0, "D2": 0},
}

# Bloc B: another table (two criteria, 100 points, no bonus), two flags; it sends its results file.
B_RULES: dict[str, Any] = {
    "bloc": "Khối thi đua B", "year": YEAR, "language": "vi", "decimals": 2,
    "units": [{"code": f"B{i}", "name": f"Đơn vị B{i}"} for i in range(1, 6)],
    "sections": [{"code": "I", "title": "Nhiệm vụ", "criteria": [
        {"code": "1", "title": "Chương trình", "max": 60, "step": 0.25},
        {"code": "2", "title": "Đột xuất", "max": 40, "step": 0.25}]}],
    "classification": [{"min": 0, "label": "Khá"}],
    "awards": {"flag": {"count": 2, "min_score": 80, "label": "Cờ thi đua"},
               "merit": {"count": 1, "min_score": 70, "label": "Bằng khen"}},
}
B_SCORES = {"B1": {"1": 58.5, "2": 39}, "B2": {"1": 57, "2": 37.75}, "B3": {"1": 50, "2": 30},
            "B4": {"1": 45, "2": 20}, "B5": {"1": 40, "2": 20}}

# Bloc C: B's table under another name, one unit's file missing: provisional.
C_RULES = {**copy.deepcopy(B_RULES), "bloc": "Khối thi đua C",
           "units": [{"code": f"C{i}", "name": f"Đơn vị C{i}"} for i in range(1, 4)]}
C_SCORES = {"C1": {"1": 60, "2": 40}, "C2": {"1": 50, "2": 35}}

# Bloc D: A's table again, its sent results file edited by hand after bloc-score wrote it.
D_RULES = {**copy.deepcopy(SMALL_RULES), "bloc": "Khối thi đua D", "language": "vi"}
D_SCORES = {code: A_SCORES[f"A{n}"] for n, code in enumerate("ABCD", start=1)}


def _working_folder(folder: Path, rules_data: dict[str, Any], scores: dict[str, dict[str, float]]) -> Path:
    (folder / "schemas").mkdir(parents=True)
    (folder / "bloc").mkdir()
    (folder / "input").mkdir()
    (folder / "schemas" / "rules.yaml").write_text(yaml.safe_dump(rules_data, allow_unicode=True, sort_keys=False),
                                                   encoding="utf-8")
    rules = parse_rules((folder / "schemas" / "rules.yaml").read_text(encoding="utf-8"))
    for code, filled in scores.items():
        good_files(folder / "input", rules, [code], values(**filled))
    return folder


def _results_of(folder: Path) -> Path:
    """Run a working folder as `bloc-score run` and write its outputs; the results file it wrote."""
    rules = parse_rules((folder / "schemas" / "rules.yaml").read_text(encoding="utf-8"),
                        source=str(folder / "schemas" / "rules.yaml"))
    workspace = Workspace(folder / "input", folder / "output", folder / "schemas", folder / "bloc")
    return write_outputs(run(rules, workspace), folder / "output").results


PROVINCE_YAML = """\
province: Tỉnh ủy Thử nghiệm
board: Ban Thi đua - Khen thưởng tỉnh
year: 2024
place: Thử nghiệm
addressee: Ban Thường vụ Tỉnh ủy
basis: Luật Thi đua, khen thưởng năm 2022; Nghị định số 98/2023/NĐ-CP
recipients: [Như trên, Lưu VT.]
signers:
  - {capacity: T/M Ban Thi đua - Khen thưởng, position: Trưởng ban, name: Nguyễn Văn A}
blocs:
  - {code: KA, name: Khối thi đua A, folder: khoi-a}
  - {code: KB, name: Khối thi đua B, results: sent/b/results-2024.json, fingerprint: "%(b_print)s"}
  - {code: KC, name: Khối thi đua C, folder: khoi-c}
  - {code: KD, name: Khối thi đua D, results: sent/d/results-2024.json}
  - {code: KE, name: Khối thi đua E, results: sent/e/results-2024.json}
awards:
  province_flag:
    label: Cờ thi đua của Ban Chấp hành Đảng bộ tỉnh
    from: [flag]
    count: 5
  government_flag:
    label: Cờ thi đua của Chính phủ
    from: [province_flag]
    share: 0.5
    share_of: eligible
%(decided)s  merit:
    label: Bằng khen của Ban Thường vụ Tỉnh ủy
    from: [merit]
    count: 3
"""


@pytest.fixture(scope="module")
def province_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("province")
    # Bloc A's last year, archived by new-year: its A1 was called Z1 then.
    a_2023 = {**copy.deepcopy(A_RULES), "year": 2023}
    a_2023["units"] = [{"code": "Z1", "name": "Đơn vị Z1"}, *a_2023["units"][1:]]
    last_year = _results_of(_working_folder(root / "scratch-a-2023", a_2023, {
        ("Z1" if code == "A1" else code): {**s, "1.1": 16} for code, s in A_SCORES.items()}))
    _working_folder(root / "khoi-a", A_RULES, A_SCORES)
    archived = root / "khoi-a" / "archive" / "2023" / "output"
    archived.mkdir(parents=True)
    shutil.copy(last_year, archived / "results-2023.json")

    for code, rules_data, scores in (("b", B_RULES, B_SCORES), ("d", D_RULES, D_SCORES)):
        sent = root / "sent" / code
        sent.mkdir(parents=True)
        shutil.copy(_results_of(_working_folder(root / f"scratch-{code}", rules_data, scores)),
                    sent / "results-2024.json")
    _working_folder(root / "khoi-c", C_RULES, C_SCORES)
    # Bloc D's file edited after it was written: its leader's total raised by a point.
    tampered = root / "sent" / "d" / "results-2024.json"
    document = json.loads(tampered.read_text(encoding="utf-8"))
    leader = next(u for u in document["units"] if u["rank"] == 1)
    leader["total"] += 1
    tampered.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    b_print = json.loads((root / "sent" / "b" / "results-2024.json").read_text(encoding="utf-8"))["fingerprint"]
    (root / "province.yaml").write_text(PROVINCE_YAML % {"b_print": b_print, "decided": ""}, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def consolidated(province_folder: Path) -> ProvinceResult:
    return run_province(load_province(province_folder))


def _expected_totals(rules_data: dict[str, Any], scores: dict[str, dict[str, float]]) -> dict[str, Fraction]:
    """The totals computed here from the scores given, without bloc-score: every section weighs 1, no N/A."""
    base = {c["code"] for s in rules_data["sections"] for c in s["criteria"]}
    bonus = {c["code"] for c in rules_data.get("bonus", {}).get("criteria", [])}
    deductions = {c["code"] for c in rules_data.get("deductions", {}).get("criteria", [])}
    totals = {}
    for unit, filled in scores.items():
        def part(codes: set[str], given: dict[str, float] = filled) -> Fraction:
            return sum((Fraction(str(v)) for k, v in given.items() if k in codes), Fraction(0))
        capped_bonus = min(part(bonus), Fraction(rules_data["bonus"]["cap"])) if bonus else Fraction(0)
        capped_deductions = min(part(deductions), Fraction(rules_data["deductions"]["cap"])) if deductions \
            else Fraction(0)
        totals[unit] = part(base) + capped_bonus - capped_deductions
    return totals


def _proposed(rules_data: dict[str, Any], totals: dict[str, Fraction], award: str, *, after: int = 0) -> list[str]:
    """The units an award goes to by its count and min_score, best first, after `after` places taken."""
    rule = rules_data["awards"][award]
    ordered = sorted(totals, key=lambda unit: -totals[unit])[after:]
    return [unit for unit in ordered if totals[unit] >= rule["min_score"]][:rule["count"]]


def test_the_consolidated_proposals_are_exact(consolidated: ProvinceResult):
    a_totals, b_totals = _expected_totals(A_RULES, A_SCORES), _expected_totals(B_RULES, B_SCORES)
    a_flag, b_flags = _proposed(A_RULES, a_totals, "flag"), _proposed(B_RULES, b_totals, "flag")
    assert (a_flag, b_flags) == (["A1"], ["B1", "B2"])  # the data says what it means to test
    flags = [("KA", u, a_totals[u], Fraction(50), len(A_SCORES)) for u in a_flag] + \
            [("KB", u, b_totals[u], Fraction(100), len(B_RULES["units"])) for u in b_flags]
    awards = {a.award.key: a for a in consolidated.awards}

    province_flag = awards["province_flag"]
    assert [(c.bloc, c.unit) for c in province_flag.candidates] == [(b, u) for b, u, *_ in flags]
    for candidate, (_bloc, _unit, total, maximum, size) in zip(province_flag.candidates, flags, strict=True):
        assert candidate.total_exact == total and candidate.total == rounded(total, 2)
        assert candidate.share == total / maximum  # of its own table's maximum, exactly
        assert candidate.bloc_units == size
    assert province_flag.places == 5 and province_flag.outcome == "fits"
    assert [c.key for c in province_flag.proposed] == [(b, u) for b, u, *_ in flags]

    # 50 % of the 3 province flags, rounded down: 1 place for 3 candidates, the board to decide.
    government = awards["government_flag"]
    assert government.base == 3
    assert government.places == int((Decimal("0.5") * 3).to_integral_value(rounding=ROUND_FLOOR)) == 1
    assert government.outcome == "undecided" and government.proposed == ()
    undecided = [i for i in consolidated.issues if i.code == "province-award-undecided"]
    assert [i.file for i in undecided] == ["province.yaml:22"]  # the award's first line

    merit = awards["merit"]
    a_merit = _proposed(A_RULES, a_totals, "merit", after=1)
    b_merit = _proposed(B_RULES, b_totals, "merit", after=2)
    assert [c.key for c in merit.candidates] == [*(("KA", u) for u in a_merit), *(("KB", u) for u in b_merit)]
    assert merit.outcome == "fits" and len(merit.proposed) == len(merit.candidates) <= 3


def test_every_bloc_is_taken_as_it_is_and_every_problem_located(consolidated: ProvinceResult):
    states = {r.entry.code: r.state for r in consolidated.blocs}
    assert states == {"KA": "final", "KB": "final", "KC": "provisional", "KD": "broken", "KE": "missing"}
    found = {(i.code, i.file, i.unit) for i in consolidated.issues}
    assert ("province-bloc-provisional", "khoi-c", None) in found
    assert ("province-fingerprint-mismatch", "sent/d/results-2024.json", None) in found
    assert ("province-results-inconsistent", "sent/d/results-2024.json", "A") in found  # its total re-rounded
    assert ("province-bloc-missing", "sent/e/results-2024.json", None) in found
    assert not [i for i in consolidated.issues if i.params.get("bloc") in ("KA", "KB")]
    # A provisional or broken bloc proposes nobody, and never stops the others.
    assert not [c for a in consolidated.awards for c in a.candidates if c.bloc in ("KC", "KD", "KE")]
    assert consolidated.provisional and consolidated.exit_code == 1


def test_the_signed_page_fingerprint_must_be_the_files(province_folder: Path, tmp_path: Path):
    text = (province_folder / "province.yaml").read_text(encoding="utf-8")
    printed = json.loads((province_folder / "sent/b/results-2024.json").read_text(encoding="utf-8"))["fingerprint"]
    other = "0" * 12 if printed != "0" * 12 else "1" * 12
    province = parse_province(text.replace(printed, other), root=province_folder)
    result = run_province(province)
    b = next(r for r in result.blocs if r.entry.code == "KB")
    assert b.state == "broken"
    assert [(i.code, i.params["signed"], i.params["found"]) for i in b.issues] == [
        ("province-fingerprint-not-signed", other, printed)]


def test_the_boards_decision_is_checked_against_the_quota(province_folder: Path):
    def decided(entries: str) -> ProvinceResult:
        b_print = json.loads((province_folder / "sent/b/results-2024.json").read_text(encoding="utf-8"))["fingerprint"]
        text = PROVINCE_YAML % {"b_print": b_print, "decided": f"    decided: [{entries}]\n"}
        return run_province(parse_province(text, root=province_folder))

    chosen = decided("KB/B1")
    government = next(a for a in chosen.awards if a.award.key == "government_flag")
    assert government.outcome == "decided" and [c.key for c in government.proposed] == [("KB", "B1")]
    refused = decided("KB/B1, KA/A1, KD/A")
    government = next(a for a in refused.awards if a.award.key == "government_flag")
    assert government.outcome == "refused" and government.proposed == ()
    assert {(i.code, i.file) for i in government.issues} == {
        ("province-decided-not-candidate", "province.yaml:26"), ("province-decided-over-quota", "province.yaml:26")}


def test_years_side_by_side_follow_a_renamed_unit(consolidated: ProvinceResult):
    history = consolidated.history
    assert history.years == (2023,)
    rows = {(row.bloc, row.unit.code): row for row in history.rows}
    a1 = rows[("KA", "A1")].past[0]
    assert [u.code for u in a1.units] == ["Z1"]  # A1 was Z1 in 2023 (its rules' previous:)
    last_year = _expected_totals(A_RULES, {"Z1": {**A_SCORES["A1"], "1.1": 16}})["Z1"]
    assert a1.units[0].total == rounded(last_year, 2)
    assert [u.code for u in rows[("KA", "A2")].past[0].units] == ["A2"]
    assert rows[("KB", "B1")].past[0].units == ()  # no past results kept for bloc B


def test_province_yaml_problems_are_located(tmp_path: Path):
    text = """\
province: Tỉnh ủy Thử nghiệm
board: Ban Thi đua
year: 2024
blocs:
  - {code: KA, name: Khối A, folder: a, results: a.json}
  - {code: KA, name: Khối A bis, folder: b}
  - {code: "K/B", name: Khối B}
awards:
  flag:
    label: Cờ thi đua
    from: [later]
  later:
    label: Cờ khác
    from: [flag]
    count: 1
    decided: [KA-A1, KX/A1]
"""
    with pytest.raises(RulesError) as raised:
        parse_province(text, root=tmp_path, lang="en")
    lines = {(p.line, p.path) for p in raised.value.problems}
    assert lines >= {(5, "blocs[0]"), (6, "blocs[1].code"), (7, "blocs[2].code"), (7, "blocs[2]"),
                     (10, "awards.flag"), (11, "awards.flag.from[0]"), (16, "awards.later.decided[0]"),
                     (16, "awards.later.decided[1]")}


def test_the_province_outputs_read_back(consolidated: ProvinceResult, tmp_path: Path):
    written = write_province(consolidated, tmp_path / "out")
    document = json.loads(written.results.read_text(encoding="utf-8"))
    assert document["fingerprint"] == results_fingerprint(document)
    flag = next(a for a in document["awards"] if a["key"] == "province_flag")
    assert flag["proposed"] == ["KA/A1", "KB/B1", "KB/B2"]
    assert [c["share"] for c in flag["candidates"]] == [
        rounded(c.share * 100, 2) for c in consolidated.awards[0].candidates if c.share is not None]
    book = openpyxl.load_workbook(written.workbook)
    assert book["Tổng hợp"].oddFooter.left.text.endswith(f"province-2024.json: {document['fingerprint']}")
    assert book.sheetnames[:3] == ["Tổng hợp", "Đề nghị", "Qua các năm"]
    assert {"KA", "KB", "KC", "KD", "KE", "Lỗi và cảnh báo", "Kiểm tra"} <= set(book.sheetnames)
    proposals = [[cell for cell in row if cell is not None] for row in book["Đề nghị"].iter_rows(values_only=True)]
    assert ["KA", "A1", "Đơn vị A1", 48, 50, 96, "1/4", "Được đề nghị"] in proposals
    audit = {row[0]: row[1] for row in book["Kiểm tra"].iter_rows(values_only=True)}
    assert len(audit["sent/b/results-2024.json"]) == 64
    assert written.proposal is not None
    proposal = Document(str(written.proposal))
    paragraphs = "\n".join(p.text for p in proposal.paragraphs)
    header = "\n".join(cell.text for table in proposal.tables for row in table.rows for cell in row.cells)
    assert "TỜ TRÌNH" in paragraphs and "Kính gửi: Ban Thường vụ Tỉnh ủy" in paragraphs
    assert "DỰ THẢO" in paragraphs + header and "Nguyễn Văn A" not in header  # not final: a draft, unsigned


def test_the_command(province_folder: Path, tmp_path: Path):
    assert not (province_folder / "khoi-a" / "output").exists()  # a bloc's own outputs untouched …
    outcome = invoke("province", str(province_folder), "--out", str(tmp_path / "out"), "--lang", "en")
    assert outcome.exit_code == 1, outcome.output
    assert "Bloc KE (Khối thi đua E): No results" in outcome.output
    assert "  x [province-bloc-missing] Bloc KE: sent/e/results-2024.json is not there" in outcome.output
    assert (tmp_path / "out" / "province-2024.xlsx").is_file()
    assert not (province_folder / "khoi-a" / "output").exists()
    invoke("province", str(province_folder), "--out", str(tmp_path / "again"), "--write-blocs")  # … unless asked
    assert (province_folder / "khoi-a" / "output" / "results-2024.json").is_file()


def test_one_pool_reads_every_blocs_files_each_bloc_named_on_its_own(tmp_path: Path):
    """Two blocs' files of the same names, read in one pool: neither is taken for the other's look-alike."""
    from pipeline.reading.isolation import Batch, read_batches

    rules = parse_rules(yaml.safe_dump(SMALL_RULES, allow_unicode=True))
    first = good_files(tmp_path / "one", rules, ["A", "B"], values(**{"1.1": 18}))
    second = good_files(tmp_path / "two", rules, ["A"], values(**{"1.1": 12}))
    batches = [Batch(sorted(first.iterdir()), first), Batch(sorted(second.iterdir()), second)]
    read = read_batches(batches, workers=2)
    assert [[s.file for s in found] for found in read] == [[p.name for p in b.paths] for b in batches]
    assert read[0][0].file == read[1][0].file
    assert not [i for found in read for s in found for i in s.issues if i.code == "name-lookalike"]


def test_a_sent_files_figures_are_checked_against_each_other(province_folder: Path):
    """Edited and fingerprinted again, so that only the figures can tell: each problem names its unit."""
    from pipeline.outputs.results_json import fingerprinted
    from pipeline.province.blocs import BlocReport, take
    from pipeline.province.model import BlocEntry

    document = json.loads((province_folder / "sent/b/results-2024.json").read_text(encoding="utf-8"))
    units = {u["code"]: u for u in document["units"]}
    units["B3"]["rank"] = 4  # 1, 2, 4, 4, 5: the third place skipped
    units["B5"]["award"] = "merit"  # not what its scores proposed
    units["B4"]["status"], units["B4"]["total"] = "missing", None  # yet the file says it is final
    report = take(BlocReport(BlocEntry("KB", "Khối thi đua B")), fingerprinted(document), "b.json", YEAR, sent=True)
    assert report.state == "broken"
    assert sorted((i.unit, i.params["reason"].key) for i in report.issues) == [
        ("B3", "province.reason_rank_numbering"), ("B4", "province.reason_not_provisional"),
        ("B5", "province.reason_award_not_proposed"), ("B5", "province.reason_rank_numbering")]  # 4th, says 5
