"""Tables: a data table's rows kept as lines of cells, a layout table read as ordinary text."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from briefing.extract import extract_page, read_saved_page
from briefing.extract.page import Options, run_trafilatura, second_pass
from briefing.extract.tables import is_data_table, table_line, unwrap_layout_tables

TABLES = Path(__file__).resolve().parents[1] / "fixtures" / "tables"
SNAP_URL = "https://www.dawgsbynature.com/2019/11/18/20970600/browns-defensive-snap-counts"
ROWS = (
    "Pos | Player | Plays | % | Stats",
    "DL | Larry Ogunjobi | 63 | 85% | 1 tackle (1 combined). 1 sack, 1 TFL, 2 QH.",
    "LB | Joe Schobert | 74 | 100% | 7 tackles, 3 assists (10 combined). 1 sack, 2 TFL, 2 QH,"
    " 2 INT, 4 passes defended.",
)


def test_a_real_pages_data_tables_come_out_as_rows() -> None:
    page = read_saved_page(TABLES / "snap_counts.html.gz")
    found = extract_page(page, SNAP_URL)
    for row in ROWS:
        assert row in found.paragraphs
    assert not any(p.startswith("|") or "---|" in p for p in found.paragraphs)
    assert found.paragraphs[0].startswith("Below, we analyze the snap counts")


def test_without_tables_the_rows_are_lost() -> None:
    """The check above fails with tables off: the rows are the article's content."""
    page = read_saved_page(TABLES / "snap_counts.html.gz")
    off = second_pass(run_trafilatura(page, SNAP_URL, options=Options(tables="none")), page, "")
    assert not any(row in off.paragraphs for row in ROWS)


def test_a_real_layout_tables_paragraphs_stay_paragraphs() -> None:
    page = read_saved_page(TABLES / "layout_kath_net.html.gz")
    found = extract_page(page, "https://kath.net/news/76785")
    assert "Der Tag, an dem sich der Menschensohn offenbart" in found.paragraphs
    assert any(
        p.startswith("(...) Die scheinbare Verherrlichung des Leibes") for p in found.paragraphs
    )
    text = "\n".join(found.paragraphs)
    assert "meist-diskutiert" not in text and "Login oder neu registrieren" not in text
    assert max(len(p.split()) for p in found.paragraphs) < 300


def test_read_as_rows_the_layout_runs_together_with_its_menus() -> None:
    """The check above fails when every table is kept as rows."""
    page = read_saved_page(TABLES / "layout_kath_net.html.gz")
    rows = second_pass(run_trafilatura(page, "", options=Options(tables="all")), page, "")
    assert "Der Tag, an dem sich der Menschensohn offenbart" not in rows.paragraphs
    assert "meist-diskutiert" in "\n".join(rows.paragraphs)


@pytest.mark.parametrize(
    ("table", "data"),
    [
        ("<table><caption>Standings</caption><tr><td>a</td><td>1</td></tr></table>", True),
        ("<table><tr><th>Team</th><th>Points</th></tr><tr><td>a</td><td>1</td></tr></table>", True),
        ("<table summary='Results'><tr><td>a</td><td>1</td></tr></table>", True),
        ("<table>" + "<tr><td>a</td><td>1</td><td>2</td></tr>" * 4 + "</table>", True),
        ("<table role='presentation'><tr><th>a</th><td>1</td></tr></table>", False),
        ("<table><tr><td>one</td><td>row</td><td>only</td></tr></table>", False),
        ("<table>" + "<tr><td>one column</td></tr>" * 12 + "</table>", False),
        ("<table><tr><td><table><tr><td>x</td></tr></table></td><td>y</td></tr></table>", False),
        ("<table>" + "<tr><td>a</td><td>b</td></tr>" * 3 + "</table>", False),
    ],
)
def test_data_tables_are_told_from_layout_tables(table: str, data: bool) -> None:
    tree = lxml.html.fromstring(f"<html><body>{table}</body></html>")
    assert is_data_table(next(tree.iter("table"))) is data
    assert unwrap_layout_tables(tree) == (0 if data else table.count("<table"))


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("| Team | Points | ", "Team | Points"),
        ("|---|---|", None),
        ("| Arsenal |  | 50 |", "Arsenal | 50"),
        ("A sentence with a | bar in it.", "A sentence with a | bar in it."),
        ("| © 2021 kath.net \\| Impressum |", "© 2021 kath.net | Impressum"),
    ],
)
def test_table_lines_read_as_cells(line: str, text: str | None) -> None:
    assert table_line(line) == text
