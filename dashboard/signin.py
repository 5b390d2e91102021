"""Sign-in in front of everything the app serves: the sign-in page and its form, sign-out,
optional sign-in through the organisation's OpenID Connect provider, and one gate that every
other request passes: same-origin check on anything that changes state, an open session, and
the role that the page or callback asks for. Refusals and sign-ins go to the access log.

The session cookie holds a random token only; the store keeps its hash, the user and the
times, so signing out, removing a user or changing a password or role ends it at once.

Before all of that, a request naming a host that is not in [access] allowed_hosts gets 400
(DNS rebinding); every answer carries a Content-Security-Policy (scripts of this site only, with
the hashes of Dash's own inline scripts); a download (GET /export/...) must come from this
site's pages; and after sign-in only a path of one of the app's pages is followed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import traceback
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlencode, urlsplit

from dash import Dash
from flask import Flask, Response, g, redirect, request
from flask.sessions import SecureCookieSessionInterface
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ..access.policy import Policy
from ..access.roles import Viewer
from ..access.store import AccessStore
from . import registry

log = logging.getLogger("unlisted.dashboard")
COOKIE = "unlisted_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# sign_out is open so that an expired session can still press "Sign out" and land somewhere.
PUBLIC_ENDPOINTS = {"sign_in_page", "sign_in", "sign_out", "sign_in_oidc", "sign_in_oidc_back"}
# Scripts and styles of the app and its components: no data, cached by browsers as Dash says.
STATIC_ENDPOINTS = ("_dash_assets.static", "/_dash-component-suites/")
# Styling only, no data: the sign-in page needs them before anyone has signed in.
PUBLIC_ASSETS = {"00_bootstrap.min.css", "app.css"}
# Downloads: a GET of these must come from this site's own pages (a file lands on the disk, so a
# link on another site must not start one in a signed-in browser).
DOWNLOADS = "/export/"
# Sec-Fetch-Site values of a request this site's pages made, or the person typed or bookmarked.
OWN_FETCH_SITES = ("same-origin", "none")
# Content-Security-Policy. Scripts: files of this site, and Dash's inline scripts by their
# hashes (made at start; Dash needs no eval). Styles: Dash's renderer, its dropdown and its date
# picker insert <style> elements (in Chromium every page reports violations without it), so
# 'unsafe-inline' for styles only. Images: Plotly and Bootstrap draw some as data: URLs.
CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")  # fmt: skip

# The frame around every page (filter bar, navigation, address, tab title): "shell", open to
# anyone signed in. Any other component belongs to the page whose registration names its id
# prefix (registry.owner).
SHELL_IDS = {"url", "page", "freshness", "who", "page-title", "page-title-shown"}
SHELL_PREFIXES = ("filter-", "nav-")


def current_viewer() -> Viewer | None:
    """Who made the request being served (None outside a signed-in request)."""
    try:
        return g.get("viewer")
    except RuntimeError:  # no request: nobody
        return None


def address() -> str:
    return request.remote_addr or "unknown"


def output_ids(output: str) -> list[str]:
    """Component ids of a Dash callback key: "a.prop", "..a.p...b.q..", where an output that
    another callback also writes carries "@hash" after its property."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [part.split("@", 1)[0].rsplit(".", 1)[0] for part in parts]


def callback_page(output: str) -> str | None:
    """The page whose data a callback returns, "shell" for the frame, None when unknown
    (refused: a callback must be known to be served)."""
    pages = set()
    for component in output_ids(output):
        if component in SHELL_IDS or component.startswith(SHELL_PREFIXES):
            pages.add("shell")
            continue
        page = registry.owner(component)
        if page is None:
            return None
        pages.add(page)
    pages.discard("shell")
    if len(pages) > 1:
        return None
    return pages.pop() if pages else "shell"


