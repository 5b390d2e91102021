"""The four roles and the data each may read (docs/users.md, docs/security.md). Which
roles open a page is part of the page's registration (dashboard/pages/*, dash.register_page
roles=...); the areas here are checked again where the data is read (dashboard/data.py).
Both are program, not settings: administrators give people roles, not roles pages."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = {
    "admin": "users, the access log and the Data page",
    "manager": "the revenue pages (Overview, Denials, Payments, Claims), identities shown",
    "compliance": "every data page, identities shown, sampling and audit packets",
    "analyst": "every figure, line and export, with member ids, names and birth dates masked",
}
# Groups of roles, named once for the pages' registrations and the data areas below.
REVENUE = frozenset({"manager", "compliance", "analyst"})
AUDIT = frozenset({"compliance", "analyst"})
COMPLIANCE = frozenset({"compliance"})
FILES = frozenset({"admin", "compliance"})
SENDERS = frozenset({"manager", "compliance"})  # who checks a batch before it is sent
ADMIN = frozenset({"admin"})

# data area -> the roles that read it (dashboard/data.py checks these on every read)
AREAS: dict[str, frozenset[str]] = {
    "filters": frozenset(ROLES),  # the filter bar's choices: payers, providers, locations
    "lines": REVENUE,  # figures and the lines behind them, claims
    "findings": AUDIT,  # rule findings and the worklist
    "sampling": COMPLIANCE,  # frames, samples and their packets
    "files": FILES,  # loaded files, warnings, rejects
    "check": SENDERS,  # an uploaded batch checked before it is sent
    "access": ADMIN,  # users and the access log
}
# Roles that see member ids, names and birth dates; the others get pseudonyms.
IDENTIFIED = frozenset({"manager", "compliance"})


class RoleError(ValueError):
    """An unknown role name."""


class Refused(PermissionError):
    """The signed-in person's roles do not give access to what was asked (or nobody is
    signed in)."""


def parse_roles(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Roles from "manager,analyst" (or a list of such), checked and in a fixed order."""
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    chosen = {p.strip().lower() for p in parts if p.strip()}
    unknown = sorted(chosen - set(ROLES))
    if unknown or not chosen:
        raise RoleError(f"unknown role {', '.join(unknown) or '(none given)'}: choose from "
                        f"{', '.join(ROLES)}")  # fmt: skip
    return tuple(r for r in ROLES if r in chosen)


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: name and roles."""

    name: str
    roles: tuple[str, ...]

    def reads(self, area: str) -> bool:
        return bool(AREAS.get(area, frozenset()) & set(self.roles))

    @property
    def sees_identities(self) -> bool:
        return bool(IDENTIFIED & set(self.roles))
