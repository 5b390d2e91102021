"""Calling the dashboard's callbacks over HTTP, as the browser does, and reading the answers.
Every request comes from a signed-in user, as in the browser."""

from __future__ import annotations

import csv
import io
import json

# The Flask test client's requests come from http://localhost; the dashboard's pages send
# this Origin with every POST (a browser does).
ORIGIN = {"Origin": "http://localhost"}
# What a browser sends with a request that the dashboard's own pages start (links, downloads).
SAME_ORIGIN_FETCH = {"HTTP_SEC_FETCH_SITE": "same-origin"}
PASSWORD = "a test password, long enough"
EVERY_PAGE = ("admin", "compliance")


def add_user(app, name: str, roles: tuple[str, ...]) -> None:
    from unlisted.access.store import AccessError

    store = app.server.config["unlisted_access"]
    if store.user(name) is None:
        try:
            store.add_user(name, roles, PASSWORD, actor="test")
        except AccessError:  # made meanwhile by another test process sharing the store
            if store.user(name) is None:
                raise


def signed_in(app, roles: tuple[str, ...] = EVERY_PAGE, name: str | None = None):
    """A test client signed in as a user with these roles (made on first use)."""
    name = name or "-".join(roles)
    add_user(app, name, roles)
    client = app.server.test_client()
    # As a browser on the dashboard's pages: its links (downloads included) are same-origin.
    client.environ_base.update(SAME_ORIGIN_FETCH)
    answer = client.post("/login", data={"username": name, "password": PASSWORD},
                         headers=ORIGIN)
    assert answer.status_code == 302, answer.data[:300]
    return client


def signed_in_session(app, base: str, roles: tuple[str, ...] = EVERY_PAGE,
                      name: str | None = None):
    """A requests session signed in to the app served at `base` (a real server)."""
    import requests

    name = name or "-".join(roles)
    add_user(app, name, roles)
    session = requests.Session()
    session.headers["Origin"] = base
    answer = session.post(base + "/login", data={"username": name, "password": PASSWORD},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    return session


def callback(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
             state: list[tuple[str, str, object]] = (), changed: list[str] | None = None) -> dict:
    """POST /_dash-update-component; returns {component id: {property: value}}."""
    if len(outputs) == 1:
        output = f"{outputs[0][0]}.{outputs[0][1]}"
        targets = {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        targets = [{"id": i, "property": p} for i, p in outputs]
    body = {
        "output": output,
        "outputs": targets,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": changed if changed is not None else [f"{i}.{p}" for i, p, _ in inputs],
    }
    answer = client.post("/_dash-update-component", data=json.dumps(body),
                         content_type="application/json", headers=ORIGIN)
    assert answer.status_code in (200, 204), answer.data[:500]
    return answer.get_json()["response"] if answer.status_code == 200 else {}


def page_body(client, page: str, search: str = "", pathname: str = "/") -> object:
    got = callback(client, [(f"{page}-body", "children"), (f"{page}-export", "href")],
                   [("url", "search", search)], [("url", "pathname", pathname)])
    return got[f"{page}-body"]["children"]


def texts(tree) -> list[str]:
    """Every string shown in a component tree (children, in order)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props", node)
            walk(props.get("children"))

    walk(tree)
    return found


def find(tree, **wanted) -> list[dict]:
    """Props of every component whose props include the wanted values (e.g. id=...)."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                if all(props.get(k) == v for k, v in wanted.items()):
                    found.append(props)
                for value in props.values():
                    walk(value)

    walk(tree)
    return found


def exported_csv(text: str) -> tuple[list[str], list[dict]]:
    """A CSV export read as its format says: the preamble (rows of one cell starting with '#',
    quoted by the CSV rules when a filter holds a comma or a quote), then the table."""
    rows = list(csv.reader(io.StringIO(text)))
    preamble = [row[0] for row in rows if len(row) == 1 and row[0].startswith("#")]
    table = rows[len(preamble):]
    return preamble, [dict(zip(table[0], row, strict=True)) for row in table[1:]]
