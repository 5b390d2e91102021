"""The pages: one module each, which declares itself once with dash.register_page (path or
path_template, name, title, order, and the keys docs/adding-a-page.md lists: roles, prefix,
filters, exports) and has layout(pathname) and register(app, data). The app's navigation,
routing, role checks and sign-in gate read Dash's page registry (dashboard/registry.py); no
list of pages is kept anywhere else. Pages do not import each other: what they share is in
dashboard/page_parts.py."""

from __future__ import annotations

import dash

# Dash takes page registrations once an app has set its configuration. The pages register when
# imported, which create_app does after making its app; a test or a benchmark may import a page
# before any app exists, and then an app that serves nothing stands in until create_app's own.
try:
    dash.get_app()
except Exception:  # dash.exceptions.AppNotFoundError: no app yet in this process
    dash.Dash(__name__, pages_folder="", use_pages=False)
