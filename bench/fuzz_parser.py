"""Mutation fuzzing of the C X12 parser under AddressSanitizer and UndefinedBehaviorSanitizer.

    python bench/fuzz_parser.py [--seconds N] [--seed S] [--out DIR]
    python bench/fuzz_parser.py --replay DIR/finding-....x12     (one saved input, then exit)

Builds etl/x12/_x12parse.c with -fsanitize=address,undefined into a temporary folder (the
installed extension is not touched), takes the sample files of tests/data/x12-samples (valid and
broken ones) as a corpus, mutates them (byte flips, deletions, duplicated segments, two files
spliced, other separators in the ISA, truncation, huge repeat counts, values of extreme length,
non-UTF-8 bytes, odd numbers and dates) and feeds each input to the sanitizer build's Parser in a
child process, as etl/x12/parse.py does: the delimiters the loader would find (or, when the
loader would refuse the ISA, the raw bytes of its positions), chunks of random sizes with the
unparsed tail carried over, batches taken (with a small flush_values half the time, so that
transactions leave in parts), finish(), tally(), and every column buffer checked (offsets, UTF-8).

A finding is a sanitizer report or any other crash of the child, an input that takes longer than
--timeout seconds, or an exception the loader does not expect (only ValueError
"mixed_delimiters:..." is expected). Each is saved under --out (default bench/out/fuzz) as the
input bytes (.x12), with its seed, parameters and report (.txt). Exit status: 0 without findings,
1 with findings, 2 when the sanitizer build cannot be made.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import random
import select
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "etl" / "x12" / "_x12parse.c"
CORPUS = ROOT / "tests" / "data" / "x12-samples"
MAX_INPUT = 4 << 20  # bytes of one mutated input
MAX_SEGMENT_BYTES = 1 << 20  # etl/x12/parse.py: a longer unterminated tail is refused

# ------------------------------------------------------------------ the sanitizer build


def build(folder: Path) -> tuple[Path, dict]:
    """Compile the parser with ASan + UBSan into `folder`; the environment to run it with."""
    cc = os.environ.get("CC", "gcc")
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").exists():
        raise SystemExit(f"fuzz: no Python.h in {include} (install python3-dev)")
    target = folder / "_x12parse.so"
    command = [
        cc, "-shared", "-fPIC", "-std=c11", "-g", "-O1", "-fno-omit-frame-pointer",
        "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
        f"-I{include}", str(SOURCE), "-o", str(target),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fuzz: the sanitizer build failed:\n{' '.join(command)}\n{done.stderr}")
    env = dict(os.environ)
    # Python itself is not built with ASan: its runtime must be loaded first.
    asan = subprocess.run(
        [cc, "-print-file-name=libasan.so"], capture_output=True, text=True
    ).stdout.strip()
    if not asan or not Path(asan).exists():
        raise SystemExit(f"fuzz: {cc} has no libasan.so (install the compiler's libasan)")
    env["LD_PRELOAD"] = str(Path(asan).resolve())
    # Python's own allocations at exit are not ours to judge; everything else aborts the child.
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    env["PYTHONMALLOC"] = "malloc"  # every Python allocation through ASan, too
    env["PYTHONFAULTHANDLER"] = "1"
    return target, env


# ------------------------------------------------------------------ the loader's view of a file


def loader_view(raw: bytes) -> tuple[bytes, str, str, str, str]:
    """(bytes the parser sees, element, component, terminator, mode): the delimiters the loader
    would use ('loader'), or the ISA's raw bytes where it would refuse the file ('raw')."""
    from unlisted.etl.errors import InputError
    from unlisted.etl.x12.parse import unwrapped_isa
    from unlisted.etl.x12.reader import WHITESPACE, detect_encoding, parse_isa

    encoding = detect_encoding(raw[:4096])
    if encoding.startswith("utf-16"):
        data = raw.decode(encoding, errors="replace").encode("utf-8")
    else:
        data = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw[:4096])
    text = text.lstrip(WHITESPACE)
    try:
        if not text.startswith("ISA"):
            raise InputError("no_isa", "")
        d, _ = parse_isa(unwrapped_isa(text))
        if all(len(c.encode("utf-8")) == 1 for c in (d.element, d.component, d.segment)):
            return data, d.element, d.component, d.segment, "loader"
    except InputError:
        pass
    head = data.lstrip(b" \t\r\n\v\f")
    picks = [head[i : i + 1] if len(head) > i else b"" for i in (3, 104, 105)]
    chars = [p.decode("latin-1") if p and p[0] < 128 else "*~:"[k] for k, p in enumerate(picks)]
    return data, chars[0], chars[1], chars[2], "raw"


