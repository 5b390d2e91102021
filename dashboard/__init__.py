"""Dash app (issue 5)."""
