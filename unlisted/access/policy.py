"""How sessions behave: from the [access] table of the configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..settings_schema import Access
from .store import AccessStore, Throttle, store_path

# The names the app answers to when [access] allowed_hosts does not say (docs/settings.md).
LOCAL_HOSTS = tuple(Access.model_fields["allowed_hosts"].default)


class PolicyError(ValueError):
    """An [access] setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class Policy:
    store: Path
    idle_minutes: float = 30
    session_hours: float = 12
    secure_cookies: str = "auto"  # auto (when the request came over https), always, never
    proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted
    throttle: Throttle = field(default_factory=Throttle)
    oidc: dict | None = None  # [access.oidc]: name, metadata_url, client_id, username_claim
    secret_key: str | None = None  # $UNLISTED_SECRET_KEY; else a key kept in the store
    # Host names (optionally "name:port") that requests may name; others get 400.
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS

    def open_store(self) -> AccessStore:
        return AccessStore(self.store, self.throttle)


def access_policy(config: dict, database: Path) -> Policy:
    """The policy of the [access] table (docs/settings.md)."""
    a = config["access"]
    try:
        throttle = Throttle(
            max_failures=int(a["max_failures"]),
            window_seconds=float(a["failure_window_minutes"]) * 60,
            pause_seconds=float(a["pause_minutes"]) * 60,
            max_failures_per_address=int(a["max_failures_per_address"]),
        )
        policy = Policy(
            store=Path(os.environ.get("UNLISTED_ACCESS_STORE") or a.get("store")
                       or store_path(database)),
            idle_minutes=float(a["idle_minutes"]),
            session_hours=float(a["session_hours"]),
            secure_cookies=str(a["secure_cookies"]),
            proxies=int(a["proxies"]),
            throttle=throttle,
            oidc=oidc_settings(a.get("oidc")),
            secret_key=os.environ.get("UNLISTED_SECRET_KEY") or None,
            allowed_hosts=allowed_hosts(a.get("allowed_hosts", LOCAL_HOSTS)),
        )  # fmt: skip
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"the [access] configuration cannot be used: {exc}") from None
    if policy.secure_cookies not in ("auto", "always", "never"):
        raise PolicyError("access.secure_cookies is auto, always or never")
    return policy


def allowed_hosts(value) -> tuple[str, ...]:
    """[access] allowed_hosts: a non-empty list of host names, each maybe with ":port"."""
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value or not all(
            isinstance(v, str) and v.strip() for v in value):
        raise PolicyError("access.allowed_hosts must be a list of host names, e.g. "
                          '["unlisted.clinic.example", "127.0.0.1", "localhost"]')
    return tuple(v.strip().lower() for v in value)


def oidc_settings(table: dict | None) -> dict | None:
    if not table:
        return None
    missing = [k for k in ("metadata_url", "client_id") if not table.get(k)]
    if missing:
        raise PolicyError(f"[access.oidc] needs {', '.join(missing)}")
    secret = os.environ.get("UNLISTED_OIDC_CLIENT_SECRET") or table.get("client_secret")
    if not secret:
        raise PolicyError("[access.oidc] needs its client secret in $UNLISTED_OIDC_CLIENT_SECRET")
    return {"name": table.get("name", "your organisation"), "metadata_url": table["metadata_url"],
            "client_id": table["client_id"], "client_secret": secret,
            "username_claim": table.get("username_claim", "email"),
            "scope": table.get("scope", "openid email profile")}  # fmt: skip
