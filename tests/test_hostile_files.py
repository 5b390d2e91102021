"""Hostile input files (issue 16, items 6 to 8): archives that unpack without end, unpack folders
a killed run left behind, text from a file that reaches the terminal, and paths that are not
files. Every hostile file is made here, in the test's own folder."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import time
import zipfile

import duckdb
import pytest

from .conftest import SAMPLES
from .test_cli import ERA, MANY_CLAIMS, unlisted

VALID = SAMPLES / "imsweb__x12-parser" / "x12_valid.txt"
ZEROS = 50_000_000  # a run of zeros deflates about 1030:1: 50 MB stored in some 48 KB
# what must not reach a terminal from a file (a line break is the program's own)
CONTROL_BYTES = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} - {"\n"}


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """A zip whose first member is 50 MB of zeros (and a genuine remittance after it), and a
    gzip of 50 MB of zeros: made once, some 50 KB each."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("zeros.835", "w") as member:
            for _ in range(ZEROS // (1 << 20)):
                member.write(bytes(1 << 20))
        z.writestr("era.835", ERA.read_bytes())
    return {"zip": buffer.getvalue(), "gzip": gzip.compress(bytes(ZEROS), compresslevel=6)}


def with_config(tmp_path, text: str) -> dict:
    config = tmp_path / "config.toml"
    config.write_text(text)
    return {**os.environ, "UNLISTED_CONFIG": str(config)}


def unpack_folders(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".unlisted-archive-"))


# -- 1. archives that unpack past a limit --------------------------------------------------------
def test_zip_and_gzip_bombs_stop_at_the_compression_limit(tmp_path, bombs):
    bomb = tmp_path / "delivery.zip"
    bomb.write_bytes(bombs["zip"])
    packed = tmp_path / "remits.835.gz"
    packed.write_bytes(bombs["gzip"])
    db = tmp_path / "x.duckdb"
    started = time.monotonic()
    result = unlisted("load", bomb, packed, "--db", db, "--json")
    assert result.returncode == 1, result.stderr
    assert time.monotonic() - started < 60  # some 10 MB unpacked, not 100 MB
    assert "Traceback" not in result.stdout + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"]) for r in records] == [
        (f"{bomb}/zeros.835", "rejected"), (f"{bomb}/era.835", "loaded"),
        (f"{packed}/remits.835", "rejected"),
    ]  # fmt: skip
    assert records[0]["message"] == (
        "zeros.835 inside the zip archive unpacks past the 200:1 compression limit; if this "
        "file is genuine, raise [load] max_compression_ratio"
    )
    assert records[2]["message"] == (
        "remits.835 inside the gzip archive unpacks past the 200:1 compression limit; if this "
        "file is genuine, raise [load] max_compression_ratio"
    )
    assert [r["reject_reasons"][0]["code"] for r in records if r["status"] == "rejected"] == [
        "archive_limit", "archive_limit"]  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:  # recorded like any rejected file
        assert con.execute(
            "SELECT file_name, status, code FROM load_batch LEFT JOIN reject USING (batch_id) "
            "ORDER BY batch_id"
        ).fetchall() == [
            ("zeros.835", "rejected", "archive_limit"), ("era.835", "loaded", None),
            ("remits.835", "rejected", "archive_limit"),
        ]  # fmt: skip
    assert unpack_folders(tmp_path) == []


def test_the_partial_member_is_deleted_before_anything_else_happens(tmp_path, bombs):
    """Checked where the rejection is handed over: nothing of the bomb is on disk any more. The
    same when the archive's headers declare a compressed size far above the truth (the ratio is
    then taken against the archive's own size, if zipfile does not refuse the member first)."""
    from unlisted.etl.archives import ArchiveLimits, files_in

    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(bombs["zip"])
    lying = tmp_path / "lying.zip"
    data = bytearray(bombs["zip"])
    with zipfile.ZipFile(bomb) as z:
        info = z.getinfo("zeros.835")
    central = data.index(b"PK\x01\x02")  # the first entry of the central directory: zeros.835
    for at in (info.header_offset + 18, central + 20):  # local header, central directory
        data[at : at + 4] = (1 << 31).to_bytes(4, "little")  # "2 GiB compressed"
    lying.write_bytes(bytes(data))
    work = tmp_path / "work"
    work.mkdir()
    for archive, codes in ((bomb, {"archive_limit"}), (lying, {"archive_limit",
                                                               "archive_unreadable"})):  # fmt: skip
        seen = []
        for _item, shown, problem in files_in(archive, work, ArchiveLimits()):
            on_disk = [p for p in work.rglob("*") if p.is_file()]
            seen.append((shown.rsplit("/", 1)[-1], problem and problem.error.code, on_disk))
        assert [s[0] for s in seen] == ["zeros.835", "era.835"]
        assert seen[0][1] in codes and seen[1][1] is None
        assert seen[0][2] == []  # the bomb's partial member is gone when it is reported
        assert unpack_folders(work) == []