# ------------------------------------------------------------------ mutations

TAGS = [b"ISA", b"GS", b"ST", b"SE", b"GE", b"IEA", b"BHT", b"HL", b"NM1", b"CLM", b"LX", b"SV1",
        b"SV2", b"SVD", b"DTP", b"REF", b"NTE", b"HI", b"PWK", b"SBR", b"PAT", b"DMG", b"PRV",
        b"BPR", b"TRN", b"N1", b"CLP", b"CAS", b"SVC", b"DTM", b"AMT", b"MOA", b"MIA", b"LQ",
        b"PLB", b"", b"A", b"nm1", b"\xff\xfe"]  # fmt: skip
VALUES = [b"", b"-", b".", b"-.", b"-.5", b".99", b"0", b"-0", b"00000000000000000000",
          b"9999999999999999.99", b"-9999999999999999.99", b"99999999999999999", b"1.234",
          b"999999999999.999", b"-999999999999.999", b"9999999999999.9", b"1e5", b"+1",
          b"20240229", b"20230229", b"00000101", b"99991231", b"00011231", b"20241301",
          b"20240100", b"20240101-20241231", b"20240101-", b"-20240101", b"D8", b"RD8", b"472",
          b"835", b"837", b"005010X222A1", b"005010X221A1", b"004010X098A1", b"005010X223A2",
          b"20", b"22", b"23", b"QC", b"IL", b"PR", b"85", b"82", b"77", b"CO", b"OA", b"6R",
          b"B6", b"AU", b"I", b"HC:97139:GP:59:XE:KX:description:extra:more",
          b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\x80", b"\xff",
          b"\x00", b"\x80abc", b"caf\xc3\xa9"]  # fmt: skip
BAD_UTF8 = (b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80",
            b"\xf4\x90\x80\x80", b"\x80" * 9)  # fmt: skip
BYTES = b"*~:^>|\n\r\t \x00\x7f\x80\xc3\xff0123456789.-AZaz"


def segments_of(data: bytes, term: bytes) -> list[bytes]:
    return data.split(term) if term else [data]


