"""Tables: a data table's rows are kept as text, a layout table is read as ordinary blocks.

Given tables, trafilatura writes each row as one line ("| cell | cell |"). That suits a data
table (standings, results, figures a report is about), but a page laid out with a table would
come out as a handful of rows each holding menus, headlines and paragraphs run together. So
before trafilatura reads the page, each layout table is turned into plain blocks (`div`s), and
only data tables stay tables. The test is Mozilla Readability's (`_markDataTables`): markup
that only data tables use (a caption, a summary, header cells, column groups) says data; a
table nested in it, a single row or a single column says layout; otherwise its size decides.
After extraction, a row loses the outer bars and the header's "|---|" rule goes.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

DATA_MARKUP = ("col", "colgroup", "tfoot", "thead", "th")
BLOCKS = {"table": "div", "tbody": "div", "thead": "div", "tfoot": "div", "tr": "div"}
CELLS = ("td", "th")
MANY_ROWS = 10
MANY_COLUMNS = 4
MANY_CELLS = 10
_RULE = re.compile(r"^\|?(\s*:?-{3,}:?\s*\|)+\s*$")


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn every layout table of the tree into divs, in place; return how many there were."""
    layout = [t for t in tree.iter("table") if not is_data_table(t)]
    for table in layout:
        for element in [table, *_own_parts(table)]:
            element.tag = BLOCKS.get(element.tag, "div")
            element.attrib.pop("colspan", None)
    return len(layout)


def is_data_table(table: HtmlElement) -> bool:
    """Whether the table holds data, not the page's layout (Readability's test)."""
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if table.get("summary"):
        return True
    caption = table.find("caption")
    if caption is not None and len(caption.text_content().strip()) > 0:
        return True
    parts = _own_parts(table)
    if any(part.tag in DATA_MARKUP for part in parts):
        return True
    if any(part.tag == "table" for part in table.iterdescendants()):
        return False
    rows = [part for part in parts if part.tag == "tr"]
    columns = max((_width(row) for row in rows), default=0)
    if len(rows) <= 1 or columns <= 1:
        return False
    if len(rows) >= MANY_ROWS or columns > MANY_COLUMNS:
        return True
    return len(rows) * columns > MANY_CELLS


def table_line(line: str) -> str | None:
    """A row as "cell | cell" (None for the header's rule); any other line as it was."""
    stripped = line.strip()
    if not stripped.startswith("|"):
        return line
    if _RULE.match(stripped):
        return None
    cells = [c.strip().replace("\\|", "|") for c in stripped.strip("|").split(" | ")]
    return " | ".join(c for c in cells if c)  # a bar inside a cell was escaped: "\\|"


def _own_parts(table: HtmlElement) -> list[HtmlElement]:
    """The table's rows, sections and cells, not those of a table nested in it."""
    parts = []
    for element in table.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        owner = next(element.iterancestors("table"), None)
        if owner is table and element.tag in (*BLOCKS, *CELLS, *DATA_MARKUP):
            parts.append(element)
    return parts


def _width(row: HtmlElement) -> int:
    total = 0
    for cell in row:
        if cell.tag in CELLS:
            span = cell.get("colspan", "1")
            total += int(span) if span.isdigit() else 1
    return total
