"""An appeal letter (queries/appeal_letter.py Letter) as an editable DOCX and the same as PDF.

Both are made from one list of blocks, so that they say the same. Everything in them may come
from a file (a narrative, a note, a payer name): it is written as text only (python-docx escapes
it as XML; no field, hyperlink or formula is ever made from it), with control characters shown
as \\xNN rather than written, and for the PDF's Latin-1 fonts the rest spelled out or replaced."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

from .options import printable
from .packet_writer import latin
from .queries.appeal_letter import Letter

# (kind, content): kind is title, heading, para, quote, item or table (content: rows of cells,
# the first row the header).
Block = tuple[str, object]


def money(amount: Decimal | None) -> str:
    return "" if amount is None else f"${amount:,.2f}"


def units(value: Decimal | None) -> str:
    """Units as billed: 1, 1.5 (not 1.000)."""
    return "" if value is None else f"{value.normalize():f}"


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# Line breaks and tabs inside a value read as spaces; the two non-characters XML refuses as "?".
SPACES = re.compile(r"[\r\n\t]+")
NOT_XML = re.compile("[\ufffe\uffff]")


def text(value: object) -> str:
    """A value from the record, fit for a document: None as empty, line breaks as spaces, other
    controls made visible (\\xNN)."""
    if value is None:
        return ""
    return printable(NOT_XML.sub("?", SPACES.sub(" ", str(value))))


def letter_blocks(letter: Letter) -> list[Block]:
    """What the letter says, in order."""
    s = letter.sender
    blocks: list[Block] = []
    if letter.kind == "resubmit":
        # Not for the payer: a notice to the billing staff instead of a letter.
        blocks.append(("title", text(letter.subject)))
        blocks.append(
            (
                "para",
                f"For the billing staff, {day(letter.as_of)}. Payer: "
                f"{text(letter.payer_name)} (payer id {text(letter.payer_id)}).",
            )
        )
    else:
        sender_lines = [s.practice_name or letter.billing_name, *s.address, s.phone]
        blocks += [("para", text(line)) for line in sender_lines if line]
        blocks.append(("para", f"Date: {day(letter.as_of)}"))
        blocks.append(("para", f"To: {text(letter.payer_name)} (payer id {text(letter.payer_id)})"))
        blocks.append(("title", text(letter.subject)))
    blocks.append(("heading", "Claim"))
    rows = [
        ("Patient account number (CLM01)", letter.patient_control_number),
        ("Payer claim control number", ", ".join(letter.payer_claim_numbers) or "not on file"),
        ("Patient", letter.patient_name), ("Member id", letter.member_id),
        ("Birth date", day(letter.patient_birth_date)),
        ("Billing provider", f"{text(letter.billing_name)} (NPI {text(letter.billing_npi)})"),
        ("Diagnosis codes", letter.diagnosis_codes),
        ("Prior authorization", letter.prior_authorization or "none on the claim"),
        ("Total charge of the lines", money(letter.total_charge)),
    ]  # fmt: skip
    blocks.append(("table", [("Field", "Value"), *((k, text(v)) for k, v in rows)]))
    blocks.append(("heading", "Lines denied" if letter.kind == "resubmit" else "Lines appealed"))
    header = ("Line", "Control no.", "Date of service", "Code", "Modifiers", "Units", "Charge")
    line_rows = [
        (str(line.line_number), text(line.control_number),
         day(line.service_date) + (f" to {day(line.service_date_end)}"
                                   if line.service_date_end not in (None, line.service_date)
                                   else ""),
         text(line.code), text(":".join(line.modifiers)), units(line.units), money(line.charge))
        for line in letter.lines
    ]  # fmt: skip
    blocks.append(("table", [header, *line_rows]))
    blocks.append(("heading", "The denial"))
    for line in letter.lines:
        said = (
            f"Line {line.line_number}, denied on {day(line.denial_date)}: "
            f"{text(line.denial_group)}-{text(line.denial_carc)}, "
            f"{text(line.denial_label or 'no label in the reference list')} "
            f"({text(line.category_label or line.category or 'uncategorised')})."
        )
        blocks.append(("para", said))
        blocks += [("item", f"Remark {text(r.code)}: "
                            f"{text(r.label or 'no label in the reference list')}.")
                   for r in line.remarks]  # fmt: skip
    blocks.append(("heading", "What to do" if letter.kind == "resubmit" else "Request"))
    blocks += [("para", text(p)) for p in letter.request]
    if letter.kind == "resubmit":
        blocks += to_complete_blocks(letter)
        return blocks
    blocks.append(("heading", "What was done (the claim's narrative)"))
    blocks += [("quote", text(n)) for n in letter.narratives] or [
        ("para", "The claim carries no narrative.")
    ]
    visits = list(dict.fromkeys(e.visit for e in letter.evidence if e.source != "no note"))
    if not visits:
        blocks.append(("heading", "The treatment note"))
        blocks.append(("para", "No treatment note is quoted here."))
    for visit in visits:
        blocks.append(("heading", f"The treatment note of {day(visit)}"))
        shown = [e for e in letter.evidence if e.visit == visit and e.present]
        for e in shown:
            if e.quote is not None:
                blocks.append(("item", f"{e.meaning}:"))
                blocks.append(("quote", f"\u201c{text(e.quote)}\u201d"))
            else:
                blocks.append(("item", f"{e.meaning}: documented in the practice's checklist."))
        if not shown:
            blocks.append(("para", "No element of this note is quoted here."))
    p = letter.provider
    blocks.append(("heading", "Rendering provider"))
    blocks.append(("table", [("Field", "Value"), ("Name", text(p.name)), ("NPI", text(p.npi)),
                             ("Credentials", text(p.credentials)),
                             ("Taxonomy", text(p.taxonomy)),
                             ("Note signed", day(p.signed_date))]))  # fmt: skip
    blocks.append(("heading", "Comparable code and valuation"))
    blocks.append(("para", comparator_sentence(letter)))
    blocks.append(("para", "Sincerely,"))
    blocks.append(
        ("para", text(" ".join(x for x in (s.signer_name, s.signer_title) if x)) or "(signature)")
    )
    blocks += to_complete_blocks(letter)
    return blocks


def comparator_sentence(letter: Letter) -> str:
    c = letter.comparator
    if c is None or c.comparator_code is None:
        return "A comparable code is to be named (see below)."
    said = f"Comparable code: {text(c.comparator_code)} for {text(c.code)}"
    if c.basis == "contract":
        said += (f", valued at {money(c.per_unit)} per unit under the contract" if c.per_unit
                 is not None else f", priced under the contract at {text(c.contract_amount)} "
                 "of the charge")  # fmt: skip
    elif c.basis == "history" and c.per_unit is not None:
        share = f" ({c.comparator_share:.0%} of them)" if c.comparator_share is not None else ""
        said += (
            f", valued at {money(c.per_unit)} per unit: the median this payer allowed over "
            f"{c.lines} paid lines (middle half {money(c.low)} to {money(c.high)}), which "
            f"it paid as {text(c.comparator_code)}{share}"
        )
    else:
        said += f"; too few paid lines ({c.lines}) to value it"
    return said + "."


def to_complete_blocks(letter: Letter) -> list[Block]:
    if not letter.to_complete:
        return []
    return [
        ("heading", "To complete before sending (delete this section)"),
        *(("item", text(item)) for item in letter.to_complete),
    ]


# -- DOCX ---------------------------------------------------------------------------------------
def letter_docx(letter: Letter) -> bytes:
    """The letter as an editable Word document."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = text(letter.subject)
    for kind, content in letter_blocks(letter):
        if kind == "title":
            document.add_heading(content, level=1)
        elif kind == "heading":
            document.add_heading(content, level=2)
        elif kind == "item":
            document.add_paragraph(content, style="List Bullet")
        elif kind == "quote":
            document.add_paragraph(content, style="Quote")
        elif kind == "table":
            rows = content
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    cell = table.cell(r, c)
                    cell.text = value
                    for paragraph in cell.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(8)
                            run.font.bold = r == 0
        else:
            document.add_paragraph(content)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------------
