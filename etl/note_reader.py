"""Read a treatment note as clinical text: its sections, check boxes, negations and signatures.

The engine only: every word it looks for comes from the rules file (documentation_rules.toml),
compiled once into a NoteReader. In the spirit of medspaCy (sectionizer, target rules, ConText),
without its dependencies, and fast enough for the loader: pure Python around compiled regular
expressions built from the rules' phrases. A note's text is only ever searched, never turned
into a pattern.

How a note is read (docs/note-detection.md says more):
1. Clauses. The text is cut at line ends, sentence ends, ";", "|" and fill-in blanks ("___").
   A clause is the scope of a negation and the evidence kept for a finding.
2. Sections. A header of [sections] at the start of a clause, followed by ":" or " - " (or alone
   on its line, or in a table cell: "| Purpose | ... |"), opens a section. Its content is what
   follows, up to the next header; a header whose first content is empty, an empty value ("N/A",
   "see prior note") or a signature shows nothing.
3. Check boxes. A ticked box ("[x]", "☒", "(X)") or an unticked one ("[ ]", "☐", "( )")
   answers for the text after it, up to the next box or the line end; a label followed by boxes
   ("1:1: [x] Yes [ ] No", "1:1: [ ]") takes the answer of its boxes.
4. Context (ConText). A negation cue before a finding in its clause ("no", "not seen") or after
   it ("not performed", ": no") makes it absent, unless a terminator ("but", "however") comes
   between, the cue is more than max_scope_words away, or the cue is part of the finding itself
   ("no change with standard care"); a pseudo-negation ("no pain") is no cue. Hypothetical
   ("will", "next visit") and historical ("standard", "tried") cues void a finding for the
   elements that ask for it, and so do an element's exclude_after phrases ("STG indep stairs").
5. Findings. Per element: phrases (a finding each, or only together with another phrase of the
   same clause), cues that need content after them, sections whose filled-in content is the
   element, and for credentials a person's name with a credential beside it. In a list of
   services whose 97139 item is only a pointer ("- 97139 per plan"), the other items show
   nothing of the 97139 service (for the elements with skip_other_services).

Speed: every phrase list is indexed by the first word its phrases can start with; one scan of
the note's words (and one of its numbers) finds the places where some phrase could start, and
only those are tried, each list once per note and only when an element first needs it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass

EVIDENCE_CHARS = 200
EDGES = " ,;|."  # taken off the ends of an evidence phrase

# Built-in placeholders of the phrase language (see the rules file's header).
BUILTIN = {
    "n": r"\d(?<![\d.]\d)\d{0,3}(?:\.\d+)?(?:[ \t]*(?:-|–|to)[ \t]*\d{1,4}(?:\.\d+)?)?(?![\d])",
    "clock": r"(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?:[ \t]*[ap]\.?m\.?)?(?![\d:])",
    "date": r"(?<![\d/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])",
    # any one word, between other words: "increases <word> pain" finds "increases her pain"
    "word": r"[^\W\d_][\w'’]*",
}
NUMBER_KEY = "<n>"  # the index key of phrases that start with a number (never a word)
# What follows a number in a note: the word right after its digits ("30-" -> "-"), and the word
# after the whole number ("2.5 mph", "4-6 wks" -> "mph", "wks").
AFTER_NUMBER = re.compile(
    r"(?=[ \t\u00a0]*([^\W\d_]+|\d+|[^\w\s]))?"
    r"(?:\.\d+)?(?:[ \t]*(?:-|–|to)[ \t]*\d{1,4}(?:\.\d+)?)?[ \t\u00a0\-]*"
    r"([^\W\d_]+|\d+|[^\w\s])?"
)
NUMBER = re.compile(rf"\d+(?={AFTER_NUMBER.pattern})")  # a number, and what follows it
PLACEHOLDER = re.compile(r"<([a-z_]+)>")
PIECES = re.compile(r"(<[a-z_]+>|\s+)")
TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_")
SPACE = r"[ \t\u00a0\-]*"  # a space in a phrase: any run of blanks or hyphens, on one line
BOUNDARY_BEHIND, BOUNDARY_AFTER = r"(?<!\w.)", r"(?!\w)"  # no word character before / after
END = ""  # marks the end of a phrase in a trie

# A signer's name just before a credential ("A. Rivera ", "Maria Lopez, ", "LOPEZ, MARIA (",
# "J. Whitcombe, M.S., ") or just after one ("PTA: Kwame Osei").
# (capitals and letters with accents too: "Lucía Brandt-Oyama")
UPPER, LETTER = "A-ZÀ-ÖØ-Þ", "A-Za-zÀ-ÖØ-öø-ÿ"
NAME_WORD = rf"(?:[{UPPER}][{LETTER}'’\-]+|[{UPPER}]\.?)"
NAME_BEFORE = re.compile(
    rf"(?P<name>{NAME_WORD}(?:(?:[ \t]+|\.[ \t]*|,[ \t]*){NAME_WORD}){{0,4}})"
    r"(?P<gap>[ \t.]*[,\-–]?[ \t]*\(?[ \t]*)$"
)
NAME_AFTER = re.compile(
    rf"[ \t]*[:\-]?[ \t]*(?P<name>{NAME_WORD}(?:(?:[ \t]+|\.[ \t]*){NAME_WORD}){{1,3}})"
)
NAME_TOKEN = re.compile(rf"[{LETTER}'’\-]+")
WORD = re.compile(r"\w+")
ALNUM = re.compile(r"[^\W_]+")
LOWER_WORD = re.compile(r"[ \t]+([a-z]+)")
BLANKS = re.compile(r"[\s:\-–.]*")
SIGNATURE_TAIL = re.compile(r"[\s,.;:)\-–—|]*(?:\d[\d/ :.\-]*(?:[ap]m)?)?[\s,.;)\-–—|]*")
FILL = " \t\n:-–—.,_*=;|()"
BLOCK = " \t:-–—="  # what may follow a header that stands alone on its line
# A header alone on its line heads the lines below when it is in capitals ("GOAL:") or they are
# indented or listed ("  walk 500 ft", "- walk 500 ft", "1. walk 500 ft"); else it is empty.
LIST_ITEM = re.compile(r"[ \t]+\S|[-–•*][ \t]+\S|\d{1,2}[.)][ \t]*\S|[a-z][.)][ \t]+\S")
LIST_NUMBER = re.compile(r"[ \t]*(?:\d{1,2}|[a-z])[.)](?:[ \t]+|$)")  # "1. ", "a) "
# Punctuation spoken into a dictated note that has no full stop of its own ("... right period
# this is Gwen Atwater comma DPT"): read as the mark, in the same number of characters.
SPOKEN = re.compile(r"[ \t]+(period|full stop|comma|colon|semicolon)(?=[\s.,]|$)")
SPOKEN_MARK = {"period": ".", "full stop": ".", "comma": ",", "colon": ":", "semicolon": ";"}
# A line that starts with a procedure code ("97110 – seated LAQ 3x10", "- 97116 Gait training",
# "(x) 97110 Ther ex"): a service of its own.
CODE_LINE = re.compile(
    r"^[ \t]*(?:[-–•*][ \t]+)?(?:[(\[][ xX✓✔]?[)\]][ \t]*)?(?:cpt[ \t#:]*)?9\d{4}(?![\d/])", re.M
)
# What a finding is said of: "1:1 for car transfers" (two words at least).
FOR_WHAT = re.compile(r"[ \t]*(?:for|during)[ \t]+([^\W\d_]+[ \t]+[^\W\d_]+)")
# How a list item starts: its indent and marker (" - ", "  ", "1. "); empty for a plain line.
LIST_SHAPE = re.compile(r"[ \t]*(?:[-–•*][ \t]+|\d{1,2}[.)][ \t]*)?(?<=[ \t])|")


class RulesError(ValueError):
    """The rules say something the reader cannot use: the message says which entry and why."""


def strings(value, where: str) -> tuple[str, ...]:
    """A list of non-empty strings from the rules (a lone string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{where} must be a list of non-empty strings")
    return tuple(" ".join(v.split()) for v in value)


def table(raw: dict, key: str, required: bool = False) -> dict:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise RulesError(f"[{key}] is missing" if value is None else f"[{key}] must be a table")
    return value


def number(raw: dict, key: str, where: str, default: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RulesError(f"{where} must be a whole number, 0 or more")
    return value


def fold(text: str) -> str:
    """A header as a lookup key: its words alone ("Time-in/out" and "time in / out" are one)."""
    return " ".join(ALNUM.findall(text.lower()))


def lower(text: str) -> str:
    """Lower case, one character for one (so that positions stay those of the text)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class PhraseCompiler:
    """The rules' phrase language, turned into regular expressions.

    A phrase is plain text, matched whole-word and without regard to case; a space matches any
    run of blanks or hyphens ("one on one" also finds "one-on-one"); <n>, <clock> and <date>
    are a number, a time of day and a date; <word> is any phrase of the list [words].word.
    Phrases are merged into trie-shaped expressions and indexed by the first word they can
    start with.
    """

    def __init__(self, words: dict[str, tuple[str, ...]]):
        self.words = words
        self.expanded: dict[str, str] = {}

    def atoms(self, phrase: str, where: str, case: bool, seen: tuple[str, ...] = ()) -> list:
        out = []
        for piece in PIECES.split(phrase):
            if not piece:
                continue
            if piece.isspace():
                out.append(SPACE)
            elif found := PLACEHOLDER.fullmatch(piece):
                out.append(self.placeholder(found[1], where, seen))
            else:
                out.extend(re.escape(c if case else c.lower()) for c in piece)
        if phrase[0].isalnum():
            # "(?<!\w)k" written as "k(?<!\w.)": an expression that starts with a plain
            # character lets the engine skip ahead to where it can match.
            out.insert(1, BOUNDARY_BEHIND)
        if phrase[-1].isalnum() or phrase[-1] == ">":
            out.append(BOUNDARY_AFTER)
        return out

    def placeholder(self, key: str, where: str, seen: tuple[str, ...]) -> str:
        if key in BUILTIN:
            return f"(?:{BUILTIN[key]})"
        self.check(key, where, seen)
        if key not in self.expanded:
            phrases = self.words[key]
            self.expanded[key] = (
                "(?:"
                + trie([self.atoms(p, f"[words].{key}", False, (*seen, key)) for p in phrases])
                + ")"
            )
        return self.expanded[key]

    def check(self, key: str, where: str, seen: tuple[str, ...]) -> None:
        if key not in self.words:
            known = ", ".join(f"<{k}>" for k in (*BUILTIN, *self.words))
            raise RulesError(f"{where}: <{key}> is not a placeholder (known: {known})")
        if key in seen:
            raise RulesError(f"{where}: [words].{key} refers to itself")

    def keys(self, phrase: str, where: str, seen: tuple[str, ...] = ()) -> frozenset[str]:
        """The index keys of a phrase: the (lower case) first words it can start with. A phrase
        that starts with a number is keyed by what follows the number ("<n> min": "<n>min")."""
        pieces = [p for p in PIECES.split(phrase) if p and not p.isspace()]
        found = PLACEHOLDER.fullmatch(pieces[0])
        if not found:
            return frozenset({TOKEN.match(pieces[0].lower()).group()})
        key = found[1]
        if key == "word":
            raise RulesError(f"{where}: a phrase cannot start with <word> ({phrase})")
        if key in ("clock", "date"):
            return frozenset({NUMBER_KEY + (":" if key == "clock" else "/")})
        if key == "n":
            if len(pieces) == 1:
                return frozenset({NUMBER_KEY})
            following = self.keys(pieces[1], where, seen)
            if any(k.startswith(NUMBER_KEY) for k in following):
                return frozenset({NUMBER_KEY})
            return frozenset(NUMBER_KEY + k for k in following)
        self.check(key, where, seen)
        rest = phrase[len(pieces[0]) :]  # "<number_word> sets": "one sets", "<n> sets", ...
        return frozenset().union(
            *(self.keys(p + rest, f"[words].{key}", (*seen, key)) for p in self.words[key])
        )

    def pattern(self, phrases, where: str, case: bool = False) -> re.Pattern:
        """One expression for all the phrases (matched on lower-case text unless case)."""
        return re.compile(trie([self.atoms(p, where, case) for p in phrases]))


def trie(phrases: list[list[str]]) -> str:
    """Phrases (lists of atoms) as one expression, sharing their common beginnings."""
    root: dict = {}
    for atoms in phrases:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[END] = {}
    return emit(root)[0]


def emit(node: dict) -> tuple[str, int]:
    """A trie of atoms as one expression, and its depth; longer continuations are tried
    first, so that at one place the longest phrase is the one found."""
    children = sorted(
        ((atom, *emit(child)) for atom, child in node.items() if atom != END),
        key=lambda c: -c[2],
    )
    alternatives = [atom + body for atom, body, _ in children]
    deepest = 1 + (children[0][2] if children else 0)
    if not alternatives:
        return "", 0
    if len(alternatives) == 1 and END not in node:
        return alternatives[0], deepest
    body = "(?:" + "|".join(alternatives) + ")"
    return (body + "?" if END in node else body), deepest


@dataclass(frozen=True)
class Rule:
    """One way an element shows: phrases, cues that need content after them, or phrases that
    need another (together) in their clause or in a together_sections section."""

    phrases: int  # the id of a phrase list
    needs_content: bool = False
    together: int | None = None
    together_not: int | None = None


@dataclass(frozen=True)
class Element:
    name: str
    rules: tuple[Rule, ...]
    sections: frozenset[str]
    excluded_sections: frozenset[str]
    together_sections: frozenset[str]
    content_words: int
    content_needs: re.Pattern | None
    not_enough: re.Pattern | None
    not_alone: re.Pattern | None
    content_lead: re.Pattern | None
    exclude: int | None
    exclude_after: int | None
    not_within: int | None
    hypothetical: bool
    historical: bool
    negation_wins: bool
    negations_are_findings: bool
    join_next: bool
    skip_other_services: bool


class NoteReader:
    """The compiled rules: read(text) gives, per element, the evidence phrase or None."""

    def __init__(self, raw: dict, elements: tuple[str, ...]):
        if not isinstance(raw, dict):
            raise RulesError("the rules must be a TOML table")
        words = {k: strings(v, f"[words].{k}") for k, v in table(raw, "words").items()}
        self.phrases = PhraseCompiler(words)
        self.elements = elements
        # list id -> (expression, the first words its phrases can start with, whether case
        # matters)
        self.by_list: list[tuple[re.Pattern, frozenset[str], bool]] = []
        self.keys_used: set[str] = set()
        self.list_ids: dict[tuple[tuple[str, ...], bool], int] = {}
        reader, context, boxes = table(raw, "reader"), table(raw, "context"), table(raw, "boxes")

        # 1. Clauses: line ends, ";", "|", fill-in blanks, and sentence ends that follow neither
        # a single letter ("A. Rivera") nor one of the abbreviations.
        self.abbreviations = frozenset(
            a.lower().rstrip(".")
            for a in strings(reader.get("abbreviations") or ["e.g"], "[reader].abbreviations")
        )
        self.boundary = re.compile(r"[\n;|]|__+|[.!?](?=\s|$)")
        # 2. Sections: header -> section name.
        sections = table(raw, "sections", required=True)
        self.section_of: dict[str, str] = {}
        for section, headers in sections.items():
            for header in strings(headers, f"[sections].{section}"):
                self.section_of[fold(header)] = section
        if not self.section_of:
            raise RulesError("[sections] is empty")
        ticked = strings(boxes.get("ticked"), "[boxes].ticked")
        unticked = strings(boxes.get("unticked"), "[boxes].unticked")
        self.ticked = frozenset(b.lower() for b in ticked)
        box = "|".join(
            re.escape(b.lower()) for b in sorted({*ticked, *unticked}, key=len, reverse=True)
        )
        self.box = re.compile(box)
        headers = trie(
            [
                self.phrases.atoms(h, "[sections]", False)
                for hs in sections.values()
                for h in strings(hs, "[sections]")
            ]
        )
        self.header = re.compile(
            rf"[ \t\u00a0*•>#\-–—]*(?:(?P<box>{box})[ \t]*)?(?P<h>{headers})"
            r"[ \t]*(?:#?\d{1,2}[ \t]*)?(?:\([^)\n]{0,40}\)[ \t]*)?"
            # a table cell: "| Purpose | tolerate WB for 30 min |"
            r"(?::|[ \t]*[\-–—=](?=[ \t]|$)|[ \t]*(?P<cell>\|)|(?=[ \t]*(?:\n|$))"
            # a header and up to four more words before its colon: "Goals for today:",
            # "Rationale for the unlisted service:"
            r"|(?:[ \t]+[a-z][\w'/&\-]*){1,4}[ \t]*:)"
        )
        self.yes = self.compiled(boxes, "yes", "[boxes].yes")
        self.no = self.compiled(boxes, "no", "[boxes].no")
        # 4. Context.
        self.pre = self.listed(context, "negation_before", "[context].negation_before", True)
        self.post = self.listed(context, "negation_after", "[context].negation_after")
        self.pseudo = self.listed(context, "pseudo_negation", "[context].pseudo_negation")
        self.terminators = self.listed(context, "terminators", "[context].terminators")
        self.hypothetical = self.listed(context, "hypothetical", "[context].hypothetical")
        self.historical = self.listed(context, "historical", "[context].historical")
        self.empty = self.compiled(context, "empty", "[context].empty")
        self.max_scope = number(context, "max_scope_words", "[context].max_scope_words", 8)
        self.max_scope_after = number(
            context, "max_scope_words_after", "[context].max_scope_words_after", 4
        )
        # The 97139 service, named in a list of services with only a pointer ("- 97139 per plan").
        services = table(raw, "services")
        self.service = self.listed(services, "code", "[services].code")
        self.service_pointer = self.listed(services, "pointer", "[services].pointer")
        # 5. Elements.
        self.rules: dict[str, Element] = {}
        for name in elements:
            if name != "credentials":
                self.rules[name] = self.element(name, table(raw, name, True), set(sections))
        credentials = table(raw, "credentials", required=True)
        self.titles = self.listed(credentials, "titles", "[credentials].titles", True, True)
        self.signature_cues = self.listed(
            credentials, "signature_cues", "[credentials].signature_cues"
        )
        self.unsigned = self.listed(credentials, "unsigned", "[credentials].unsigned")
        self.cosign = self.listed(credentials, "cosign", "[credentials].cosign")
        self.not_names = frozenset(
            w.lower()
            for w in strings(credentials.get("not_names") or ["-"], "[credentials].not_names")
        )
        self.after_title = frozenset(
            w.lower()
            for w in strings(credentials.get("after_title") or ["-"], "[credentials].after_title")
        )
        self.not_after_title = frozenset(
            w.lower()
            for w in strings(
                credentials.get("not_after_title") or ["-"], "[credentials].not_after_title"
            )
        )
        # One scan of the note's words (letters, numbers and the signs that start a phrase)
        # finds where any phrase could start: its first word is an index key.
        self.word_keys = frozenset(k for k in self.keys_used if not k.startswith(NUMBER_KEY))
        signs = sorted({k for k in self.word_keys if not k[0].isalnum()})
        self.words = re.compile(
            r"[^\W\d_]+" + ("|[" + "".join(map(re.escape, signs)) + "]" if signs else "")
        )

    def compiled(self, raw: dict, key: str, where: str) -> re.Pattern | None:
        """A list matched as a whole, at the start of (lower-case) content."""
        value = raw.get(key)
        return None if value is None else self.phrases.pattern(strings(value, where), where)

    def listed(
        self, raw: dict, key: str, where: str, required: bool = False, case: bool = False
    ) -> int | None:
        """A phrase list looked for in notes: its id. A list is matched in a note when first
        needed, where the first words of its phrases were seen."""
        value = raw.get(key)
        if value is None:
            if required:
                raise RulesError(f"{where} is missing")
            return None
        phrases = strings(value, where)
        same = self.list_ids.get((phrases, case))
        if same is not None:
            return same  # a list given twice is matched once per note
        pattern = self.phrases.pattern(phrases, where, case)
        keys = frozenset().union(*(self.phrases.keys(p, where) for p in phrases))
        self.keys_used.update(keys)
        self.by_list.append((pattern, keys, case))
        self.list_ids[(phrases, case)] = len(self.by_list) - 1
        return len(self.by_list) - 1

    def element(self, name: str, raw: dict, sections: set[str]) -> Element:
        def names(key: str) -> frozenset[str]:
            found = frozenset(strings(raw.get(key) or ["-"], f"[{name}].{key}")) - {"-"}
            if found - sections:
                raise RulesError(
                    f"[{name}].{key} names {', '.join(sorted(found - sections))}, "
                    "which [sections] does not define"
                )
            return found

        rules = []
        if raw.get("phrases"):
            rules.append(Rule(self.listed(raw, "phrases", f"[{name}].phrases")))
        if raw.get("cues"):
            cues = self.listed(raw, "cues", f"[{name}].cues")
            rules.append(Rule(cues, needs_content=True))
        extra = raw.get("rule", [])
        if not isinstance(extra, list):
            raise RulesError(f"[[{name}.rule]] must be an array of tables")
        for index, item in enumerate(extra, start=1):
            where = f"[[{name}.rule]] number {index}"
            if not isinstance(item, dict) or not item.get("phrases"):
                raise RulesError(f"{where} needs a phrases list")
            rules.append(
                Rule(
                    self.listed(item, "phrases", f"{where} phrases"),
                    together=self.listed(item, "together", f"{where} together"),
                    together_not=self.listed(item, "together_not", f"{where} together_not"),
                )
            )
        for key in (
            "hypothetical",
            "historical",
            "negation_wins",
            "negations_are_findings",
            "join_next",
            "skip_other_services",
        ):
            if not isinstance(raw.get(key, False), bool):
                raise RulesError(f"[{name}].{key} must be true or false")
        return Element(
            name=name,
            rules=tuple(rules),
            sections=names("sections"),
            excluded_sections=names("excluded_sections"),
            together_sections=names("together_sections"),
            content_words=number(raw, "content_words", f"[{name}].content_words", 1),
            content_needs=self.compiled(raw, "content_needs", f"[{name}].content_needs"),
            not_enough=self.compiled(raw, "not_enough", f"[{name}].not_enough"),
            not_alone=self.compiled(raw, "not_alone", f"[{name}].not_alone"),
            content_lead=self.compiled(raw, "content_lead", f"[{name}].content_lead"),
            exclude=self.listed(raw, "exclude", f"[{name}].exclude"),
            exclude_after=self.listed(raw, "exclude_after", f"[{name}].exclude_after"),
            not_within=self.listed(raw, "not_within", f"[{name}].not_within"),
            hypothetical=raw.get("hypothetical", False),
            historical=raw.get("historical", False),
            negation_wins=raw.get("negation_wins", False),
            negations_are_findings=raw.get("negations_are_findings", False),
            join_next=raw.get("join_next", False),
            skip_other_services=raw.get("skip_other_services", False),
        )

    def read(self, text: str | None) -> tuple[str | None, ...]:
        """The evidence for each element (in the reader's order), None where it is absent."""
        if not text or text.isspace():
            return (None,) * len(self.elements)
        note = Note(self, text)
        return tuple(
            [
                note.signature() if name == "credentials" else note.find(self.rules[name])
                for name in self.elements
            ]
        )


class Note:
    """One note: its clauses, sections and the places where each phrase list matched."""

    def __init__(self, reader: NoteReader, text: str):
        self.r = reader
        self.shown = text = text.replace("\r\n", "\n").replace("\r", "\n")
        low = lower(text)
        if "." not in low and ("period" in low or "comma" in low or "colon" in low):
            # a dictated note: its spoken punctuation is read as the marks (the evidence keeps
            # the words)
            marked = SPOKEN.sub(lambda m: SPOKEN_MARK[m[1]].ljust(len(m[0])), low)
            if marked != low:
                text = "".join(
                    m if m != o else c for c, o, m in zip(text, low, marked, strict=True)
                )
                low = marked
        self.text, self.low = text, low
        # Clauses.
        starts, ends = [0], []
        abbreviations = reader.abbreviations
        for m in reader.boundary.finditer(low):
            at = m.start()
            if low[at] in ".!?":
                if not at or not (low[at - 1].isalnum() or low[at - 1] in ")]\"'°%"):
                    continue  # "..." or " . " ends nothing
                space = max(low.rfind(" ", 0, at), low.rfind("\n", 0, at), low.rfind("\t", 0, at))
                word = low[space + 1 : at].lstrip("([-*")
                if word in abbreviations:
                    continue
                if len(word) == 1 and word.isalpha():
                    # an initial ("A. Rivera"), unless a unit after a number ("within 30 s.")
                    j = space
                    while j >= 0 and low[j] in " \t":
                        j -= 1
                    if j < 0 or not low[j].isdigit():
                        continue
                ends.append(m.end())
            else:
                ends.append(at)
            starts.append(m.end())
        ends.append(len(text))
        self.starts, self.ends = starts, ends
        # Sections: (header start, header word start, content start, section, block, reach):
        # reach is where an inline header's content ends (its clause, or a table cell).
        headers = []
        match_header, section_of = reader.header.match, reader.section_of
        for start in starts:
            head = low[start : start + 64]
            if (
                ":" not in head
                and " -" not in head
                and "–" not in head
                and "\n" not in head
                and "|" not in head
            ):
                if start + 64 < len(low) or not head.strip():
                    continue  # no ":" or " - " after a header, and not alone on its line
            m = match_header(low, start)
            if m and (section := section_of.get(fold(m["h"]))):
                line_end = low.find("\n", m.end())
                rest = low[m.end() : None if line_end < 0 else line_end]
                block = (
                    bool(LIST_NUMBER.match(rest))
                    or not rest.strip(BLOCK)
                    and (
                        text[m.start("h") : m.end("h")].isupper()
                        or line_end >= 0
                        and bool(LIST_ITEM.match(text, line_end + 1))
                    )
                )
                if m["cell"]:
                    reach = low.find("|", m.end(), None if line_end < 0 else line_end)
                    reach = (len(low) if line_end < 0 else line_end) if reach < 0 else reach
                else:
                    reach = ends[bisect_right(starts, start) - 1]
                headers.append(
                    (
                        m.start("box") if m["box"] else m.start("h"),
                        m.start("h"),
                        m.end(),
                        section,
                        block,
                        reach,
                    )
                )
        self.headers = headers
        self.header_starts = [h[0] for h in headers]
        # One scan finds where some phrase could start (its first word is a key of the index);
        # a phrase list is matched there when first asked for.
        at: defaultdict[str, list[int]] = defaultdict(list)
        keys = reader.word_keys
        for m in reader.words.finditer(low):  # words and signs
            if (key := m[0]) in keys:
                at[key].append(m.start())
        plain = NUMBER_KEY if NUMBER_KEY in reader.keys_used else None
        for m in NUMBER.finditer(low):  # numbers: by themselves, and by what follows them
            pos = m.start()
            if (key := m[0]) in keys:
                at[key].append(pos)
            right_after, after_all = m.group(1, 2)
            for number in (
                plain,
                right_after and NUMBER_KEY + right_after,
                after_all and NUMBER_KEY + after_all,
            ):
                if number:
                    positions = at[number]
                    if not positions or positions[-1] != pos:
                        positions.append(pos)
        self.at = at
        self.local_spans: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        self.spans: dict[int, list[tuple[int, int]]] = {}
        self.places: dict[int, list[int]] = {}  # list id -> where its phrases could start
        self._boxes: list[tuple[int, int, bool]] | None = None
        self._other_services: list[tuple[int, int]] | None = None

    # -- where things are ---------------------------------------------------------------------
    def clause(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.starts, pos) - 1
        return self.starts[i], self.ends[i]

    def section(self, pos: int) -> str | None:
        """The section pos is in: a block header's up to the next header, an inline header's
        (content on the header's line) for its own clause only."""
        i = bisect_right(self.header_starts, pos) - 1
        if i < 0:
            return None
        _, _, _, section, block, reach = self.headers[i]
        return section if block or pos < reach else None

    def section_end(self, index: int) -> int:
        return self.headers[index + 1][0] if index + 1 < len(self.headers) else len(self.text)

    def found(self, ident: int | None, start: int = 0, end: int | None = None) -> list:
        """The matches of a phrase list inside start..end (all of the note by default)."""
        if ident is None:
            return []
        spans = self.spans.get(ident)
        if spans is None:
            spans = self.spans[ident] = self.match_list(ident)
        if not spans or end is None:
            return spans if not start else [s for s in spans if s[0] >= start]
        return [s for s in spans if start <= s[0] and s[1] <= end]

    def local(self, ident: int | None, start: int, end: int) -> list[tuple[int, int]]:
        """The matches of a phrase list inside start..end, matched there only (for the lists
        only ever needed beside a finding: together, exclude)."""
        if ident is None:
            return []
        window = (ident, start, end)
        found = self.local_spans.get(window)
        if found is None:
            found = self.local_spans[window] = self.match_list(ident, start, end)
        return found

    def match_list(self, ident: int, start: int = 0, end: int | None = None) -> list:
        """A phrase list's matches, in order, as finditer would give them (the longest at one
        place, none inside another): tried only where one of its first words was seen."""
        pattern, keys, case = self.r.by_list[ident]
        places = self.places.get(ident)
        if places is None:
            at = self.at
            places = [pos for key in keys.intersection(at) for pos in at[key]]
            places.sort()  # (a place seen twice is skipped when its first try matched)
            self.places[ident] = places
        if end is not None:
            places = places[bisect_left(places, start) : bisect_left(places, end)]
        if not places:
            return []
        match, text = pattern.match, self.text if case else self.low
        hits = []
        last = -1  # where the previous match ends
        for pos in places:
            if pos < last:
                continue  # inside the previous match
            hit = match(text, pos) if end is None else match(text, pos, end)
            if hit:
                hits.append(span := hit.span())
                last = span[1]
        return hits

    def boxes(self) -> list[tuple[int, int, bool]]:
        if self._boxes is None:
            self._boxes = [
                (m.start(), m.end(), m.group() in self.r.ticked)
                for m in self.r.box.finditer(self.low)
            ]
        return self._boxes

    def other_service(self, pos: int) -> bool:
        """pos is in another item of a list of services whose 97139 item is only a pointer
        ("- 97139 per plan (see care plan)" beside "- Gait training 2 x 75 ft"): another
        service, not the 97139 one. Items are the lines of the list, with the same indent and
        marker. In a note that names the 97139 service, a line that starts with another code
        ("97110 – seated LAQ 3x10", "- 97116 Gait training") is another service too."""
        if self._other_services is None:
            items: set[tuple[int, int]] = set()
            r, low = self.r, self.low
            if r.service is not None and r.service_pointer is not None:
                done = -1  # the end of the list last read
                for _, end in self.found(r.service):
                    if end < done:
                        continue
                    ls = low.rfind("\n", 0, end) + 1
                    le = low.find("\n", end)
                    le = len(low) if le < 0 else le
                    shape = self.shape(ls, le)
                    if not shape or not self.found(r.service_pointer, end, le):
                        continue
                    siblings = self.siblings(ls, le, shape)
                    items.update(siblings)
                    done = max([le, *(b for _, b in siblings)])
                # a line that starts with another code than the 97139 service's
                services = self.found(r.service)
                if services and "9" in low:
                    for m in CODE_LINE.finditer(low):
                        ls = m.start()
                        le = low.find("\n", ls)
                        le = len(low) if le < 0 else le
                        if not any(ls <= a < le for a, _ in services):
                            items.add((ls, le))
            self._other_services = sorted(items)
        i = bisect_right(self._other_services, (pos, len(self.low) + 1)) - 1
        return i >= 0 and pos < self._other_services[i][1]

    def for_other_service(self, end: int) -> bool:
        """The finding is said of another service of the note: "1:1 for car transfers" beside
        the line "97530 – car transfers with RW"."""
        self.other_service(end)
        if not self._other_services:
            return False
        m = FOR_WHAT.match(self.low, end)
        return bool(m) and any(m[1] in self.low[a:b] for a, b in self._other_services)

    def siblings(self, ls: int, le: int, shape: str) -> list[tuple[int, int]]:
        """The lines next to ls..le that are items of the same list (the same indent and
        marker), up to a line of another shape."""
        low, out = self.low, []
        a = ls
        while a > 0:  # upwards
            b = a - 1
            a = low.rfind("\n", 0, b) + 1
            if self.shape(a, b) != shape or not low[a:b].strip():
                break
            out.append((a, b))
        b = le
        while b < len(low):  # downwards
            a = b + 1
            b = low.find("\n", a)
            b = len(low) if b < 0 else b
            if self.shape(a, b) != shape or not low[a:b].strip():
                break
            out.append((a, b))
        return out

    def shape(self, a: int, b: int) -> str:
        """A line's list shape: its indent and marker, any number as "#" ("1. " is "#. ")."""
        return "".join("#" if c.isdigit() else c for c in LIST_SHAPE.match(self.low, a, b)[0])

    # -- context ------------------------------------------------------------------------------
    def out_of_scope(self, start: int, end: int, words: int) -> bool:
        """A terminator between a cue and a finding, or more than so many words."""
        if self.text.count(" ", start, end) > words:
            return True
        cs, ce = self.clause(start)
        return any(start <= a and b <= end for a, b in self.found(self.r.terminators, cs, ce))

    def pseudo(self, a: int, b: int) -> bool:
        cs, ce = self.clause(a)
        return any(p <= a and b <= q for p, q in self.found(self.r.pseudo, cs, ce))

    def preceded(self, ident: int | None, start: int) -> bool:
        """A cue of this list before the finding, in its clause and in scope. A cue that starts
        before the finding and runs into it still counts ("not seen individually"); one that
        starts inside it is part of the finding."""
        if ident is None:
            return False
        cs, ce = self.clause(start)
        for a, b in self.found(ident, cs, ce):
            if a >= start:
                break
            if not self.pseudo(a, b) and not self.out_of_scope(b, start, self.r.max_scope):
                return True
        return False

    def follows(self, ident: int, start: int) -> bool:
        """A phrase of this list before start in its clause, with no terminator between."""
        cs, ce = self.clause(start)
        for a, b in self.local(ident, cs, ce):
            if a >= start:
                break
            if not any(b <= s and e <= start for s, e in self.found(self.r.terminators, cs, ce)):
                return True
        return False

    def negated(self, start: int, end: int) -> bool:
        """A negation cue in scope, an unticked box, or a "No" answer."""
        if self.preceded(self.r.pre, start):
            return True
        cs, ce = self.clause(max(start, end - 1))
        for a, b in self.found(self.r.post, cs, ce):
            if (
                a >= end
                and not self.pseudo(a, b)
                and not self.out_of_scope(end, a, self.r.max_scope_after)
            ):
                return True
        return self.unticked(start, end)

    def unticked(self, start: int, end: int) -> bool:
        """The box that answers for this text is unticked (or its "No" is ticked)."""
        boxes = self.boxes()
        if not boxes:
            return False
        low = self.low
        line_start = low.rfind("\n", 0, start) + 1
        before = [b for b in boxes if line_start <= b[0] and b[1] <= start]
        if before:
            return not before[-1][2]
        line_end = low.find("\n", end)
        line_end = len(low) if line_end < 0 else line_end
        after = [b for b in boxes if end <= b[0] and b[1] <= line_end]
        if not after:
            return False
        answered = False
        for _, b, ticked in after:
            label = low[b : b + 16].lstrip()
            yes = bool(self.r.yes and self.r.yes.match(label))
            no = bool(self.r.no and self.r.no.match(label))
            answered = answered or yes or no
            if ticked and yes and not no:
                return False
        if answered:
            return True  # "[ ] Yes [x] No", or no answer ticked
        if not BLANKS.fullmatch(low, end, after[0][0]):
            return False  # the boxes answer for other text of the line
        return not after[0][2]  # "1:1: [ ]"

    # -- content ------------------------------------------------------------------------------
    def filled(self, element: Element, start: int, end: int) -> bool:
        """Text that says something: not empty, not "N/A" or a pointer, enough words."""
        content = self.low[start:end].strip(FILL)
        if not content:
            return False
        for pattern in (self.r.empty, element.not_enough):
            if pattern is not None and pattern.match(content):
                return False
        if element.content_lead is not None and (lead := element.content_lead.match(content)):
            content = content[lead.end() :].strip(FILL)  # "Pt will improve strength"
        if element.not_alone is not None and element.not_alone.fullmatch(content):
            return False
        if element.content_needs is not None and not element.content_needs.search(content):
            return False
        return len(WORD.findall(content)) >= max(element.content_words, 1)

    def first_content(self, index: int) -> tuple[int, int] | None:
        """The content of a header: the rest of its clause (for a table row's header, the first
        clause of the next cell), or for a header alone on its line, the first clause after it
        that holds something (a list number alone does not)."""
        _, _, content, _, block, _ = self.headers[index]
        end = self.section_end(index)
        i = bisect_right(self.starts, content) - 1
        a = content
        while a < end:
            b = min(self.ends[i], end)
            if WORD.search(self.low, a, b) and not LIST_NUMBER.fullmatch(self.low, a, b):
                return a, b
            if not block:
                return None
            i += 1
            if i >= len(self.starts):
                return None
            a = self.starts[i]
        return None

    # -- findings -----------------------------------------------------------------------------
    def affirmed(self, element: Element, start: int, end: int) -> bool | None:
        """True when a finding counts, False when it is negated, None when it does not count
        for another reason (excluded, hypothetical, historical)."""
        if element.excluded_sections and self.section(start) in element.excluded_sections:
            return None
        if element.skip_other_services and (
            self.other_service(start) or self.for_other_service(end)
        ):
            return None
        if element.exclude is not None and self.local(element.exclude, *self.clause(start)):
            return None
        if element.exclude_after is not None and self.follows(element.exclude_after, start):
            return None  # "cont 2x/wk, STG indep stairs w/ rail": the stairs are the goal
        if element.not_within is not None and any(
            a <= start and end <= b for a, b in self.local(element.not_within, *self.clause(start))
        ):
            return None  # "4 x 5 min blocks with 1 min rest": the rest is not the service's time
        if (
            self.unticked(start, end)
            if element.negations_are_findings
            else self.negated(start, end)
        ):
            return False
        if element.hypothetical and self.preceded(self.r.hypothetical, start):
            return None
        if element.historical and self.preceded(self.r.historical, start):
            return None
        return True

    def together(self, element: Element, rule: Rule, start: int, end: int) -> bool:
        windows = [self.clause(start)]
        if element.together_sections:
            windows += [
                (content, self.section_end(i))
                for i, (_, _, content, section, _, _) in enumerate(self.headers)
                if section in element.together_sections
            ]
        for a, b in windows:
            own = None  # the rule's own phrases in the window
            for s, e in self.local(rule.together, a, b):
                if s < end and start < e:
                    continue  # the phrase itself
                if own is None:
                    own = self.found(rule.phrases, a, b)
                if any(p < e and s < q for p, q in own):
                    continue  # a word of another technique's name ("mirror" of "mirror therapy")
                if rule.together_not is not None and any(
                    n <= s and e <= m for n, m in self.local(rule.together_not, a, b)
                ):
                    continue
                return True
        return False

    def find(self, element: Element) -> str | None:
        """The evidence for an element: its first filled-in section, else the first finding of
        its first rule that has one (every finding is looked at when a negation wins)."""
        found: list[str] = []
        denied = False
        for index, (hs, word, content, section, _, _) in enumerate(self.headers):
            if section in element.sections and not self.unticked(word, content):
                first = self.first_content(index)
                if first and self.filled(element, *first) and not self.signed_clause(*first):
                    found.append(self.evidence(hs, content, first[1]))
                    break
        for rule in element.rules:
            if found and not element.negation_wins:
                break
            for start, end in self.found(rule.phrases):
                if rule.needs_content and not self.filled(element, end, self.clause(start)[1]):
                    continue
                if rule.together is not None and not self.together(element, rule, start, end):
                    continue
                verdict = self.affirmed(element, start, end)
                if verdict is False:
                    denied = True
                elif verdict and not found:
                    upto = self.next_finding(element, rule, start) if element.join_next else 0
                    found.append(self.evidence(start, end, upto))
                    if not element.negation_wins:
                        break
        if not found or (denied and element.negation_wins):
            return None
        return found[0]

    def next_finding(self, element: Element, rule: Rule, start: int) -> int:
        """The end of the clause after start's when it holds another finding of the rule on the
        same line ("25 min this session; plan 2x/wk x 6 wks"), else 0."""
        i = bisect_right(self.starts, start)
        line_end = self.text.find("\n", start)
        if i >= len(self.starts) or 0 <= line_end < self.starts[i]:
            return 0
        after = self.starts[i], self.ends[i]
        for s, e in self.found(rule.phrases, *after):
            if self.affirmed(element, s, e):
                return after[1]
        return 0

    def evidence(self, start: int, end: int, upto: int = 0) -> str:
        """The clause holding the finding (for a header alone on its line, up to its content)."""
        cs, ce = self.clause(start)
        ce = max(ce, upto)
        text = " ".join(self.shown[cs:ce].split()).strip(EDGES)
        if len(text) > EVIDENCE_CHARS and start > cs:
            text = " ".join(self.shown[start:ce].split()).strip(EDGES)
        return text[:EVIDENCE_CHARS].rstrip()

    # -- credentials --------------------------------------------------------------------------
    def signature(self) -> str | None:
        """A name with a credential beside it, as the signer or the treating clinician."""
        r = self.r
        unsigned = self.found(r.unsigned)
        for a, _ in unsigned:
            cs, ce = self.clause(a)
            if not self.found(r.titles, cs, ce) and not self.found(r.cosign, cs, ce):
                return None  # the note itself is unsigned or a draft
        for start, end in self.found(r.titles):
            cs, ce = self.clause(start)
            found = self.signer(start, end, cs, ce)
            if found is None:
                continue
            first, last = found
            if any(cs <= a < ce for a, _ in unsigned) or self.negated(first, last):
                continue
            return self.evidence(first, last)
        return None

    def signed_clause(self, start: int, end: int) -> bool:
        """A clause that is a signature ("-- Zachary Lund PT")."""
        return any(self.signer(s, e, start, end) for s, e in self.found(self.r.titles, start, end))

    def signer(self, start: int, end: int, cs: int, ce: int) -> tuple[int, int] | None:
        """Where name and credential are, when a person's name stands beside the credential."""
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        before = NAME_BEFORE.search(text, max(line_start, cs, start - 60), start)
        if before and "(" in before["gap"] and text[end : end + 1] != ")":
            before = None
        alone = (
            bool(before)
            and not text[cs : before.start()].strip(" \t-–—*")
            and bool(SIGNATURE_TAIL.fullmatch(text, end, ce))
        )
        if before and self.person(before["name"], start, alone):
            following = LOWER_WORD.match(text, end, ce)
            if following and (
                following[1] in self.r.not_after_title
                or not self.signed_context(start)
                and following[1] not in self.r.after_title
            ):
                return None  # "Home Health PT eval", "Sam (PT student)"
            return before.start("name"), end
        after = NAME_AFTER.match(text, end, ce)
        if after and self.person(after["name"], start, strict=True):
            return start, after.end()
        return None

    def signed_context(self, pos: int) -> bool:
        """A signature cue or a signature section before pos, or a clause that opens with "--"."""
        cs = self.clause(pos)[0]
        head = self.text[cs:pos].lstrip()
        if head.startswith(("-", "—", "–", "/s/")):
            return True
        if any(b <= pos for _, b in self.found(self.r.signature_cues, cs, self.clause(pos)[1])):
            return True
        return self.section(pos) == "signature"

    def person(self, name: str, pos: int, alone: bool = False, strict: bool = False) -> bool:
        """Words that can be a person's name: leading words like "Signed" or "Outpatient" are
        dropped; two words must remain, or one when it stands alone before the credential or
        after a signature cue ("KO PTA", "Signed: Osei PTA")."""
        words = NAME_TOKEN.findall(name)
        not_names = self.r.not_names
        while words and words[0].lower() in not_names:
            words.pop(0)
        if not words or any(w.lower() in not_names for w in words):
            return False
        if len(words) >= 2 and any(len(w) > 1 for w in words):
            return True
        return not strict and len(words[0]) > 1 and (alone or self.signed_context(pos))
