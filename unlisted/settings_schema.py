"""Every setting, declared once: its table, name, type, default and what it does.

The schema validates a user's file (an unknown or misspelt key is refused with the keys its
table takes), and it is the documentation: `unlisted settings` prints it as a commented settings
file, `unlisted settings --markdown` as docs/settings.md (a test keeps that page current)."""

from __future__ import annotations

import textwrap
import typing
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

KiB = 1024


def _money(value) -> Decimal:
    """A TOML string such as "1.00" (exact) or a number; never a boolean."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("a number")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError("a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError("a number of 0 or more")
    return number


Amount = Annotated[Decimal, PlainValidator(_money)]


class Table(BaseModel):
    """A table of the settings file: strict types (TOML's own), no key it does not declare."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PayerTolerance(Table):
    """One payer's own tolerances; a key left out takes the [metrics] one."""

    dollars: Amount | None = Field(None, description="This payer's tolerance in dollars.")
    percent: Amount | None = Field(None, description="This payer's tolerance as a fraction.")


class Metrics(Table):
    """How the figures are computed."""

    codes: list[Annotated[str, Field(min_length=1)]] = Field(
        ["97139"], min_length=1,
        description="The target procedure codes: 97139 first; 97039, 97799, 20999 and 64999 "
                    "behave alike.")  # fmt: skip
    min_count: int = Field(
        11, ge=1, description="A rate over fewer lines than this is shown as suppressed.")
    tolerance_dollars: Amount = Field(
        Decimal("1.00"),
        description="A line is underpaid when its allowed amount is below the expected one by "
                    "more than max(tolerance_dollars, tolerance_percent x expected).")  # fmt: skip
    tolerance_percent: Amount = Field(
        Decimal("0.02"), description="See tolerance_dollars (a fraction: 0.02 is 2%).")
    payer_tolerance: dict[str, PayerTolerance] = Field(
        {}, description="Per-payer tolerances, keyed by payer id, that override the two above, "
                        'e.g. [metrics.payer_tolerance.SUMMIT01] dollars = "2.00".')  # fmt: skip


class Documentation(Table):
    """What complete documentation needs."""

    narrative_codes: list[str] = Field(
        ["97139", "97039", "97799", "20999", "64999"],
        description="Codes whose claim line needs a narrative (SV101-7 or a line NTE) to count "
                    "as complete: an unlisted code has no descriptor of its own, so the claim "
                    "must say what was done.")  # fmt: skip


class Appeals(Table):
    """Appeal windows."""

    window_days: int = Field(
        120, ge=0,
        description="Days after the denial's remittance date (BPR16) a first-level appeal may "
                    "still be filed. The default is the shortest common window (Medicare "
                    "redetermination: 120 days from receipt, presumed 5 days after the notice; "
                    "some Medicaid programs: 120 days from the remittance), so that no denial "
                    "is shown as appealable when it may not be.")  # fmt: skip
    payer_window_days: dict[str, Annotated[int, Field(ge=0)]] = Field(
        {}, description="Each payer's own window from its contract or manual, keyed by payer "
                        "id, e.g. MEDICARE01 = 125, ACME01 = 180 (an ERISA plan: at least "
                        "180 days).")  # fmt: skip


class AppealLetters(Table):
    """Appeal letters (`unlisted appeal draft`) and appeals sent (`unlisted appeal mark`):
    docs/appeals.md. What is not set here is listed in each letter as to complete."""

    practice_name: str | None = Field(
        None, description="The practice's name at the head of the letter (unset: the billing "
                          "provider's name from the claim).")  # fmt: skip
    address: list[str] = Field(
        [], description='The return address, one line each, e.g. ["1 Main St", '
                        '"Springfield, IL 62701"].')  # fmt: skip
    phone: str | None = Field(None, description="The phone number a reviewer can call.")
    signer_name: str | None = Field(None, description="Who signs the letters.")
    signer_title: str | None = Field(None, description="The signer's title or credentials.")
    levels: list[Annotated[str, Field(min_length=1)]] = Field(
        ["first level", "second level", "external review"], min_length=1,
        description="The appeal levels `unlisted appeal mark --level` accepts; the first is "
                    "taken when --level is not given.")  # fmt: skip
    payer_policy: dict[str, str] = Field(
        {},
        description="The coverage policy a medical necessity appeal cites, keyed by payer "
                    'id, e.g. ACME01 = "Acme Medical Policy PT-12, Physical therapy".')  # fmt: skip


class Check(Table):
    """What `unlisted check` and the Before you send page stop a batch for."""

    blocking_severities: list[Literal["high", "medium", "low"]] = Field(
        ["high"],
        description="A rule finding of these severities (set per rule in the rules file) "
                    "blocks the batch: the check exits with status 1.")  # fmt: skip
    blocking_rules: list[Annotated[str, Field(min_length=1)]] = Field(
        [], description="Rules whose finding blocks the batch whatever their severity, e.g. "
                        '["missing_documentation"].')  # fmt: skip
    block_at_probability: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None,
        description="A line whose predicted denial probability reaches this (0.6 = 60%) blocks "
                    "the batch; unset, the prediction informs and never blocks.")  # fmt: skip
    max_upload_bytes: int = Field(
        20 * KiB**2, gt=0,
        description="Bytes the files of one check on the Before you send page may hold in all "
                    "(20 MiB: a week's 837P batch of a busy practice is a few MB).")  # fmt: skip


