"""Who may read what: every read of Data (data.py) carries one decorator, @reads(area), that
refuses it unless the person asking has a role reading that area (unlisted/access/roles.py
AREAS). Which pages a role opens is the pages' own registration (dashboard/registry.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..access.roles import Refused, Viewer


def reads(area: str) -> Callable:
    """Decorates a method of Data that reads `area`: Refused unless the person asking may."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            self.require(area)
            return method(self, *args, **kwargs)

        checked.area = area
        return checked

    return decorate


class Checked:
    """The check for Data: `viewer` tells who asks (None: no checks, as in the CLI's exports)."""

    viewer: Callable[[], Viewer | None] | None

    def require(self, area: str) -> None:
        """Refuses the read unless the person asking may read this area."""
        if self.viewer is None:
            return
        viewer = self.viewer()
        if viewer is None or not viewer.reads(area):
            raise Refused(area)
