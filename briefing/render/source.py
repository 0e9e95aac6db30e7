"""The document WeasyPrint typesets: parsed in C, styled with a user-agent sheet cut to fit it.

Two of WeasyPrint 70's fixed costs that our documents do not need (measured on the 60-story
edition; the PDF is byte for byte the same, tested):

- Parsing. WeasyPrint parses with tinyhtml5, an HTML5 parser written in Python: 0.16-0.2 s of
  CPU, about 7% of the render. selectolax's Lexbor engine implements the same WHATWG tree
  construction in C and gives the same tree, element for element and text for text, in about
  5 ms. The two represent foreign content (`<svg>`, `<math>`: tinyhtml5 namespaces them) and
  `<template>` (Lexbor keeps its content apart) differently, so a document with any of those is
  parsed by WeasyPrint itself.
- Pseudo-elements. The user-agent sheet styles `::footnote-call`, `::footnote-marker`,
  `::note-call`, `::note-marker`, `::note-callback` and `::marker` on every element, so the
  cascade computes six pseudo-element styles per element (7,000 for the edition) that exist only
  for footnotes, notes and list items. Where the author styles never mention footnotes or notes,
  those rules are dropped, and where they never make an element a `list-item`, `::marker` is
  narrowed to `li`, the one list item the sheet makes: 3.5% fewer calls, the same boxes.

Both only on the WeasyPrint version this was checked against; elsewhere WeasyPrint's own.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from xml.etree import ElementTree

from briefing.render.columns import CHECKED_MAJOR

# Markup whose tree Lexbor and tinyhtml5 represent differently (see the module's docstring).
_OWN_PARSER_NEEDED = re.compile(r"<\s*(svg|math|template)\b", re.IGNORECASE)
# The author's styles: <style> elements and style attributes.
_AUTHOR_STYLES = re.compile(
    r"<style\b[^>]*>(.*?)</style\s*>|\bstyle\s*=\s*(\"[^\"]*\"|'[^']*')",
    re.IGNORECASE | re.DOTALL,
)
# User-agent rules for footnotes and notes, one line each in WeasyPrint 70's html5_ua.css.
_NOTE_RULES = re.compile(r"^::(footnote|note)-[a-z]+ \{[^}\n]*\}\n", re.MULTILINE)
_MARKER_RULE = "\n::marker {"


def source_document(html: str, url_fetcher: Any) -> Any:
    """A `weasyprint.HTML` of the text: parsed by Lexbor and lean-styled where that is the same."""
    import weasyprint

    if weasyprint.__version__.split(".")[0] != CHECKED_MAJOR:
        return weasyprint.HTML(string=html, base_url=None, url_fetcher=url_fetcher)
    author_css = " ".join(a or b for a, b in _AUTHOR_STYLES.findall(html)).lower()
    sheet = lean_user_agent_sheet(
        notes="footnote" not in author_css and "note" not in author_css,
        markers="list-item" not in author_css,
    )
    tree = html_tree(html) if _OWN_PARSER_NEEDED.search(html) is None else None
    return _document_class()(html, tree, url_fetcher, sheet)


def html_tree(html: str) -> ElementTree.Element:
    """The document as an ElementTree `<html>` element, as `tinyhtml5.parse` (no namespaces)
    gives it."""
    from selectolax.lexbor import LexborHTMLParser

    root = LexborHTMLParser(html).root
    if root is None:  # Lexbor always builds <html>; this keeps the type checker honest
        return ElementTree.Element("html")
    return _element(root, None)


def _element(node: Any, parent: ElementTree.Element | None) -> ElementTree.Element:
    """Copy one element and everything under it; text goes to .text and .tail as in ElementTree."""
    attributes = {name: value or "" for name, value in node.attributes.items()}
    if parent is None:
        element = ElementTree.Element(node.tag, attributes)
    else:
        element = ElementTree.SubElement(parent, node.tag, attributes)
    last: Any = None  # the previous child element or comment, whose tail takes the next text
    child = node.child
    while child is not None:
        if child.is_text_node:
            text = child.text_content or ""
            if last is None:
                element.text = (element.text or "") + text
            else:
                last.tail = (last.tail or "") + text
        elif child.is_comment_node:
            last = ElementTree.Comment(child.comment_content or "")
            element.append(last)
        elif child.is_element_node:
            last = _element(child, element)
        child = child.next
    return element


@functools.cache
def lean_user_agent_sheet(*, notes: bool, markers: bool) -> Any:
    """WeasyPrint's user-agent sheet without note rules (notes=True) and `::marker` on `li` only
    (markers=True); None when neither applies or the sheet is not the one this was checked on."""
    from weasyprint import CSS
    from weasyprint.html import UA, UA_COUNTER_STYLE

    text = UA
    if notes:
        text, removed = _NOTE_RULES.subn("", text)
        if removed != 5:  # not the sheet this was written for
            return None
    if markers:
        if text.count(_MARKER_RULE) != 1:
            return None
        text = text.replace(_MARKER_RULE, "\nli::marker {")
    if text == UA:
        return None
    return CSS(string=text, counter_style=UA_COUNTER_STYLE)


@functools.cache
def _document_class() -> Any:
    """`weasyprint.HTML` made from a tree parsed here, with the given user-agent sheet."""
    import cssselect2
    import weasyprint
    from weasyprint import _find_base_url

    class SourceDocument(weasyprint.HTML):  # type: ignore[misc]
        """WeasyPrint 70's `HTML`: parsed by WeasyPrint when `tree` is None, else taken as given."""

        def __init__(self, html: str, tree: Any, url_fetcher: Any, ua_sheet: Any) -> None:
            self.ua_sheet = ua_sheet
            if tree is None:
                super().__init__(string=html, base_url=None, url_fetcher=url_fetcher)
                return
            # The end of WeasyPrint 70's HTML.__init__, after its own parse.
            self.base_url = _find_base_url(tree, None)
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                tree, content_language=None
            )
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> Any:
            sheets = super()._ua_stylesheets(forms)
            if self.ua_sheet is None:
                return sheets
            return [self.ua_sheet, *sheets[1:]]

    return SourceDocument
