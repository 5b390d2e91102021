"""Writes an audit packet (queries/packet.py) to files: an Excel workbook (Summary, Frame, Lines,
Findings, Appraisal) with xlsxwriter and a printable PDF summary with its charts with fpdf2
(drawn with fpdf2's own rectangles and text: no plotting library, browser or network).
Writes files only, never the database."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from fpdf import FPDF

from .queries.packet import Chart, Packet, figure_kind
from .queries.sampling import interval_rows, money_text
from .queries.spreadsheet import formats, write_cell, write_sheet

EXCEL_ROWS = 1_048_576  # rows of a worksheet, header included
PHI = "Contains PHI - handle accordingly"
PAPERS = ("A4", "Letter")


def write_packet(packet: Packet, folder: Path, paper: str = "A4") -> tuple[Path, Path]:
    """<folder>/<packet.name>.xlsx and .pdf; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, pdf = folder / f"{packet.name}.xlsx", folder / f"{packet.name}.pdf"
    write_workbook(packet, xlsx)
    write_pdf(packet, pdf, paper)
    return xlsx, pdf


# ---------------------------------------------------------------------------------------------
# Excel


def write_workbook(packet: Packet, path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        f = formats(book)
        percent = book.add_format({"num_format": "0.00%"})
        count = book.add_format({"num_format": "#,##0"})
        one_decimal = book.add_format({"num_format": "#,##0.0"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        summary = list(packet.summary)
        truncated = packet.frame.height > EXCEL_ROWS - 1
        if truncated:
            summary.append(("Frame sheet", f"the first {EXCEL_ROWS - 1:,} of "
                            f"{packet.frame.height:,} lines (a sheet's limit)"))  # fmt: skip
        sheet = book.add_worksheet("Summary")
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 90, wrap)
        sheet.write_string(0, 0, "item", f["bold"])
        sheet.write_string(0, 1, "value", f["bold"])
        for row, (item, value) in enumerate(summary, start=1):
            sheet.write_string(row, 0, item)
            number_format = count if isinstance(value, int) and not isinstance(value, bool) \
                else None  # fmt: skip
            write_cell(sheet, row, 1, value, book, number_format)
        frame = packet.frame.head(EXCEL_ROWS - 1)
        for name, table in (("Frame", frame), ("Lines", packet.lines),
                            ("Findings", packet.findings)):  # fmt: skip
            sheet = write_sheet(book, name, table)
            if name == "Findings" and "evidence" in table.columns:
                sheet.set_column(table.columns.index("evidence"),
                                 table.columns.index("evidence"), 80)  # fmt: skip
        if packet.kind == "sample":
            sheet = book.add_worksheet("Appraisal")
            sheet.set_column(0, 0, 36)
            sheet.set_column(1, 1, 40)
            sheet.set_column(2, 2, 22)
            for col, header in enumerate(("figure", "label", "value")):
                sheet.write_string(0, col, header, f["bold"])
            if packet.appraisal is None:
                sheet.write_string(1, 0, "appraisal")
                sheet.write_string(1, 1, packet.appraisal_note or "not appraised")
            for row, (figure, label, value) in enumerate(packet.appraisal or (), start=1):
                kind = figure_kind(figure, value)
                sheet.write_string(row, 0, figure)
                sheet.write_string(row, 1, label)
                number_format = {"rate": percent, "count": count, "number": one_decimal,
                                 "money": f["money"]}.get(kind)  # fmt: skip
                write_cell(sheet, row, 2, value, book, number_format)
    finally:
        book.close()


# ---------------------------------------------------------------------------------------------
# PDF

# fpdf2's core fonts know Latin-1 only: other characters are spelled out or replaced.
SPELLED = {"\u2014": "-", "\u2013": "-", "\u2264": "<=", "\u2265": ">=", "\u2018": "'",
           "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u00a0": " "}  # fmt: skip


def latin(text: object) -> str:
    text = str(text)
    for char, spelled in SPELLED.items():
        text = text.replace(char, spelled)
    return text.encode("latin-1", "replace").decode("latin-1")


def shown(value: object, kind: str | None = None) -> str:
    """A figure as printed: money with 2 decimals, rates as percentages, counts with commas."""
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return "n/a"
    if kind == "rate":
        return f"{value:.2%}"
    if kind == "count" or (kind is None and isinstance(value, int)
                           and not isinstance(value, bool)):  # fmt: skip
        return f"{value:,.0f}"
    if kind == "number":
        return f"{value:,.1f}"
    if kind == "money" or isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class PacketPDF(FPDF):
    def __init__(self, title: str, paper: str):
        super().__init__(orientation="P", unit="mm", format=paper)
        self.packet_title = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(latin(title))
        self.set_creator("unlisted")

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("Helvetica", "I", 8)
            self.set_text_color(90)
            self.cell(0, 5, latin(self.packet_title), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
            self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "B", 8)
        self.set_text_color(150, 0, 0)
        self.cell(self.epw / 2, 5, PHI, align="L")
        self.set_font("Helvetica", "", 8)
        self.set_text_color(60)
        self.cell(self.epw / 2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)


def write_pdf(packet: Packet, path: Path, paper: str = "A4") -> None:
    if paper.lower() not in ("a4", "letter"):
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    pdf = PacketPDF(packet.title, paper.lower())
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, latin(packet.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(80)
    pdf.cell(0, 5, latin(f"Made {packet.made_at:%Y-%m-%d %H:%M}. The workbook "
                         f"{packet.name}.xlsx holds every line, the frame and the findings."),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_text_color(0)
    pdf.ln(3)
    heading(pdf, "Summary")
    key_values(pdf, [(k, shown(v)) for k, v in packet.summary if k != "packet"], key_width=100)
    if packet.kind == "sample":
        heading(pdf, "Appraisal")
        if packet.appraisal is None:
            pdf.set_font("Helvetica", "", 9)
            pdf.multi_cell(0, 5, latin(packet.appraisal_note or "not appraised"),
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        else:
            appraisal_pdf(pdf, packet)
    for chart in packet.charts:
        bar_chart(pdf, chart)
    pdf.output(str(path))


def appraisal_pdf(pdf: FPDF, packet: Packet) -> None:
    """The appraisal's figures, the attribute limits as one table (a row per confidence level
    and sides, as RAT-STATS prints them) after the attribute figures."""
    limits = packet.attribute_limits or []
    in_table = {name for name, _, _ in interval_rows("attributes", limits)}
    # (attribute figure?, label, value as shown)
    rows = [(figure.startswith("attributes."), label, shown(value, figure_kind(figure, value)))
            for figure, label, value in packet.appraisal or () if figure not in in_table]
    key_values(pdf, [(label, text) for first, label, text in rows if first], key_width=100)
    if limits:
        limits_pdf(pdf, limits)
    key_values(pdf, [(label, text) for first, label, text in rows if not first], key_width=100)


def limits_pdf(pdf: FPDF, limits: list[dict]) -> None:
    pdf.ln(1.5)
    pdf.set_font("Helvetica", "", 9)
    pdf.set_draw_color(200)
    with pdf.table(col_widths=(40, 35, 35, 35, 35), line_height=4.6, padding=(0.8, 1.5),
                   borders_layout="HORIZONTAL_LINES",
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")) as table:  # fmt: skip
        table.row(["interval", "lower limit (lines)", "upper limit (lines)", "lower rate",
                   "upper rate"])  # fmt: skip
        for found in limits:
            table.row([f"{found['confidence']:.0%} {found['sides']}",
                       shown(found["lower"], figure_kind("low_errors", found["lower"])),
                       shown(found["upper"], figure_kind("high_errors", found["upper"])),
                       shown(found["lower_rate"], "rate"), shown(found["upper_rate"], "rate")])
    pdf.ln(1.5)


def heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.page_break_trigger - 25:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(120)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.ln(1.5)


def key_values(pdf: FPDF, rows: list[tuple[str, str]], key_width: float = 62) -> None:
    pdf.set_font("Helvetica", "", 9)
    pdf.set_draw_color(200)
    with pdf.table(col_widths=(key_width, pdf.epw - key_width), first_row_as_headings=False,
                   line_height=4.6, padding=(0.8, 1.5), borders_layout="HORIZONTAL_LINES",
                   text_align=("LEFT", "LEFT")) as table:  # fmt: skip
        for key, value in rows:
            row = table.row()
            row.cell(latin(key))
            row.cell(latin(value))


BAR_ROWS = 12


def bar_chart(pdf: FPDF, chart: Chart) -> None:
    """Horizontal bars: a label, the bar (from a zero axis) and its figure, at most BAR_ROWS."""
    labels, values = chart.labels[:BAR_ROWS], chart.values[:BAR_ROWS]
    row_h, label_w, figure_w = 6.0, 48.0, 26.0
    needed = 12 + row_h * max(1, len(labels)) + 8
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    heading(pdf, chart.title)
    pdf.set_font("Helvetica", "", 8.5)
    if not labels:
        pdf.cell(0, 6, "Nothing to chart.", new_x="LMARGIN", new_y="NEXT")
        return
    x0 = pdf.l_margin + label_w + 2
    width = pdf.epw - label_w - 2 - figure_w
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    axis = x0 + (0 - low) / span * width
    top = pdf.get_y() + 1
    for k, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + k * row_h
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w, row_h, latin(shorten(pdf, label, label_w)), align="R")
        end = x0 + (value - low) / span * width
        pdf.set_fill_color(*((46, 107, 168) if value >= 0 else (196, 78, 60)))
        left, bar = min(axis, end), abs(end - axis)
        if bar > 0:
            pdf.rect(left, y + 1, max(bar, 0.3), row_h - 2, style="F")
        figure = shown(value, "money") if chart.money else shown(value, "count")
        pdf.set_xy(max(axis, end) + 1.5, y)
        pdf.cell(figure_w - 1.5, row_h, latin(figure))
    pdf.set_draw_color(60)
    pdf.line(axis, top, axis, top + row_h * len(labels))
    pdf.set_xy(pdf.l_margin, top + row_h * len(labels) + 1)
    if len(chart.labels) > BAR_ROWS:
        pdf.set_font("Helvetica", "I", 8)
        pdf.cell(0, 5, f"{len(chart.labels) - BAR_ROWS} more not shown (see the workbook).",
                 new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)


def shorten(pdf: FPDF, text: str, width: float) -> str:
    text = latin(text)
    if pdf.get_string_width(text) <= width - 1:
        return text
    while text and pdf.get_string_width(text + "...") > width - 1:
        text = text[:-1]
    return text + "..."
