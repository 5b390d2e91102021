"""What every transaction-set parser shares: value checks that quarantine instead of raising."""

from __future__ import annotations

from collections.abc import Callable

from ..context import FileContext
from ..values import BadValue, amount, date8, quantity

COMPONENT_PAD = [""] * 8


def location(number: int) -> str:
    return f"segment {number}"


def components(element: str, separator: str) -> list[str]:
    parts = element.split(separator)
    if len(parts) < 8:
        parts.extend(COMPONENT_PAD[len(parts) :])
    return parts


def split_composite(element: str, separator: str) -> tuple[list[str], bool]:
    """Split a composite; also report whether it used ">" instead of the declared separator.

    The implementation guides print their examples with ">", and some real files copy that
    while ISA16 declares another character; reading "HC>97139" as one code would lose the line."""
    if separator not in element and ">" in element and separator != ">":
        return components(element, ">"), True
    return components(element, separator), False


def person_name(e: list[str]) -> str | None:
    """NM103/NM104 as "LAST, FIRST" (organisations have only NM103)."""
    if e[3] and e[4]:
        return f"{e[3]}, {e[4]}"
    return e[3] or None


class TransactionParser:
    """One ST..SE transaction set. The driver feeds segments to `handlers`, then calls `finish`;
    a transaction without transaction-level errors is then `commit`ted to the file context."""

    kind = ""
    handlers: dict[str, Callable[[int, list[str]], None]]

    def __init__(self, ctx: FileContext, st_number: int, control: str, component: str):
        self.ctx = ctx
        self.st_number = st_number
        self.control = control
        self.component = component
        self.errors: list[tuple[int, str, str]] = []
        self.start()

    def start(self) -> None:
        """Set up per-transaction buffers."""

    def finish(self) -> None:
        """Close whatever loop is still open at SE."""

    def commit(self) -> None:
        """Hand the accepted rows to the file context."""

    def fail(self, number: int, code: str, message: str) -> None:
        self.errors.append((number, code, message))

    def amount_or_fail(self, n: int, text: str, name: str, required: bool = False) -> str | None:
        if not text:
            if required:
                self.fail(n, "missing_value", f"{name} (amount) is empty")
            return None
        try:
            return amount(text)
        except BadValue as exc:
            self.fail(n, "bad_amount", f"{name} {exc}")
            return None

    def quantity_or_fail(self, n: int, text: str, name: str) -> str | None:
        if not text:
            return None
        try:
            return quantity(text)
        except BadValue as exc:
            self.fail(n, "bad_quantity", f"{name} {exc}")
            return None

    def date_or_warn(self, n: int, text: str, name: str) -> str | None:
        """Dates never hold money: a bad one is loaded as NULL with a warning."""
        if not text:
            return None
        try:
            return date8(text)
        except BadValue as exc:
            self.ctx.warn(location(n), "bad_date", f"{name} {exc}; loaded as empty")
            return None

    def composite(self, n: int, element: str) -> list[str]:
        parts, fallback = split_composite(element, self.component)
        if fallback and not self.ctx.flags.get("composite_fallback"):
            self.ctx.flags["composite_fallback"] = True
            self.ctx.warn(
                location(n),
                "component_separator",
                f"composites use '>' although ISA16 declares {self.component!r}; read with '>'",
            )
        return parts