def test_bzip2_and_lzma_members_are_refused_before_they_unpack(tmp_path):
    """zipfile unpacks bzip2 and LZMA a read's worth of compressed bytes at a time, whatever
    that makes (a 453-byte zip of 400 MB of zeros took 800 MB of memory at its first read):
    such members are refused unopened, and the deflated member after them loads."""
    from unlisted.etl.archives import files_in

    archive = tmp_path / "methods.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.835", ERA.read_bytes(), compress_type=zipfile.ZIP_BZIP2)
        z.writestr("b.835", ERA.read_bytes(), compress_type=zipfile.ZIP_LZMA)
        z.writestr("c.835", ERA.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    found = [(shown.rsplit("/", 1)[-1], item is not None, problem and problem.error)
             for item, shown, problem in files_in(archive, tmp_path)]  # fmt: skip
    assert [(name, ok, error and error.code) for name, ok, error in found] == [
        ("a.835", False, "archive_unsupported"), ("b.835", False, "archive_unsupported"),
        ("c.835", True, None),
    ]  # fmt: skip
    assert found[0][2].message == (
        "a.835 inside the zip archive is compressed with bzip2, which cannot be unpacked within "
        "the limits (a few bytes of it can make gigabytes at once); make the archive again with "
        "ordinary (deflate) compression, or unpack it and load the files"
    )
    assert unpack_folders(tmp_path) == []


def test_member_and_archive_size_limits_from_the_configuration(tmp_path):
    archive = tmp_path / "run.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(ERA, "a.edi")
        z.write(MANY_CLAIMS, "big.txt")  # 329,637 bytes, about 20:1
        z.write(VALID, "c.txt")
    member_limit = with_config(tmp_path, "[load]\nmax_member_bytes = 100000\n")
    result = unlisted("load", archive, "--db", tmp_path / "x.duckdb", "--json", env=member_limit)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"].rsplit("/", 1)[-1], r["status"]) for r in records] == [
        ("a.edi", "loaded"), ("big.txt", "rejected"), ("c.txt", "loaded")]  # fmt: skip
    assert records[1]["message"] == (
        "big.txt inside the zip archive unpacks to more than 100,000 bytes, the limit for one "
        "file; if this file is genuine, raise [load] max_member_bytes"
    )
    archive_limit = with_config(tmp_path, "[load]\nmax_archive_bytes = 100000\n")
    result = unlisted("load", archive, "--db", tmp_path / "y.duckdb", "--json", env=archive_limit)
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"]) for r in records] == [
        (f"{archive}/a.edi", "loaded"),
        (str(archive), "rejected"),
    ]  # c.txt is not unpacked
    assert records[1]["message"] == (
        "the zip archive unpacks to more than 100,000 bytes in all, the limit for one archive "
        "(stopped at big.txt: it and the files after it are not loaded); if it is genuine, "
        "raise [load] max_archive_bytes"
    )
    assert records[1]["reject_reasons"][0]["code"] == "archive_limit"
    assert unpack_folders(tmp_path) == []


def test_a_limit_that_is_not_a_positive_number_is_a_usage_error(tmp_path):
    env = with_config(tmp_path, '[load]\nmax_compression_ratio = "lots"\n')
    result = unlisted("load", ERA, "--db", tmp_path / "x.duckdb", env=env)
    assert result.returncode == 2
    assert "load.max_compression_ratio must be a number" in " ".join(result.stderr.split())
    assert not (tmp_path / "x.duckdb").exists()


