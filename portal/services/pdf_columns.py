"""Aligned columns inside one paragraph's text, for the statement PDF's long tables.

WeasyPrint spends most of a long statement's render time on table rows and
cells: a paragraph costs about half as much as a row of three cells holding
the same text (bench/statement_pdf.py). The long parts of the statement are
therefore paragraphs whose columns are made of padding. Figures are padded on
the left with non-breaking spaces to a common width, so they line up on their
right edge, and a label is padded on the right to the width of its column.

Widths are sums of the glyph advances of the bundled DejaVu Sans fonts, in
em. The paragraphs that use them turn kerning and ligatures off
(pdf_statement.css), so the sums match what WeasyPrint draws. Tab stops are
not used: WeasyPrint 70 places them a little further than asked, by an
amount that depends on the text before the tab.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_FOLDER = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
FIGURE_SPACE = "\u2007"
NO_BREAK_SPACE = "\u00a0"
NARROW_NO_BREAK_SPACE = "\u202f"
# A character DejaVu Sans lacks is drawn with a fallback font whose advance
# is unknown here, so it counts as a full em: CJK ideographs are that wide.
FALLBACK_ADVANCE_EM = 1.0


@dataclass(frozen=True)
class FontMetrics:
    """Advance widths of one font, in em, by code point."""

    advances: dict[int, float]

    def width(self, text: str) -> float:
        """Return the advance width of text in em, without kerning."""
        return sum(self.advances.get(ord(char), FALLBACK_ADVANCE_EM) for char in text)


@cache
def metrics(bold: bool = False) -> FontMetrics:
    """Load the advance widths of the bundled regular or bold font, once."""
    font = TTFont(FONT_FOLDER / FONT_FILES[bold], lazy=True)
    units = font["head"].unitsPerEm
    widths = font["hmtx"].metrics
    advances = {
        code: widths[glyph][0] / units for code, glyph in font.getBestCmap().items()
    }
    font.close()
    return FontMetrics(advances)


def padding(width_em: float, bold: bool = False) -> str:
    """Return non-breaking spaces about width_em wide; none for a width <= 0.

    The spaces come in three widths, so the run is within 0.05 em of the
    target when the target is at least 1 em.
    """
    if width_em <= 0:
        return ""
    # Thousands of values share a few widths, so the runs are cached.
    return _spaces_for(round(width_em, 3), bold)


@cache
def _spaces_for(width_em: float, bold: bool) -> str:
    """Return the run of padding spaces whose width comes closest to width_em."""
    font = metrics(bold)
    figure = font.width(FIGURE_SPACE)
    no_break = font.width(NO_BREAK_SPACE)
    narrow = font.width(NARROW_NO_BREAK_SPACE)
    best = ""
    best_error = width_em
    # Up to five of each narrower space with enough figure spaces come within
    # 0.05 em of any width from 1 em up.
    for no_break_count in range(6):
        for narrow_count in range(6):
            rest = width_em - no_break_count * no_break - narrow_count * narrow
            if rest < -narrow:
                continue
            figure_count = max(0, round(rest / figure))
            total = (
                figure_count * figure
                + no_break_count * no_break
                + narrow_count * narrow
            )
            error = abs(width_em - total)
            if error < best_error:
                best_error = error
                best = (
                    FIGURE_SPACE * figure_count
                    + NO_BREAK_SPACE * no_break_count
                    + NARROW_NO_BREAK_SPACE * narrow_count
                )
    return best


@dataclass(frozen=True)
class FigureColumns:
    """Columns of figures, right-aligned, joined into one run of text.

    widths_em are the columns' widths without the gap that precedes every
    column but the first.
    """

    widths_em: tuple[float, ...]
    gap_em: float

    @property
    def width_em(self) -> float:
        """Return the width of a whole formatted block, gaps included."""
        gaps = self.gap_em * max(0, len(self.widths_em) - 1)
        return sum(self.widths_em) + gaps

    def format(
        self,
        values: Sequence[str],
        bold: bool = False,
        lead: str = "",
        lead_em: float = 0.0,
    ) -> str:
        """Join lead and the values, each value ending at its column's right edge.

        The first column starts lead_em from the start of the line. Each
        padding aims at an edge measured from the start of the line, so the
        small error of one padding does not add up along the row.
        """
        font = metrics(bold)
        parts = [lead]
        position = font.width(lead)
        edge = lead_em
        for index, (value, width) in enumerate(
            zip(values, self.widths_em, strict=True)
        ):
            edge += width + (self.gap_em if index else 0.0)
            gap = padding(edge - font.width(value) - position, bold)
            parts += [gap, value]
            position += font.width(gap) + font.width(value)
        return "".join(parts)


def fit_columns(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    gap_em: float = 1.0,
    bold_rows: Iterable[Sequence[str]] = (),
) -> FigureColumns:
    """Size columns to their widest value, the bold header and bold_rows included."""
    bold, regular = metrics(bold=True), metrics()
    widths = [bold.width(label) for label in header]
    for font, font_rows in ((regular, rows), (bold, bold_rows)):
        for row in font_rows:
            for index, value in enumerate(row):
                widths[index] = max(widths[index], font.width(value))
    # Rounding up keeps every padded value at least as wide as its column.
    return FigureColumns(
        tuple(math.ceil(width * 100) / 100 for width in widths), gap_em
    )


def text_width(text: str, bold: bool = False) -> float:
    """Return the advance width of text in em, in the regular or bold font."""
    return metrics(bold).width(text)