def mutate(rng: random.Random, data: bytes, other: bytes, term: bytes, elem: bytes) -> bytes:
    term = term or b"~"
    elem = elem or b"*"
    choice = rng.randrange(15)
    n = len(data)
    if choice == 0 and n:  # byte flips
        b = bytearray(data)
        for _ in range(rng.choice((1, 2, 4, 16))):
            i = rng.randrange(len(b))
            b[i] = rng.choice(BYTES) if rng.random() < 0.6 else rng.randrange(256)
        return bytes(b)
    if choice == 1 and n:  # deletion
        i = rng.randrange(n)
        return data[:i] + data[i + rng.randrange(1, min(n - i, 2000) + 1) :]
    if choice == 2:  # duplicated segments
        segs = segments_of(data, term)
        i = rng.randrange(len(segs))
        j = min(len(segs), i + rng.choice((1, 1, 2, 5, 20)))
        segs[i:i] = segs[i:j] * rng.choice((1, 2, 3, 10))
        return term.join(segs)
    if choice == 3:  # two files spliced, or one after the other
        if rng.random() < 0.3:
            return data + other
        return data[: rng.randrange(n + 1)] + other[rng.randrange(len(other) + 1) :]
    if choice == 4:  # other separators in the ISA (element, ISA11, ISA16, terminator)
        b = bytearray(data)
        for pos in rng.sample((3, 82, 104, 105), rng.randrange(1, 3)):
            if pos < len(b):
                b[pos] = rng.choice(b"*~:^>|\n\r\t Aa0\x00\x7f\x80" + term + elem)
        return bytes(b)
    if choice == 5:  # truncation
        return data[: rng.randrange(n + 1)]
    if choice == 6:  # huge repeat counts
        what = rng.randrange(4)
        if what == 0:  # one segment many times
            segs = segments_of(data, term)
            i = rng.randrange(len(segs))
            seg = segs[i] or b"REF*6R*1"
            count = min(rng.choice((1000, 10_000, 100_000)), MAX_INPUT // (len(seg) + 1))
            segs[i:i] = [seg] * count
            return term.join(segs)
        if what == 1:  # many elements (more than the parser's 32) or components
            i = rng.randrange(n + 1)
            sep = elem[0] if rng.random() < 0.6 else rng.choice(b":^>")
            return data[:i] + bytes([sep]) * rng.choice((31, 32, 33, 100, 10_000)) + data[i:]
        if what == 2:  # many empty segments
            i = rng.randrange(n + 1)
            return data[:i] + term * rng.choice((100, 10_000, 200_000)) + data[i:]
        # many transactions without their trailers, or trailers without headers
        seg = rng.choice((b"ST*837*0001*005010X222A1", b"SE*1*0001", b"CLP*A*1*1*1", b"CLM*A*1",
                          b"ISA", b"GS*HC", b"IEA*1*1", b"LX*1", b"SVC*HC:1*1*1"))  # fmt: skip
        i = rng.randrange(n + 1)
        return data[:i] + (seg + term) * rng.choice((100, 10_000, 50_000)) + data[i:]
    if choice == 7:  # an element value of extreme length
        i = rng.randrange(n + 1)
        length = rng.choice((263, 264, 265, 300, 5000, 70_000, 1 << 20, (1 << 20) + 10))
        fill = bytes([rng.choice(b"9A.\xc3\x80 -")]) * length
        return data[:i] + fill + data[i:]
    if choice == 8:  # non-UTF-8 bytes
        b = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(len(b) + 1)
            b[i:i] = rng.choice(BAD_UTF8)
        return bytes(b)
    if choice == 9:  # an element replaced by an odd number, date, code or bytes
        segs = segments_of(data, term)
        i = rng.randrange(len(segs))
        els = segs[i].split(elem)
        k = rng.randrange(len(els))
        els[k] = rng.choice(VALUES)
        segs[i] = elem.join(els)
        return term.join(segs)
    if choice == 10:  # a segment's tag changed
        segs = segments_of(data, term)
        i = rng.randrange(len(segs))
        els = segs[i].split(elem)
        els[0] = (els[0][: len(els[0]) - len(els[0].lstrip())]) + rng.choice(TAGS)
        segs[i] = elem.join(els)
        return term.join(segs)
    if choice == 11:  # segments swapped, or one moved elsewhere
        segs = segments_of(data, term)
        if len(segs) > 1:
            i, j = rng.randrange(len(segs)), rng.randrange(len(segs))
            if rng.random() < 0.5:
                segs[i], segs[j] = segs[j], segs[i]
            else:
                segs.insert(j, segs.pop(i))
        return term.join(segs)
    if choice == 12:  # a segment from the other file inserted
        segs, others = segments_of(data, term), segments_of(other, term)
        segs.insert(rng.randrange(len(segs) + 1), rng.choice(others))
        return term.join(segs)
    if choice == 13:  # encodings: a BOM, UTF-16, or line breaks
        what = rng.randrange(3)
        if what == 0:
            return codecs.BOM_UTF8 + data
        if what == 1:
            text = data.decode("utf-8", errors="replace")
            return text.encode(rng.choice(("utf-16", "utf-16-le", "utf-16-be")))
        return data.replace(term, term + rng.choice((b"\n", b"\r\n", b" \n", b"\r")))
    # a segment's elements shuffled or cut
    segs = segments_of(data, term)
    i = rng.randrange(len(segs))
    els = segs[i].split(elem)
    if len(els) > 2:
        tail = els[1:]
        if rng.random() < 0.5:
            rng.shuffle(tail)
        else:
            del tail[rng.randrange(len(tail)) :]
        segs[i] = elem.join([els[0], *tail])
    return term.join(segs)


def make_input(seed: str, corpus: list[bytes]) -> tuple[bytes, dict]:
    """The input and parser settings of one seed: the same seed gives the same input."""
    rng = random.Random(seed)
    data = rng.choice(corpus)
    other = rng.choice(corpus)
    _, elem, _, term, _ = loader_view(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
        data = mutate(rng, data, other, term.encode("latin-1"), elem.encode("latin-1"))
        if len(data) > MAX_INPUT:
            data = data[:MAX_INPUT]
    # small chunks for small inputs only: feeding a byte at a time is quadratic in the carry
    chunk = rng.choice((1 << 23, 1 << 23, 65536, 4096, 257, 64, 7, 1))
    params = {
        "chunk": max(chunk, len(data) // 512),
        # tiny batches (a take() after nearly every segment) for small inputs only
        "flush_values": rng.choice((3_000_000, 3_000_000, 1, 30, 200, 2000))
        if len(data) < 1 << 18
        else rng.choice((3_000_000, 20_000)),
        "listed_per_code": rng.choice((1000, 1000, 0, 1, 3)),
    }
    return data, params


# ------------------------------------------------------------------ the child


def child(folder: str) -> None:
    """Runs inputs from stdin through the sanitizer build; one reply line each on stdout."""
    sys.path.insert(0, folder)
    import _x12parse

    ids = {"claim": 1, "claim_line": 1, "remit": 1, "remit_claim": 1, "remit_line": 1}
    inp, out = sys.stdin.buffer, sys.stdout

    def check_columns(taken: dict) -> None:
        for table, (rows, columns) in taken.items():
            for name, kind, valid, values, data in columns:
                bitmap = bytes(memoryview(valid))
                if len(bitmap) < (rows + 7) // 8:
                    raise AssertionError(f"{table}.{name}: validity too short")
                if rows & 7 and bitmap[rows >> 3] >> (rows & 7):
                    raise AssertionError(f"{table}.{name}: validity bits set past the last row")
                if kind == "str":
                    offsets = memoryview(values).cast("B").cast("q")
                    text = bytes(memoryview(data))
                    if offsets[0] != 0 or offsets[rows] != len(text):
                        raise AssertionError(f"{table}.{name}: offsets do not span the data")
                    if any(offsets[i] > offsets[i + 1] for i in range(rows)):
                        raise AssertionError(f"{table}.{name}: offsets go back")
                    text.decode("utf-8")  # Arrow requires UTF-8
                else:
                    width = {"int64": 8, "dec2": 16, "dec3": 16, "date": 4}.get(kind)
                    size = (rows + 7) // 8 if width is None else rows * width
                    if len(memoryview(values)) < size:
                        raise AssertionError(f"{table}.{name}: values too short")
                    bits = bytes(memoryview(values))
                    if kind == "bool" and rows & 7 and bits[rows >> 3] >> (rows & 7):
                        raise AssertionError(f"{table}.{name}: value bits set past the last row")

    def run(header: dict, data: bytes) -> None:
        parser = _x12parse.Parser(
            header["element"], header["component"], header["segment"], 1, dict(ids),
            flush_values=header["flush_values"], listed_per_code=header["listed_per_code"],
        )  # fmt: skip

        def take() -> None:
            taken = parser.take()
            parser.discarded()
            check_columns(taken)

        def drain(buf: bytes, final: bool) -> int:
            position = 0
            while True:
                position, flush = parser.feed(buf, position, final)
                if not flush:
                    return position
                take()

        carry = b""
        step = header["chunk"]
        for at in range(0, len(data), step):
            buf = carry + data[at : at + step]
            carry = buf[drain(buf, False) :]
            if len(carry) > MAX_SEGMENT_BYTES:
                return  # the loader refuses the file here (no_terminator)
        drain(carry, True)
        parser.finish()
        take()
        tally = parser.tally()
        for w in parser.warnings:
            assert len(w) == 3 and all(isinstance(x, str) for x in w), w
        for r in parser.rejects:
            assert len(r) == 4 and all(isinstance(x, str) for x in r), r
        assert tally["segments"] >= 0 and isinstance(tally["charge"], str), tally

    while True:
        head = inp.read(8)
        if len(head) < 8:
            return
        hlen, dlen = struct.unpack("<II", head)
        header = json.loads(inp.read(hlen))
        data = inp.read(dlen)
        try:
            run(header, data)
            out.write("ok\n")
        except ValueError as exc:
            if str(exc).startswith("mixed_delimiters:"):
                out.write("ok\n")
            else:
                out.write("bad " + json.dumps(f"{type(exc).__name__}: {exc}") + "\n")
        except Exception as exc:  # noqa: BLE001 - every other exception is a finding
            out.write("bad " + json.dumps(f"{type(exc).__name__}: {exc}") + "\n")
        out.flush()


# ------------------------------------------------------------------ the parent


class Child:
    def __init__(self, folder: Path, env: dict, log: Path):
        self.log = log
        self.err = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, env=env,
        )  # fmt: skip

    def run(self, header: dict, data: bytes, timeout: float) -> tuple[str, str]:
        """('ok' | 'bad' | 'crash' | 'hang', detail)."""
        h = json.dumps(header).encode()
        try:
            self.proc.stdin.write(struct.pack("<II", len(h), len(data)) + h + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self.dead()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            return "hang", f"no answer within {timeout:.0f} s"
        line = self.proc.stdout.readline().decode()
        if not line:
            return self.dead()
        if line.startswith("ok"):
            return "ok", ""
        return "bad", json.loads(line[4:])

    def dead(self) -> tuple[str, str]:
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.stop()
            code = "killed"
        self.err.close()
        report = self.log.read_text(errors="replace")
        return "crash", f"exit status {code}\n{report[-20000:]}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.err.closed:
            self.err.close()


def signature(kind: str, detail: str) -> str:
    """A short name for a finding, to tell new ones from repeats."""
    for line in detail.splitlines():
        if "SUMMARY:" in line or "runtime error:" in line:
            return line.split("SUMMARY:")[-1].strip()[:200]
    return f"{kind}: {detail.splitlines()[0][:200]}" if detail else kind


def fuzz(seconds: float, seed: int, out: Path, timeout: float) -> int:
    corpus_files = sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and "_licenses" not in p.parts
        and p.name != "MANIFEST.tsv"
    )  # fmt: skip
    corpus = [p.read_bytes() for p in corpus_files]
    work = Path(tempfile.mkdtemp(prefix="x12fuzz-"))
    try:
        started = time.monotonic()
        try:
            _, env = build(work)
        except SystemExit as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"fuzz: sanitizer build in {time.monotonic() - started:.1f} s; corpus of "
              f"{len(corpus)} files; seed {seed}; {seconds:.0f} s", flush=True)  # fmt: skip
        log = work / "child.log"
        proc = Child(work, env, log)
        tried, findings, seen = 0, [], set()
        begin = time.monotonic()
        last_print = begin
        while time.monotonic() - begin < seconds:
            input_seed = f"{seed}-{tried}"
            raw, params = make_input(input_seed, corpus)
            data, elem, comp, term, mode = loader_view(raw)
            header = {"element": elem, "component": comp, "segment": term, "mode": mode, **params}
            kind, detail = proc.run(header, data, timeout)
            tried += 1
            if kind != "ok":
                sig = signature(kind, detail)
                new = sig not in seen
                seen.add(sig)
                findings.append((input_seed, kind, sig))
                if new or len(findings) <= 20:
                    save(out, input_seed, kind, raw, header, detail)
                print(f"fuzz: FINDING ({kind}) seed {input_seed}: {sig}", flush=True)
                if kind in ("crash", "hang"):
                    proc = Child(work, env, log)
            if time.monotonic() - last_print > 30:
                last_print = time.monotonic()
                elapsed = last_print - begin
                print(f"fuzz: {tried} inputs, {tried / elapsed:.1f}/s, {len(findings)} findings",
                      flush=True)  # fmt: skip
        proc.stop()
        elapsed = time.monotonic() - begin
        print(f"fuzz: {tried} inputs in {elapsed:.0f} s ({tried / elapsed:.1f} inputs/s), "
              f"{len(findings)} findings ({len(seen)} distinct)")  # fmt: skip
        for sig in sorted(seen):
            print(f"  {sig}")
        if findings:
            print(f"fuzz: inputs and reports saved in {out}")
        return 1 if findings else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save(out: Path, seed: str, kind: str, raw: bytes, header: dict, detail: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"finding-{kind}-{seed}"
    stem.with_suffix(".x12").write_bytes(raw)
    stem.with_suffix(".txt").write_text(
        f"seed: {seed}\nkind: {kind}\nparameters: {json.dumps(header)}\n"
        f"reproduce: python bench/fuzz_parser.py --replay {stem.with_suffix('.x12')}\n\n{detail}\n"
    )


def replay(path: Path, timeout: float) -> int:
    """Runs one saved input (parameters from the .txt beside it, if any); prints the result."""
    params = {"chunk": 1 << 23, "flush_values": 3_000_000, "listed_per_code": 1000}
    info = path.with_suffix(".txt")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("parameters: "):
                params.update(json.loads(line[len("parameters: ") :]))
    work = Path(tempfile.mkdtemp(prefix="x12fuzz-"))
    try:
        _, env = build(work)
        data, elem, comp, term, mode = loader_view(path.read_bytes())
        header = {"element": elem, "component": comp, "segment": term, "mode": mode}
        header.update({k: params[k] for k in ("chunk", "flush_values", "listed_per_code")})
        proc = Child(work, env, work / "child.log")
        kind, detail = proc.run(header, data, timeout)
        proc.stop()
        print(f"{kind} {json.dumps(header)}\n{detail}")
        return 0 if kind == "ok" else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None, help="default: from the clock (printed)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fuzz")
    ap.add_argument("--timeout", type=float, default=60, help="seconds one input may take")
    ap.add_argument("--replay", type=Path)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return 0
    if args.replay:
        return replay(args.replay, args.timeout)
    seed = args.seed if args.seed is not None else int(time.time())
    return fuzz(args.seconds, seed, args.out, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
