"""The six documentation elements of a 97139 note (docs/documentation-elements.md), in the order
every table, export and page lists them: the one place they are named."""

ELEMENTS = ("description", "purpose", "duration", "rationale", "credentials", "involvement")
