"""CSV import (Delighted's export and mapped CSVs), export through pandas, and the CLI with its progress bar."""
import csv
import io
import json

import pytest
from sqlalchemy import select

from feedback_app.models import Person, Response, SurveyKind
from feedback_app.services.collection import exports, imports
from feedback_app.services.integrations.api_queries import ResponseFilters
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_response, create_survey, create_workspace

DELIGHTED_EXPORT = """Response ID,Date,Score,Comment,Name,Email,Plan,Country
101,2025-03-01 10:15:00 -0800,9,"Love it, really",Ann Lee,ann@example.com,pro,US
102,2025-03-02 08:00:00 -0800,3,Too slow,Bob,bob@example.com,free,FR
103,2025-03-03 09:00:00 -0800,12,Out of range,Cy,cy@example.com,pro,DE
104,not a date,5,,Dee,dee@example.com,free,US
105,2025-03-04 09:00:00 -0800,7,,Eve,not-an-email,pro,US
106,2025-03-05 09:00:00 -0800,10,"=HYPERLINK(""http://evil"")",Fay,fay@example.com,pro,US
"""


@pytest.fixture()
def workspace(db):
    return create_workspace()


@pytest.fixture()
def nps(workspace):
    return create_survey(workspace, SurveyKind.NPS)


def test_delighted_export_imports_good_rows_and_reports_bad_ones_by_line(db, workspace, nps):
    report = imports.import_text(workspace, nps, DELIGHTED_EXPORT)
    assert (report.created, report.duplicates) == (3, 0)
    assert [line for line, _ in report.errors] == [4, 5, 6]
    assert "score" in report.errors[0][1] and "date" in report.errors[1][1] and "email" in report.errors[2][1]
    ann = db.session.query(Response).filter_by(external_id="101").one()
    assert (ann.score, ann.comment, ann.channel) == (9, "Love it, really", "import")
    assert ann.properties == {"Plan": "pro", "Country": "US"}
    assert ann.created_at.isoformat() == "2025-03-01T18:15:00+00:00"
    assert db.session.query(Person).filter_by(email="ann@example.com").one().name == "Ann Lee"


def test_reimporting_the_same_file_creates_no_duplicates(db, workspace, nps):
    imports.import_text(workspace, nps, DELIGHTED_EXPORT)
    again = imports.import_text(workspace, nps, DELIGHTED_EXPORT)
    assert (again.created, again.duplicates, again.failed) == (0, 3, 3)
    assert db.session.query(Response).count() == 3


def test_mapped_csv_without_ids_is_not_duplicated_either(db, workspace, nps):
    text = "when,rating,feedback,mail,tier\n2025-01-01,8,ok,a@example.com,gold\n2025-01-02,2,bad,b@example.com,tin\n"
    mapping = imports.parse_mapping(["when=created_at", "rating=score", "feedback=comment", "mail=email",
                                     "tier=property:tier"])
    first = imports.import_text(workspace, nps, text, mapping=mapping)
    second = imports.import_text(workspace, nps, text, mapping=mapping)
    assert (first.created, second.created, second.duplicates) == (2, 0, 2)
    assert db.session.query(Response).filter_by(score=8).one().properties == {"tier": "gold"}


@pytest.mark.parametrize("pairs", [["rating"], ["rating=shoe_size"], ["=score"]])
def test_bad_mappings_are_refused(pairs):
    with pytest.raises(InvalidInput) as raised:
        imports.parse_mapping(pairs)
    assert "mapping" in raised.value.fields


def test_mapping_a_missing_column_is_refused(db, workspace, nps):
    with pytest.raises(InvalidInput):
        imports.import_text(workspace, nps, "a,b\n1,2\n", mapping={"rating": "score"})
    assert db.session.query(Response).count() == 0


def test_export_csv_neutralizes_formulas_and_filters(db, workspace, nps):
    imports.import_text(workspace, nps, DELIGHTED_EXPORT)
    other = create_survey(workspace, SurveyKind.CSAT)
    create_response(other, score=5, comment="+1 great")
    rows = list(csv.DictReader(io.StringIO(exports.export_responses(workspace, fmt="csv"))))
    assert len(rows) == 4
    assert {row["comment"] for row in rows} >= {"'=HYPERLINK(\"http://evil\")", "'+1 great", "Love it, really"}
    only_nps = exports.export_responses(workspace, filters=ResponseFilters(survey_id=nps.id, min_score=9), fmt="json")
    assert sorted((item["score"], item["person_email"]) for item in json.loads(only_nps)) == [
        (9, "ann@example.com"), (10, "fay@example.com")]


def test_export_of_another_workspace_is_empty(db, workspace, nps):
    imports.import_text(workspace, nps, DELIGHTED_EXPORT)
    assert json.loads(exports.export_responses(create_workspace(), fmt="json")) == []