class Pricing(Table):
    """Comparator pricing of the target codes (`unlisted pricing`, the Payments page)."""

    history_months: int = Field(
        12, ge=1,
        description="The price a payer's history suggests counts the paid lines of the months "
                    "before the as-of date, this many: 12 spans a year of a payer's fee "
                    "schedule; fewer follow a new schedule sooner on fewer lines.")  # fmt: skip
    min_lines: int = Field(
        5, ge=1,
        description="A payer's history suggests a price only from at least this many paid "
                    "lines of the code in the window; with fewer, the suggestion says too few "
                    "lines. A median and quartiles of a handful of lines move with every "
                    "line.")  # fmt: skip


class Dashboard(Table):
    """The dashboard."""

    maturity_days: int = Field(
        90, ge=0,
        description="A period whose dates are under this many days old at the as-of date is "
                    "still open (payers are still answering it): the Overview does not set its "
                    "figures against the period before, and says how much is pending.")  # fmt: skip


class Load(Table):
    """Limits on what a ZIP or gzip archive may unpack to."""

    max_member_bytes: int = Field(
        2 * KiB**3, gt=0,
        description="Bytes one file inside an archive may unpack to (2 GiB). Counted on the "
                    "bytes actually unpacked, never on the sizes an archive declares; the "
                    "largest real 835s and 837Ps are hundreds of megabytes.")  # fmt: skip
    max_archive_bytes: int = Field(
        8 * KiB**3, gt=0, description="Bytes all the files of one archive may unpack to (8 GiB).")
    max_compression_ratio: float = Field(
        200, gt=0,
        description="Unpacked bytes per stored byte, of a member and of an archive. X12 and "
                    "CSV text compresses 5:1 to 30:1; deflate cannot pass about 1030:1, which a "
                    "run of zeros (a zip bomb) reaches. Output under 1 MiB is never refused "
                    "for its ratio.")  # fmt: skip


class Rules(Table):
    """The billing rule checks."""

    path: str | None = Field(
        None,
        description="A rules file of your own (only the values that differ from the shipped "
                    "unlisted/rules.toml, which it replaces key by key). $UNLISTED_RULES, when "
                    "set, wins over this.")  # fmt: skip


class Oidc(Table):
    """Sign-in through the organisation's OpenID Connect provider (needs metadata_url and
    client_id)."""

    name: str = Field("your organisation", description="Shown on the sign-in button.")
    metadata_url: str | None = Field(
        None, description="The provider's /.well-known/openid-configuration address.")
    client_id: str | None = Field(None, description="This app's client id at the provider.")
    client_secret: str | None = Field(
        None, description="Better kept in $UNLISTED_OIDC_CLIENT_SECRET, which wins over this.")
    username_claim: str = Field(
        "email", description="The claim of the ID token that is the user name.")
    scope: str = Field("openid email profile", description="The scopes asked for.")


class Access(Table):
    """Sign-in and sessions."""

    store: str | None = Field(
        None, description="The access store (users, sessions, the access log); default: beside "
                          "the database. $UNLISTED_ACCESS_STORE wins over this.")  # fmt: skip
    idle_minutes: float = Field(
        30, gt=0, description="A session ends after this long without a request ...")
    session_hours: float = Field(12, gt=0, description="... and after this long in all.")
    secure_cookies: Literal["auto", "always", "never"] = Field(
        "auto", description="auto: Secure when the request came over https.")
    proxies: int = Field(
        0, ge=0,
        description="Reverse proxies in front whose X-Forwarded-* headers are trusted.")
    max_failures: int = Field(
        5, ge=1, description="Failed sign-ins for one user name within the window ...")
    failure_window_minutes: float = Field(15, gt=0, description="... the window ...")
    pause_minutes: float = Field(
        15, ge=0, description="... make sign-ins for that name wait this long.")
    max_failures_per_address: int = Field(
        20, ge=1, description="The same for one address, whatever the names.")
    allowed_hosts: list[Annotated[str, Field(min_length=1)]] = Field(
        ["127.0.0.1", "localhost", "[::1]"], min_length=1,
        description="The host names people reach the dashboard by (\"name\" for any port, or "
                    "\"name:port\"). A request naming another host gets 400 before anything "
                    "else, which defeats DNS rebinding. Behind a reverse proxy list the public "
                    "name people type; with `unlisted serve --host 0.0.0.0` add the machine's "
                    "name or address.")  # fmt: skip
    oidc: Oidc | None = Field(None, description="See [access.oidc].")