class Gate:
    def __init__(self, app: Dash, store: AccessStore, policy: Policy,
                 codes: tuple[str, ...] = ()) -> None:  # fmt: skip
        self.app = app
        self.server: Flask = app.server
        self.store = store
        self.policy = policy
        self.codes = codes  # the target codes, named on the sign-in page
        self.pages = {key: callback_page(key) for key in app.callback_map}
        self.oidc = None

    # -- setting up ----------------------------------------------------------------------------
    def install(self) -> None:
        server = self.server
        # After every callback is registered: the hashes of the inline scripts Dash renders.
        self.csp = CSP.format(hashes=" ".join(self.app.csp_hashes()))
        # The host check sees the host as the app does: the proxy's X-Forwarded-Host when
        # trusted, the Host header otherwise; it answers before Flask, Dash or the gate.
        server.wsgi_app = AllowedHosts(server.wsgi_app, self.policy.allowed_hosts,
                                       self.security_headers)  # fmt: skip
        if self.policy.proxies:
            n = self.policy.proxies
            server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)
        server.secret_key = self.policy.secret_key or self.store.secret("session").hex()
        server.config.update(
            # Flask's own cookie only carries the OpenID Connect round trip's state.
            SESSION_COOKIE_NAME="unlisted_flow", SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=10),
        )  # fmt: skip
        server.session_interface = FlowCookie(self.secure_cookie)
        # First of all: before Dash's own set-up, which may draw the layout.
        server.before_request_funcs.setdefault(None, []).insert(0, self.check)
        server.after_request(self.protect)
        server.register_error_handler(Exception, self.failed)
        server.add_url_rule("/login", "sign_in_page", self.sign_in_page, methods=["GET"])
        server.add_url_rule("/login", "sign_in", self.sign_in, methods=["POST"])
        server.add_url_rule("/logout", "sign_out", self.sign_out, methods=["POST"])
        if self.policy.oidc:
            self.install_oidc()

    def install_oidc(self) -> None:
        from authlib.integrations.flask_client import OAuth

        settings = self.policy.oidc
        oauth = OAuth(self.server)
        self.oidc = oauth.register(
            "organisation", client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            server_metadata_url=settings["metadata_url"],
            client_kwargs={"scope": settings["scope"]},
        )  # fmt: skip
        self.server.add_url_rule("/login/oidc", "sign_in_oidc", self.sign_in_oidc)
        self.server.add_url_rule("/login/oidc/back", "sign_in_oidc_back", self.sign_in_oidc_back)

    # -- the gate ------------------------------------------------------------------------------
    def check(self) -> Response | None:
        """Runs before every request: refuses what may not pass, else records the viewer."""
        if request.method not in SAFE_METHODS and not self.same_origin():
            self.store.log("refused", address=address(),
                           detail={"why": "cross-site request", "endpoint": request.endpoint})
            return refusal(403, "Refused: this request did not come from this site's pages.")
        if request.endpoint in PUBLIC_ENDPOINTS or self.public_asset():
            return None
        viewer = self.session_viewer()
        if viewer is None:
            if request.method == "GET" and self.is_page():
                return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))
            return refusal(401, "Sign in first: your session has ended or never began.")
        g.viewer = viewer
        if request.endpoint == "/_dash-update-component":
            return self.check_callback(viewer)
        if request.method in ("GET", "HEAD") and self.is_download() and not self.own_fetch():
            # The endpoint only: the address may carry filters, ids or a search.
            self.store.log("refused", viewer, address=address(),
                           detail={"why": "cross-site download", "endpoint": request.endpoint})
            return refusal(403, "Refused: downloads start from this site's own pages. Open "
                                "the page in the dashboard and use its export link.")
        return None

    def check_callback(self, viewer: Viewer) -> Response | None:
        body = request.get_json(silent=True) or {}
        output = body.get("output") if isinstance(body, dict) else None
        page = self.pages.get(output) if isinstance(output, str) else None
        if page is None or (page != "shell" and not registry.opens(viewer, page)):
            self.store.log("refused", viewer, address=address(),
                           detail={"why": "role", "page": page or "unknown callback"})
            return refusal(403, "Your role does not open this view.")
        return None

    def session_viewer(self) -> Viewer | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        return self.store.session_viewer(token, self.policy.idle_minutes * 60,
                                         self.policy.session_hours * 3600)  # fmt: skip

    def same_origin(self) -> bool:
        """The request came from a page of this site: its Origin (or, failing that, Referer)
        names this host."""
        source = request.headers.get("Origin") or request.headers.get("Referer")
        if not source or source == "null":
            return False
        return urlsplit(source).netloc == request.host

    def own_fetch(self) -> bool:
        """A GET that this site's pages started, or that the person typed or bookmarked: the
        browser's Sec-Fetch-Site says so; a browser that does not send it must name this host
        in Origin or Referer (the pages send Referer to this site: Referrer-Policy
        same-origin). Anything else, a request naming neither included, is refused."""
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None:
            return site.strip().lower() in OWN_FETCH_SITES
        return self.same_origin()

    def is_download(self) -> bool:
        return request.url_rule is not None and request.url_rule.rule.startswith(DOWNLOADS)

    def public_asset(self) -> bool:
        if request.endpoint == "_dash_assets.static":
            return (request.view_args or {}).get("filename") in PUBLIC_ASSETS
        return False

    def is_page(self) -> bool:
        return request.endpoint in ("/", "/<path:path>")

    def protect(self, response: Response) -> Response:
        """Headers on every answer: nothing that carries data kept by any cache (downloads
        included), not framed, no sniffing, no address (with its filters) sent to other
        sites, and only this site's scripts run (Content-Security-Policy)."""
        if not request.endpoint or not request.endpoint.startswith(STATIC_ENDPOINTS):
            response.headers["Cache-Control"] = "no-store"
        for name, value in self.security_headers():
            response.headers[name] = value
        return response

    def security_headers(self) -> list[tuple[str, str]]:
        return [("Content-Security-Policy", self.csp), ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")]

    def failed(self, exc: Exception) -> Response:
        """Any error not handled elsewhere: the server log gets its type and where it happened,
        never its message (it may quote data); the person gets a plain page."""
        if isinstance(exc, HTTPException):
            return exc
        log.error("a request failed: %s\n%s", type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return refusal(500, "Something went wrong on the server; the error is in its log. "
                            "Other pages still work.")

    # -- signing in and out ----------------------------------------------------------------------
    def sign_in_page(self, message: str = "", status: int = 200, name: str = "") -> Response:
        target = safe_next(request.values.get("next"))
        target = None if target == "/" else target  # "/" is where a sign-in goes anyway
        return Response(sign_in_html(message, name, target, self.policy.oidc, self.codes,
                                     self.store.demo_users()),
                        status=status, mimetype="text/html")  # fmt: skip

    def sign_in(self) -> Response:
        name = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        wait = self.store.wait_seconds(name, address())
        if wait:
            self.store.log("sign-in-throttled", actor=name[:128], address=address())
            minutes = max(1, round(wait / 60))
            return self.sign_in_page(f"Too many failed sign-ins. Try again in {minutes} "
                                     f"minute{'s' if minutes > 1 else ''}.", 429, name)
        viewer = self.store.check_password(name, password) if name and password else None
        if viewer is None:
            self.store.record_failure(name, address())
            self.store.log("sign-in-failed", actor=name[:128], address=address())
            return self.sign_in_page("That user name and password do not match.", 401, name)
        self.store.clear_failures(name)
        return self.start_session(viewer, "password", safe_next(request.form.get("next")))

    def start_session(self, viewer: Viewer, method: str, target: str | None) -> Response:
        earlier = request.cookies.get(COOKIE)
        if earlier:  # a new sign-in in the same browser ends the session it had
            self.store.end_session(earlier)
        token = self.store.open_session(viewer, method)
        self.store.log("sign-in", viewer, address=address(), detail={"method": method})
        if target in (None, "/"):  # the viewer's own first page ("/" for most)
            target = registry.first_page(viewer)["path"]
        response = redirect(target)
        response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", path="/",
                            secure=self.secure_cookie(),
                            max_age=int(self.policy.session_hours * 3600))  # fmt: skip
        return response

    def sign_out(self) -> Response:
        token = request.cookies.get(COOKIE)
        viewer = self.session_viewer()
        if token:
            self.store.end_session(token)
        if viewer is not None:
            self.store.log("sign-out", viewer, address=address())
        response = redirect("/login?signed_out=1")
        response.delete_cookie(COOKIE, path="/")
        return response

    def secure_cookie(self) -> bool:
        if self.policy.secure_cookies == "auto":
            return request.is_secure
        return self.policy.secure_cookies == "always"

    def sign_in_oidc(self) -> Response:
        back = request.host_url.rstrip("/") + "/login/oidc/back"
        return self.oidc.authorize_redirect(back)

    def sign_in_oidc_back(self) -> Response:
        try:
            token = self.oidc.authorize_access_token()
            claims = token.get("userinfo") or self.oidc.userinfo(token=token)
        except Exception as exc:  # the provider's answer could not be used
            self.store.log("sign-in-failed", address=address(),
                           detail={"method": "oidc", "why": type(exc).__name__})
            return self.sign_in_page("Your organisation's sign-in did not complete. Try "
                                     "again, or ask your administrator.", 401)
        name = str(claims.get(self.policy.oidc["username_claim"]) or "")
        user = self.store.user(name) if name else None
        if user is None:
            self.store.log("sign-in-failed", actor=name[:128] or None, address=address(),
                           detail={"method": "oidc", "why": "no such user"})
            return self.sign_in_page("You are signed in at your organisation, but not a user "
                                     "of unlisted. Ask your administrator to add you.", 403)
        viewer = Viewer(user["name"], tuple(user["roles"].split(",")))
        return self.start_session(viewer, "oidc", None)


class AllowedHosts:
    """WSGI middleware: a request whose host (its Host header, or the X-Forwarded-Host of a
    trusted proxy, as the app sees it) is not one of `hosts` gets 400 before the app reads it.
    A page on another site that a rebound DNS name points at this server names its own host,
    so it cannot reach the app. `hosts` entries are "name" (any port) or "name:port"."""

    def __init__(self, app, hosts: Iterable[str], headers: Callable[[], list]) -> None:
        self.app = app
        self.names = {h.lower() for h in hosts if not port_of(h)[1]}
        self.exact = {h.lower() for h in hosts if port_of(h)[1]}
        self.headers = headers
        self.told: set[str] = set()

    def allowed(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.strip().lower()
        name, port = port_of(host)
        if name is None or (port and not port.isdigit()):
            return False
        return name in self.names or host in self.exact

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if self.allowed(host):
            return self.app(environ, start_response)
        shown = repr((host or "")[:100])
        if shown not in self.told and len(self.told) < 100:  # once per name: no log flood
            self.told.add(shown)
            log.warning("refused a request for the host %s: not in [access] allowed_hosts",
                        shown)  # fmt: skip
        body = (b"Refused: this server does not answer to that host name. If it is this "
                b"server's name, an administrator adds it to [access] allowed_hosts.")
        start_response("400 Bad Request", [
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"), *self.headers()])  # fmt: skip
        return [body]


_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.\-_]+)(?::([0-9]*))?")


def port_of(host: str) -> tuple[str | None, str]:
    """("name", "port") of "name:port", "[v6]:port", "name" (port ""); (None, "") when the
    host is not a host name."""
    found = _HOST.fullmatch(host.strip().lower())
    return (found.group(1), found.group(2) or "") if found else (None, "")


class FlowCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure by the same rule as the session cookie."""

    def __init__(self, secure: Callable[[], bool]) -> None:
        self.secure = secure

    def get_cookie_secure(self, app: Flask) -> bool:
        return self.secure()


def refusal(status: int, text: str) -> Response:
    return Response(text, status=status, mimetype="text/plain")


# The longest address followed after sign-in (the app's own are far shorter).
NEXT_MAX = 2048
# Characters refused anywhere in `next`, as sent or once decoded: control characters and
# whitespace (a browser drops tab and newline from an address: "/\t/evil.example" would lead to
# "//evil.example"; CR and LF would split the Location header).
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: `target` when it is the path (and query) of one of the app's
    own pages, else "/" (the viewer's first page). Refused, never repaired: anything with a
    scheme or a host, a backslash, a control character or whitespace (as sent or decoded), a
    path not starting with a single "/", a dot segment, a fragment, and a path that no page of
    the app serves (so never /login, nor a download)."""
    if not target or len(target) > NEXT_MAX or not target.isascii():
        return "/"
    path = unquote(target.split("?", 1)[0])
    if _UNSAFE.search(target) or "\\" in target or _UNSAFE.search(path) or "\\" in path:
        return "/"
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced "[" read as an IPv6 host
        return "/"
    if parts.scheme or parts.netloc or parts.fragment or "#" in target:
        return "/"
    if not path.startswith("/") or "//" in path or "%" in path:
        return "/"
    if any(segment in (".", "..") for segment in path.split("/")):
        return "/"
    if any(unicodedata.category(ch).startswith("C") for ch in unquote(parts.query)):
        return "/"
    return target if routed(path) else "/"


def routed(path: str) -> bool:
    """The path is one of the app's pages, as the app's own router (registry.page_for) reads
    it: a path or path template of Dash's page registry (a claim or a sample under Claims or
    Sampling); the router falls back to the Overview for any other path, which is not one of
    them."""
    return registry.matched(path) is not None


def page_segments() -> Iterable[str]:
    """The first path segments of the app's pages (for the docs and tests)."""
    return sorted({(p.get("path_template") or p["path"]).strip("/").split("/")[0]
                   for p in registry.pages()})  # fmt: skip


def brand_line(codes: Iterable[str]) -> str:
    """The line under the brand: the configured target codes."""
    return f"{', '.join(codes)} audit & reimbursement".strip()


def demo_note(users: list[dict]) -> str:
    """The demo's users on its sign-in page (names and roles, never passwords: `unlisted demo`
    prints those); nothing when the store has no demo user."""
    if not users:
        return ""
    items = "".join(f'<li><code>{escape(u["name"])}</code>: '
                    f'{escape(u["roles"].replace(",", ", "))}</li>' for u in users)
    return ('<div class="alert alert-info sign-in-demo" id="demo-users"><p class="mb-1">'
            'This is a demo. Sign in as one of its users, with the password '
            '<code>unlisted demo</code> printed:</p>'
            f'<ul class="mb-0">{items}</ul></div>')  # fmt: skip


def sign_in_html(message: str, name: str, target: str | None, oidc: dict | None,
                 codes: Iterable[str] = (), demo_users: list[dict] | None = None) -> str:
    alert = f'<div class="alert alert-warning" role="alert">{escape(message)}</div>' \
        if message else ""  # fmt: skip
    signed_out = request.args.get("signed_out") and not message
    if signed_out:
        alert = '<div class="alert alert-success" role="status">You are signed out.</div>'
    hidden = f'<input type="hidden" name="next" value="{escape(target)}">' if target else ""
    organisation = (f'<hr><a class="btn btn-outline-secondary w-100" href="/login/oidc">Sign in '
                    f'with {escape(oidc["name"])}</a>') if oidc else ""  # fmt: skip
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in · unlisted</title>
<link rel="stylesheet" href="/assets/00_bootstrap.min.css">
<link rel="stylesheet" href="/assets/app.css">
</head><body class="sign-in-body">
<main class="sign-in card shadow-sm"><div class="card-body">
<div class="brand-box mb-3"><span class="brand">unlisted</span>
<span class="brand-sub">{escape(brand_line(codes))}</span></div>
<h1 class="h5 mb-3">Sign in</h1>{alert}{demo_note(demo_users or [])}
<form method="post" action="/login" id="sign-in-form">{hidden}
<label class="form-label" for="username">User name</label>
<input class="form-control mb-2" id="username" name="username" autocomplete="username"
 value="{escape(name)}" required autofocus>
<label class="form-label" for="password">Password</label>
<input class="form-control mb-3" id="password" name="password" type="password"
 autocomplete="current-password" required>
<button class="btn btn-primary w-100" type="submit" id="sign-in-button">Sign in</button>
</form>{organisation}
<p class="sign-in-note">Claims data is protected health information. Every sign-in and export
is recorded.</p>
</div></main></body></html>"""


def log_export(store: AccessStore, what: str, rows: int | None, details: list[tuple[str, str]]):
    """An export in the access log: who, what, with which filters, how many rows."""
    store.log("export", current_viewer(), address=address(),
              detail=json.dumps({**dict(details), "export": what}, default=str),
              row_count=rows)  # fmt: skip