def test_cli_import_shows_progress_reports_lines_and_is_idempotent(runner, workspace, nps, tmp_path, db):
    path = tmp_path / "delighted.csv"
    path.write_text(DELIGHTED_EXPORT, encoding="utf-8")
    result = runner.invoke(args=["responses", "import", str(path), "--workspace", workspace.name,
                                 "--survey", str(nps.id)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 responses" in result.output and "3 rows refused" in result.output
    assert "line 4: " in result.output and "6/6" in result.output  # the tqdm bar reached its total
    again = runner.invoke(args=["responses", "import", str(path), "--workspace", workspace.name])
    assert "Imported 0 responses" in again.output and "3 already there" in again.output


def test_cli_export_writes_json(runner, workspace, nps, tmp_path, db):
    imports.import_text(workspace, nps, DELIGHTED_EXPORT)
    out = tmp_path / "out.json"
    result = runner.invoke(args=["responses", "export", "--workspace", workspace.name, "--format", "json",
                                 "--since", "2025-03-02", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(item["score"] for item in json.loads(out.read_text())) == [3, 10]


def test_cli_import_with_a_bad_mapping_fails_cleanly(runner, workspace, nps, tmp_path, db):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    result = runner.invoke(args=["responses", "import", str(path), "--workspace", workspace.name,
                                 "--mapping", "a=nonsense"])
    assert result.exit_code != 0 and "Bad mapping" in result.output


# Cells an outside probe found aborting a whole import with a 500 and no line number.
BAD_CELLS = {
    "epoch out of range": ("Date", "99999999999999999999", "date"),
    "date before year 1 in UTC": ("Date", "0001-01-01T00:00:00+01:00", "date"),
    "unicode digit score": ("Score", "³", "score"),
    "cell over the csv field limit": ("Comment", "x" * 140_000, "longer than"),
    "phone longer than its column": ("Phone Number", "1" * 40, "phone number"),
    "locale longer than its column": ("Locale", "x" * 17, "locale"),
    "person id longer than its column": ("Person ID Ext", "p" * 129, "person id"),
}
HEADER = ["Response ID", "Date", "Score", "Comment", "Email", "Phone Number", "Locale", "Person ID Ext"]
MAPPING = ["Response ID=external_id", "Date=created_at", "Score=score", "Comment=comment", "Email=email",
           "Phone Number=phone_number", "Locale=locale", "Person ID Ext=person_external_id"]


def _csv_with(bad_rows):
    """Return a CSV text: a good row, then each ``(column, value)`` row, then another good row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(["good-1", "2025-01-01", "9", "fine", "a@example.com", "", "", ""])
    for number, (column, value) in enumerate(bad_rows):
        row = dict(zip(HEADER, [f"bad-{number}", "2025-01-02", "5", "meh", f"b{number}@example.com", "", "", ""]))
        row[column] = value
        writer.writerow([row[name] for name in HEADER])
    writer.writerow(["good-2", "2025-01-03", "10", "great", "c@example.com", "+1 555 0100", "fr", "p-1"])
    return out.getvalue()


@pytest.mark.parametrize("column,value,word", BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_import_reports_a_bad_cell_by_line_and_imports_the_rest(db, workspace, nps, column, value, word):
    report = imports.import_text(workspace, nps, _csv_with([(column, value)]),
                                 mapping=imports.parse_mapping(MAPPING))
    assert (report.created, report.failed) == (2, 1), report.errors
    line, reason = report.errors[0]
    assert line == 3 and word in reason.lower()
    assert sorted(db.session.scalars(select(Response.external_id))) == ["good-1", "good-2"]


def test_import_keeps_line_numbers_after_an_oversized_multiline_cell(db, workspace, nps):
    text = _csv_with([("Comment", "line\n" * 30_000), ("Score", "³")])
    report = imports.import_text(workspace, nps, text, mapping=imports.parse_mapping(MAPPING))
    assert [line for line, _ in report.errors] == [3, 30_004]
    assert report.created == 2


def test_cli_import_reports_every_bad_cell_by_line(runner, workspace, nps, tmp_path, db):
    path = tmp_path / "probe.csv"
    path.write_text(_csv_with([(column, value) for column, value, _ in BAD_CELLS.values()]), encoding="utf-8")
    result = runner.invoke(args=["responses", "import", str(path), "--workspace", workspace.name,
                                 "--survey", str(nps.id), *[f"--mapping={pair}" for pair in MAPPING]])
    assert result.exit_code == 0, result.output
    assert f"Imported 2 responses into {nps.name!r}; 0 already there; {len(BAD_CELLS)} rows refused." in result.output
    for line in range(3, 3 + len(BAD_CELLS)):
        assert f"line {line}: " in result.output


def test_a_row_longer_than_its_header_is_reported_by_line_and_the_rest_imported(db, workspace, nps):
    # Without a response id column each row is keyed by its cells; the cells past the header (csv's None key)
    # made that key fail with a TypeError: a 500 for the whole upload (an outside probe posting a binary file).
    text = ("Date,Score,Comment\n2025-01-01,9,fine\n2025-01-02,5,misaligned,extra cell,another\n"
            "2025-01-03,10,trailing empty cells,,\n")
    report = imports.import_text(workspace, nps, text, mapping=imports.parse_mapping(
        ["Date=created_at", "Score=score", "Comment=comment"]))
    assert (report.created, report.failed) == (2, 1), report.errors
    assert report.errors[0][0] == 3 and "5 cells" in report.errors[0][1] and "3 columns" in report.errors[0][1]
    assert sorted(db.session.scalars(select(Response.comment))) == ["fine", "trailing empty cells"]


def test_a_binary_file_is_reported_not_failed(db, workspace, nps):
    text = (bytes(range(256)) * 64).decode("cp1252", errors="replace").replace("\x00", "")
    report = imports.import_text(workspace, nps, text)
    assert report.created == 0 and report.failed >= 1