def test_nested_looking_but_genuine_archives_load(tmp_path):
    """Names that look like archives, folders inside folders, a gzip whose name says zip, and a
    small member that compresses far past 200:1 (under 1 MiB unpacked: never refused for it)."""
    from unlisted.etl.archives import files_in

    inner = tmp_path / "delivery.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(ERA, "inbox/2025/01/remits.zip")  # plain X12, named like an archive
        z.write(MANY_CLAIMS, "inbox/2025/02/claims.837.gz")
        z.writestr("inbox/2025/03/", "")
    outer = tmp_path / "remits.zip.gz"
    outer.write_bytes(gzip.compress(VALID.read_bytes()))
    result = unlisted("load", inner, outer, "--db", tmp_path / "x.duckdb", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"]) for r in records] == [
        (f"{inner}/inbox/2025/01/remits.zip", "loaded"),
        (f"{inner}/inbox/2025/02/claims.837.gz", "loaded"),
        (f"{outer}/remits.zip", "loaded"),
    ]  # fmt: skip
    small = tmp_path / "small.zip"
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("blank.txt", bytes(1 << 19))  # 512 KiB of zeros, about 1000:1
    ((item, _, problem),) = [(i, s, p and p.error.code) for i, s, p in files_in(small, tmp_path)]
    assert problem is None and item.name == "blank.txt"


# -- 2. unpack folders a killed run left ---------------------------------------------------------
def test_stale_unpack_folders_are_removed_and_live_ones_kept(tmp_path):
    from unlisted.etl.archives import HOST, unpack_prefix

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its pid now belongs to no process
    dead, alive = finished.pid, os.getpid()

    def folder(name: str, age_days: float = 0):
        made = tmp_path / name
        (made / "1").mkdir(parents=True)
        (made / "1" / "era.835").write_bytes(ERA.read_bytes())  # a member, as a kill left it
        if age_days:
            moment = time.time() - age_days * 86400
            for path in (made / "1" / "era.835", made / "1", made):
                os.utime(path, (moment, moment))
        return made

    stale = folder(f"{unpack_prefix(dead)}k2x9_q7z")
    in_use = folder(f"{unpack_prefix(alive)}a1b2c3d4")
    other_host = "0" * 8 if HOST != "0" * 8 else "1" * 8
    elsewhere = folder(f".unlisted-archive-{other_host}-{dead}-a1b2c3d4")  # a shared folder
    old_style = folder(".unlisted-archive-ab12cd34", age_days=2)  # before pids were recorded
    recent_old_style = folder(".unlisted-archive-zz98yy76")
    not_ours = folder(".unlisted-archive-notes")
    target = folder("elsewhere-kept")
    link = tmp_path / f"{unpack_prefix(dead)}linkto12"
    link.symlink_to(target, target_is_directory=True)
    result = unlisted("load", ERA, "--db", tmp_path / "x.duckdb")
    assert result.returncode == 0, result.stderr
    assert not stale.exists() and not old_style.exists()
    for kept in (in_use, elsewhere, recent_old_style, not_ours, target):
        assert (kept / "1" / "era.835").exists(), kept.name
    assert link.is_symlink()  # a link is not followed, nor removed


