"""Sign-in through the organisation's OpenID Connect provider: a small provider of our own runs
on a local port (discovery, JWKS, token endpoint with an RS256-signed ID token), and the app
signs in a user it knows, refuses one it does not, and records both."""

from __future__ import annotations

import datetime as dt
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from unlisted.dashboard.app import create_app
from unlisted.queries.metrics import Settings
from werkzeug.serving import make_server

from unlisted.access.policy import Policy, PolicyError, access_policy, oidc_settings
from unlisted.access.store import store_path
from unlisted.settings import load_config

from .dash_calls import ORIGIN, add_user

CLIENT_ID, CLIENT_SECRET = "unlisted-test", "provider secret"


class Provider:
    """An OpenID Connect provider that issues a code for whoever the test names."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig",
                                                         "alg": "RS256"})  # fmt: skip
        self.codes: dict[str, dict] = {}  # code -> the claims of its ID token
        server = Flask("provider")
        server.add_url_rule("/.well-known/openid-configuration", "discovery", self.discovery)
        server.add_url_rule("/jwks", "jwks", lambda: jsonify(KeySet([self.key]).as_dict(
            private=False)))  # fmt: skip
        server.add_url_rule("/token", "token", self.token, methods=["POST"])
        self.http = make_server("127.0.0.1", 0, server, threaded=True)
        self.base = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def discovery(self):
        return jsonify({
            "issuer": self.base, "authorization_endpoint": self.base + "/authorize",
            "token_endpoint": self.base + "/token", "jwks_uri": self.base + "/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })  # fmt: skip

    def token(self):
        claims = self.codes.pop(request.form.get("code"), None)
        if claims is None or request.authorization is None or \
                request.authorization.password != CLIENT_SECRET:  # fmt: skip
            return jsonify({"error": "invalid_grant"}), 400
        now = int(time.time())
        claims = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return jsonify({"access_token": "at", "token_type": "Bearer", "expires_in": 300,
                        "id_token": id_token})

    def close(self) -> None:
        self.http.shutdown()


@pytest.fixture
def provider():
    running = Provider()
    yield running
    running.close()


@pytest.fixture
def app(scenario_db, provider):
    policy = Policy(store=store_path(scenario_db), oidc=oidc_settings({
        "name": "Clinic sign-in", "metadata_url": provider.base
        + "/.well-known/openid-configuration", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET}))  # fmt: skip
    return create_app(scenario_db, Settings(as_of=dt.date(2027, 1, 31)), check_every=0,
                      policy=policy)  # fmt: skip


def through_provider(app, provider, email: str):
    """A browser's round trip: the app sends it to the provider, which sends it back."""
    client = app.server.test_client()
    assert "Sign in with Clinic sign-in" in client.get("/login").get_data(as_text=True)
    sent = client.get("/login/oidc")
    assert sent.status_code == 302 and sent.location.startswith(provider.base + "/authorize")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(sent.location).query).items()}
    assert (asked["client_id"], asked["redirect_uri"]) == (
        CLIENT_ID, "http://localhost/login/oidc/back")
    provider.codes["code-1"] = {"sub": "person-1", "email": email, "nonce": asked["nonce"]}
    back = client.get("/login/oidc/back?" + urlencode({"code": "code-1",
                                                       "state": asked["state"]}))
    return client, back


def test_a_known_user_signs_in_through_the_organisation(app, provider):
    add_user(app, "pat.ops@clinic.example", ("manager",))
    client, back = through_provider(app, provider, "pat.ops@clinic.example")
    assert back.status_code == 302 and back.location == "/"
    assert "unlisted_session" in back.headers["Set-Cookie"]
    assert client.post("/logout", headers=ORIGIN).location == "/login?signed_out=1"
    store = app.server.config["unlisted_access"]
    event = store.log_rows(event="sign-in")[0]
    assert (event["user_name"], event["detail"]) == ("pat.ops@clinic.example",
                                                     '{"method": "oidc"}')


def test_someone_the_program_does_not_know_is_refused(app, provider):
    client, back = through_provider(app, provider, "stranger@clinic.example")
    assert back.status_code == 403
    assert "not a user of unlisted" in back.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    store = app.server.config["unlisted_access"]
    failed = store.log_rows(event="sign-in-failed")[0]
    assert failed["user_name"] == "stranger@clinic.example"


def test_a_forged_return_is_refused(app, provider):
    client = app.server.test_client()
    client.get("/login/oidc")
    back = client.get("/login/oidc/back?code=made-up&state=made-up")
    assert back.status_code == 401
    assert "did not complete" in back.get_data(as_text=True)


def test_the_configuration_says_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.delenv("UNLISTED_OIDC_CLIENT_SECRET", raising=False)
    def configured(oidc: dict) -> dict:
        config = load_config()
        config["access"] = {**config["access"], "oidc": oidc}
        return config

    with pytest.raises(PolicyError, match="client secret in \\$UNLISTED_OIDC_CLIENT_SECRET"):
        access_policy(configured({"metadata_url": "https://x", "client_id": "y"}),
                      tmp_path / "a.duckdb")  # fmt: skip
    with pytest.raises(PolicyError, match="needs metadata_url"):
        access_policy(configured({"client_id": "y"}), tmp_path / "a.duckdb")
    monkeypatch.setenv("UNLISTED_OIDC_CLIENT_SECRET", "s")
    policy = access_policy(configured({"metadata_url": "https://x", "client_id": "y"}),
                           tmp_path / "a.duckdb")  # fmt: skip
    assert policy.oidc["client_secret"] == "s" and policy.oidc["username_claim"] == "email"
    assert policy.store == tmp_path / "a.access.sqlite"
    assert (policy.idle_minutes, policy.throttle.max_failures) == (30, 5)
    bad = load_config()
    bad["access"] = {**bad["access"], "secure_cookies": "sometimes"}
    with pytest.raises(PolicyError, match="secure_cookies is auto, always or never"):
        access_policy(bad, tmp_path / "a.duckdb")


def test_the_round_trip_cookie_follows_the_session_cookie_rules(app):
    plain = app.server.test_client().get("/login/oidc").headers["Set-Cookie"]
    assert plain.startswith("unlisted_flow=") and "HttpOnly" in plain and "Secure" not in plain
    assert "SameSite=Lax" in plain
    over_tls = app.server.test_client().get("/login/oidc", base_url="https://localhost")
    assert "Secure" in over_tls.headers["Set-Cookie"]
