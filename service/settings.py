"""One frozen Settings object, read from the environment once."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "fairscore.sqlite3"
# How far a sender's clock may run ahead: data dated later than now + this is refused.
DEFAULT_MAX_CLOCK_SKEW = timedelta(minutes=5)
# Set by `fairscore serve` for its worker processes (uvicorn starts them afresh).
SERVE_WORKERS_VARIABLE = "FAIRSCORE_SERVE_WORKERS"


class SettingsError(ValueError):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    env: str = "development"
    secret_key: str = "development-only-secret"
    # Argon2id cost; tests lower it through FAIRSCORE_ARGON2_* to stay fast.
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    max_page_size: int = 100
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW
    # A /graphql request body larger than this is refused (413) while it is read.
    max_body_bytes: int = 1024 * 1024
    # Addresses of reverse proxies whose X-Forwarded-For is believed (none by default:
    # a client could otherwise name any address and dodge the per-address throttle).
    trusted_proxies: tuple[str, ...] = ()
    # Web origins whose pages may call /graphql from the browser (CORS); none by default.
    # The same list decides which pages may open the live WebSocket.
    cors_origins: tuple[str, ...] = ()
    # Pins "today" for goals' progress and status (SCORING.md §11) in demos and tests;
    # None: the real clock.
    today: date | None = None
    # Live subscriptions (graphql-transport-ws): at most this many at once per connection;
    # a connection with none running is closed after the idle time; the token is checked
    # again at least this often (and at every change) so a revoked one ends the stream.
    subscriptions_per_connection: int = 10
    subscription_idle_seconds: int = 300
    subscription_token_check_seconds: int = 60
    # Server processes, as `fairscore serve --workers` started them: on SQLite, live
    # subscriptions are heard in one process only, so they need exactly one.
    serve_workers: int = 1
    # Processes a large recompute scores people in (service/usecases/scoring/
    # scoring_pool.py); 1: always in the calling process. Default: the CPUs available.
    scoring_processes: int = 1

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def live_subscriptions_refused(self) -> str | None:
        """Why live subscriptions cannot be served here, or None when they can."""
        if self.is_sqlite and self.serve_workers > 1:
            # Short enough for a WebSocket close reason (123 bytes).
            return (
                "Subscriptions need one server process on SQLite: serve with --workers 1, "
                "or use PostgreSQL."
            )
        return None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env_vars = os.environ if environ is None else environ
        env = env_vars.get("FAIRSCORE_ENV", "development")
        if env not in ("development", "production"):
            raise SettingsError(
                f"FAIRSCORE_ENV must be 'development' or 'production', not {env!r}."
            )
        secret = env_vars.get("FAIRSCORE_SECRET_KEY", "")
        if env == "production" and not secret:
            raise SettingsError(
                "FAIRSCORE_SECRET_KEY is required when FAIRSCORE_ENV=production: "
                "set it to a long random string."
            )
        return cls(
            database_url=_database_url(env_vars),
            env=env,
            secret_key=secret or "development-only-secret",
            argon2_memory_kib=_int(env_vars, "FAIRSCORE_ARGON2_MEMORY_KIB", 19 * 1024),
            argon2_time_cost=_int(env_vars, "FAIRSCORE_ARGON2_TIME_COST", 2),
            argon2_parallelism=_int(env_vars, "FAIRSCORE_ARGON2_PARALLELISM", 1),
            max_page_size=_int(env_vars, "FAIRSCORE_MAX_PAGE_SIZE", 100),
            max_clock_skew=timedelta(
                seconds=_int(
                    env_vars,
                    "FAIRSCORE_MAX_CLOCK_SKEW",
                    int(DEFAULT_MAX_CLOCK_SKEW.total_seconds()),
                    maximum=86_400,  # a clock a day off is wrong, not skewed
                )
            ),
            max_body_bytes=_int(env_vars, "FAIRSCORE_MAX_BODY_BYTES", 1024 * 1024),
            trusted_proxies=_addresses(env_vars, "FAIRSCORE_TRUSTED_PROXIES"),
            cors_origins=_origins(env_vars, "FAIRSCORE_CORS_ORIGINS"),
            today=_day(env_vars, "FAIRSCORE_TODAY"),
            subscriptions_per_connection=_int(
                env_vars, "FAIRSCORE_SUBSCRIPTIONS_PER_CONNECTION", 10, maximum=1000
            ),
            subscription_idle_seconds=_int(env_vars, "FAIRSCORE_SUBSCRIPTION_IDLE_SECONDS", 300),
            subscription_token_check_seconds=_int(
                env_vars, "FAIRSCORE_SUBSCRIPTION_TOKEN_CHECK_SECONDS", 60
            ),
            serve_workers=_int(env_vars, SERVE_WORKERS_VARIABLE, 1),
            scoring_processes=scoring_processes(env_vars),
        )


# SQLite and PostgreSQL (through asyncpg) are the databases fairscore is tested on.
_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "asyncpg")


def _database_url(env_vars: Mapping[str, str]) -> str:
    url = env_vars.get("DATABASE_URL", "") or f"sqlite://{DEFAULT_SQLITE_PATH}"
    scheme, separator, _rest = url.partition("://")
    if not separator or scheme.lower() not in _DATABASE_SCHEMES:
        # Only the scheme is repeated: the rest of the URL may hold a password.
        named = f"{scheme[:20]!r}" if separator else "a URL without a scheme"
        raise SettingsError(
            f"DATABASE_URL must start with sqlite:// or postgres://, not {named}: e.g. "
            "sqlite://var/fairscore.sqlite3 or postgres://user:password@host:5432/fairscore."
        )
    return url


SCORING_PROCESSES_VARIABLE = "FAIRSCORE_SCORING_PROCESSES"


def scoring_processes(env_vars: Mapping[str, str]) -> int:
    """How many processes a large recompute scores in (``FAIRSCORE_SCORING_PROCESSES``;
    1 turns the pool off); by default, as many as this process may run on."""
    return _int(env_vars, SCORING_PROCESSES_VARIABLE, len(os.sched_getaffinity(0)), maximum=256)


def _int(env_vars: Mapping[str, str], name: str, default: int, maximum: int = 10**9) -> int:
    raw = env_vars.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    # Checked as text first: int() of a very long string is slow, then refused.
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(maximum))):
        raise SettingsError(f"{name} must be a whole number, not {raw[:40]!r}.")
    value = int(text)
    if value <= 0:
        raise SettingsError(f"{name} must be positive, not {value}.")
    if value > maximum:
        raise SettingsError(f"{name} must be at most {maximum:,}, not {value:,}.")
    return value


def _addresses(env_vars: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks (as uvicorn's
    forwarded_allow_ips reads them); '*' would trust every client, so it is refused."""
    raw = env_vars.get(name, "")
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    for item in items:
        if item == "*":
            raise SettingsError(
                f"{name} may not be '*': name the proxies' addresses, e.g. 10.0.0.5,10.0.1.0/24."
            )
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks separated by commas, not {item!r}."
            ) from None
    return items


def _origins(env_vars: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of web origins (scheme://host[:port]), as browsers send
    them in `Origin`; '*' is refused: name the web apps that may call the API."""
    raw = env_vars.get(name, "")
    origins = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        parsed = urlsplit(item)
        if (
            item == "*"
            or parsed.scheme not in ("http", "https")
            or not parsed.hostname
            or parsed.path not in ("", "/")
            or parsed.query
            or parsed.fragment
            or parsed.username is not None
        ):
            raise SettingsError(
                f"{name} must list origins such as https://app.example.com or "
                f"http://localhost:5173 separated by commas, not {item[:80]!r}."
            )
        origins.append(f"{parsed.scheme}://{parsed.netloc.lower()}")
    return tuple(origins)


def _day(env_vars: Mapping[str, str], name: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when unset."""
    raw = env_vars.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be a date such as 2026-11-28, not {raw[:40]!r}."
        ) from None