def letter_pdf(letter: Letter) -> bytes:
    """The letter as PDF (Latin-1 core fonts: other characters spelled out or replaced)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_title(latin(letter.subject))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    for kind, content in letter_blocks(letter):
        if kind == "table":
            rows = content
            pdf.set_font("Helvetica", "", 7 if len(rows[0]) > 2 else 9)
            with pdf.table(headings_style=FontFace(emphasis="BOLD"),
                           line_height=4) as table:  # fmt: skip
                for row in rows:
                    cells = table.row()
                    for value in row:
                        cells.cell(latin(value))
            pdf.ln(2)
            continue
        style, size = {"title": ("B", 13), "heading": ("B", 11), "quote": ("I", 9),
                       "item": ("", 9), "para": ("", 10)}[kind]  # fmt: skip
        pdf.set_font("Helvetica", style, size)
        if kind == "heading":
            pdf.ln(2)
        shown = ("- " if kind == "item" else "") + str(content)
        pdf.set_x(pdf.l_margin + (8 if kind == "quote" else 0))
        pdf.multi_cell(0, 5 if size < 11 else 7, latin(shown), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def file_stem(letter: Letter) -> str:
    """A file name for the letter: payer and CLM01, with anything but letters, digits, dot,
    dash and underscore replaced (a CLM01 may hold a slash)."""
    raw = f"appeal-{letter.payer_id}-{letter.patient_control_number}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)


def write_letter(letter: Letter, folder: Path) -> tuple[Path, Path]:
    """The DOCX and PDF of one letter in `folder` (created when missing); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(letter)
    docx_path, pdf_path = folder / f"{stem}.docx", folder / f"{stem}.pdf"
    docx_path.write_bytes(letter_docx(letter))
    pdf_path.write_bytes(letter_pdf(letter))
    return docx_path, pdf_path
