"""The app's pages as Dash's page registry holds them. Navigation, routing, the role checks, the
filter bar and the sign-in gate all read them from here, and from nothing else.

Each module of dashboard/pages declares itself once, when imported (docs/adding-a-page.md):

    dash.register_page(__name__, path="/denials", name="Denials", title="Denials · unlisted",
                       order=1, roles=REVENUE, prefix="denials")

with Dash's own keys (path or path_template, name: the navigation's label and the page's
heading, title: the browser tab's title, order: the place in the navigation) and these:

- roles: the roles that open the page (any one of them does). The gate refuses the page's
  callbacks and exports to anyone else; the navigation does not show it to them.
- prefix: the page's key: its components' ids start with "<prefix>-" (that is how the gate
  knows which page a callback serves), its navigation link is "nav-<prefix>", its export
  /export/page/<prefix>.xlsx.
- prefixes: further id prefixes of the page's components (optional).
- filters: whether the filter bar filters this page (default True); hidden where it does not.
- exports: the datasets of the page's Excel export (dashboard/exports.py); none: no export.
- nav: whether the navigation lists the page (default: pages at a fixed path; a claim or a
  sample, under a path_template, is reached from its list).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

import dash

from ..access.roles import Viewer

PACKAGE = __package__ + ".pages"
HOME = "/"
BRAND = "unlisted"


@cache
def load() -> None:
    """Imports every module of dashboard/pages: each registers itself."""
    package = importlib.import_module(PACKAGE)
    for found in pkgutil.iter_modules(package.__path__):
        if not found.name.startswith("_"):
            importlib.import_module(f"{PACKAGE}.{found.name}")


def pages() -> list[dict]:
    """The app's pages, in the navigation's order (registrations of other modules left out)."""
    load()
    return [page for module, page in dash.page_registry.items()
            if module.startswith(PACKAGE + ".")]  # fmt: skip


def nav_pages() -> list[dict]:
    return [page for page in pages() if page.get("nav", not page.get("path_template"))]


def named(prefix: str) -> dict | None:
    """The page whose key (prefix) this is."""
    return next((page for page in pages() if page["prefix"] == prefix), None)


def home() -> dict:
    return next(page for page in pages() if page["path"] == HOME)


def template_pattern(template: str) -> re.Pattern:
    """/claims/<claim_id> -> a pattern matching /claims/ and one more path segment."""
    parts = re.split(r"<[^>]+>", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def matched(pathname: str | None) -> dict | None:
    """The page serving this path, None when no page does."""
    path = (pathname or HOME).rstrip("/") or HOME
    for page in pages():
        template = page.get("path_template")
        if template and template_pattern(template).fullmatch(path):
            return page
        if not template and page["path"] == path:
            return page
    return None


def page_for(pathname: str | None) -> dict:
    """The page serving this path: the home page (Overview) for any path no page serves."""
    return matched(pathname) or home()


def opens(viewer: Viewer | None, page: dict | str | None) -> bool:
    """The viewer has one of the roles that open the page (a page, or its key)."""
    page = named(page) if isinstance(page, str) else page
    return viewer is not None and page is not None and bool(
        set(page.get("roles", ())) & set(viewer.roles))


def first_page(viewer: Viewer) -> dict:
    """Where the viewer lands after signing in: the first page of the navigation they open."""
    return next((page for page in nav_pages() if opens(viewer, page)), home())


def filtered(page: dict) -> bool:
    """The filter bar filters this page."""
    return bool(page.get("filters", True))


def tab_title(page: dict) -> str:
    return page.get("title") or f"{page['name']} · {BRAND}"


def id_prefixes() -> list[tuple[str, str]]:
    """(component id prefix, page key), longest prefix first."""
    found = [(f"{page['prefix']}-", page["prefix"]) for page in pages()]
    found += [(extra, page["prefix"]) for page in pages() for extra in page.get("prefixes", ())]
    return sorted(found, key=lambda pair: -len(pair[0]))


def owner(component: str) -> str | None:
    """The key of the page whose callbacks write this component, None when no page's."""
    return next((key for prefix, key in id_prefixes() if component.startswith(prefix)), None)