class Settings(Table):
    """The whole settings file."""

    metrics: Metrics = Metrics()
    documentation: Documentation = Documentation()
    appeals: Appeals = Appeals()
    appeal_letters: AppealLetters = AppealLetters()
    check: Check = Check()
    pricing: Pricing = Pricing()
    dashboard: Dashboard = Dashboard()
    load: Load = Load()
    rules: Rules = Rules()
    access: Access = Access()


# -- the schema as documentation ---------------------------------------------------------------
def tables(model: type[BaseModel] = Settings, prefix: str = ""):
    """(table name, its model) for every table, in the file's order; a table keyed by payer id
    is named with PAYER_ID in its place."""
    for name, field in model.model_fields.items():
        kind = field.annotation
        args = typing.get_args(kind)
        if typing.get_origin(kind) is dict and isinstance(args[1], type) and issubclass(
                args[1], BaseModel):  # fmt: skip
            yield f"{prefix}{name}.PAYER_ID", args[1]
            continue
        inner = next((k for k in args or (kind,) if isinstance(k, type) and issubclass(
            k, BaseModel)), None)  # fmt: skip
        if inner is not None:
            yield f"{prefix}{name}", inner
            yield from tables(inner, f"{prefix}{name}.")


def settings_of(model: type[BaseModel]):
    """(key, type in words, default as TOML, description) of a table's own values."""
    for name, field in model.model_fields.items():
        kind = field.annotation
        args = typing.get_args(kind)
        nested = any(isinstance(k, type) and issubclass(k, BaseModel)
                     for k in (args[1:] if typing.get_origin(kind) is dict else args) or (kind,))
        if nested:
            continue
        yield name, type_words(kind), toml_value(field.default), field.description or ""


def type_words(kind) -> str:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is int:
        return "whole number"
    if kind is float:
        return "number"
    if kind is Decimal:
        return 'amount (text, e.g. "1.00")'
    if kind is str:
        return "text"
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in args)
    if origin is list:
        return "list of text"
    if origin is dict:
        return f"table of {type_words(args[1])} by payer id"
    if origin is Annotated:
        return type_words(args[0])
    if args and type(None) in args:
        return type_words(next(a for a in args if a is not type(None))) + " (optional)"
    return str(kind)


def toml_value(value) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal | str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:_}" if isinstance(value, int) and value >= 10**6 else str(value)


def reference_markdown() -> str:
    """docs/settings.md: every table and key with its type, default and meaning."""
    out = ["# Settings", "",
           "Every setting unlisted reads, printed from its declaration "
           "(`unlisted/settings_schema.py`) by `unlisted settings --markdown`; a test keeps this "
           "page current. Put the values "
           "you change in a TOML file and point `$UNLISTED_CONFIG` or `--config` at it; keys "
           "left out keep their defaults, and an unknown or misspelt key is refused with the "
           "keys its table takes. `unlisted settings` prints a commented file to start from."]
    for table, model in tables():
        out += ["", f"## [{table}]", "", (model.__doc__ or "").strip(), "",
                "| key | type | default | what it does |", "|---|---|---|---|"]
        out += [f"| `{key}` | {kind} | `{default}` | {text.replace('|', '/')} |"
                for key, kind, default, text in settings_of(model)]
    return "\n".join(out) + "\n"


def template_toml() -> str:
    """A settings file with every key at its default, commented out, and what each does."""
    out = ["# unlisted settings: uncomment and change what you need; the rest keep their",
           "# defaults. Every key: docs/settings.md."]
    for table, model in tables():
        out += ["", f"# {(model.__doc__ or '').strip()}", f"# [{table}]"]
        for key, _kind, default, text in settings_of(model):
            for line in textwrap.wrap(text, 96):
                out.append(f"#   {line}")
            out.append(f"# {key} = {default}" if default != "(not set)" else f"# {key} =")
    return "\n".join(out) + "\n"