# -- 3. text from a file, on a terminal ----------------------------------------------------------
def test_crafted_names_and_reasons_reach_the_terminal_escaped(tmp_path, bombs):
    folder = tmp_path / "in"
    folder.mkdir()
    era = ERA.read_text()
    (folder / "\x1b[31mred\x07.835").write_text(era)
    (folder / "\x1b]0;owned\x07\r\x9b2J\x7f:cat:.835").write_text(era.replace("CLP*7722337", "CLP*7722338"))  # fmt: skip
    crafted = era.replace("ST*835*35681~", "ST*835*[/x]~").replace("*35681~", "*[bold]~")
    assert "SE*" in crafted and "[bold]~" in crafted
    (folder / "markup.835").write_text(crafted)
    (folder / "zeros.835.gz").write_bytes(bombs["gzip"])
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    result = unlisted("load", folder, "--db", tmp_path / "x.duckdb", env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and "MarkupError" not in out
    assert not CONTROL_BYTES & set(out), sorted(CONTROL_BYTES & set(out))
    assert "\\x1b[31mred\\x07.835" in out
    assert "\\x1b]0;owned\\x07\\x0d\\x9b2J\\x7f:cat:.835" in out  # no emoji either
    said = " ".join(out.split())
    assert "SE02 '[bold]' does not match ST02 '[/x]'" in said
    assert "raise [load] max_compression_ratio" in said
    assert "2 loaded, 0 already loaded, 2 rejected." in said
    # --json: the same names, escaped by JSON itself
    again = unlisted("load", folder, "--db", tmp_path / "y.duckdb", "--json", env=env)
    assert not CONTROL_BYTES & set(again.stdout + again.stderr)
    files = [json.loads(line)["file"] for line in again.stdout.splitlines()]
    assert str(folder / "\x1b[31mred\x07.835") in files
    assert str(folder / "\x1b]0;owned\x07\r\x9b2J\x7f:cat:.835") in files


def test_a_file_name_that_is_not_utf8_loads_and_shows_its_bytes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    try:
        with open(os.fsencode(folder) + b"/era\xff\xfe.835", "wb") as f:
            f.write(ERA.read_bytes())
    except OSError:
        pytest.skip("this file system takes only UTF-8 names")
    db = tmp_path / "x.duckdb"
    result = unlisted("load", folder, "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "era\\xff\\xfe.835" in result.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT file_name FROM load_batch").fetchall() == [
            ("era\\xff\\xfe.835",)
        ]


def test_safe_text_keeps_ordinary_unicode_and_shows_the_rest():
    from rich.console import Console

    from unlisted.cli import printable, safe_text

    assert safe_text("Müller–Ødegård 診療.835") == "Müller–Ødegård 診療.835"
    assert safe_text("a\x1b[31mb\x07c\rd\x7fe\x9bf\u202eg\udcff") == (
        "a\\x1b[31mb\\x07c\\x0dd\\x7fe\\x9bf\\u202eg\\xff"
    )
    assert printable("[bold]\x1b") == "[bold]\\x1b"  # for text rich does not read as markup
    console = Console(file=io.StringIO(), width=200, emoji=False)
    crafted = "[/x] [bold] [load] x\\"
    console.print(f"[bold]{safe_text(crafted)}[/bold]")
    assert console.file.getvalue() == crafted + "\n"



def test_csv_and_json_reach_a_terminal_escaped_and_a_pipe_as_they_are(monkeypatch):
    from unlisted.options import write_out

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    crafted = 'claim,evidence\nA1,"x\x1b]8;;http://evil\x07y\u202e"\n'
    for stdout, expected in (
        (Terminal(), 'claim,evidence\nA1,"x\\x1b]8;;http://evil\\x07y\\u202e"\n'),
        (io.StringIO(), crafted),
    ):
        monkeypatch.setattr("sys.stdout", stdout)
        write_out(crafted)
        assert stdout.getvalue() == expected

# -- 4. devices, pipes and sockets ---------------------------------------------------------------
def test_devices_and_pipes_given_are_usage_errors_said_at_once(tmp_path):
    fifo = tmp_path / "remits.835"
    os.mkfifo(fifo)
    for path in ("/dev/zero", "/dev/null", fifo):
        started = time.monotonic()
        result = unlisted("load", path, "--db", tmp_path / "x.duckdb")
        assert time.monotonic() - started < 30
        assert result.returncode == 2, (path, result.stderr)
        assert "".join(result.stderr.split()) == "".join(
            f"{path} is not a regular file (a device, pipe or socket); only files can be "
            "loaded".split())  # fmt: skip
    assert not (tmp_path / "x.duckdb").exists()


def test_devices_and_pipes_in_a_folder_are_rejected_and_the_rest_loads(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "era.835").write_bytes(ERA.read_bytes())
    os.mkfifo(folder / "fifo.835")
    (folder / "zero.835").symlink_to("/dev/zero")  # a link to a device is not followed
    db = tmp_path / "x.duckdb"
    started = time.monotonic()
    result = unlisted("load", folder, "--db", db, "--json")
    assert time.monotonic() - started < 30
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"], r["message"]) for r in records] == [
        (str(folder / "era.835"), "loaded", "loaded 1 claim payments, 5 lines"),
        *[(str(folder / name), "rejected", f"{folder / name} is not a regular file (a device, "
           "pipe or socket); only files can be loaded") for name in ("fifo.835", "zero.835")],
    ]  # fmt: skip
    assert [r["reject_reasons"][0]["code"] for r in records[1:]] == ["not_a_file"] * 2
    with duckdb.connect(str(db), read_only=True) as con:  # no bytes to record them under
        assert con.execute("SELECT file_name FROM load_batch").fetchall() == [("era.835",)]
