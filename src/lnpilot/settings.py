"""The one Settings object: environment variables plus an optional TOML file (``LNPILOT_CONFIG``).

Precedence: explicit init arguments > environment > TOML file > defaults. Defaults run with no
setup at all: simulated node, SQLite file under ``LNPILOT_DATA_DIR``, in-process cache.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lnpilot.errors import ConfigError

Backend = Literal["simnet", "lnd", "lnbits"]
ExecutionMode = Literal["shadow", "pilot", "live"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Section):
    """Safety limits the PolicyValidator enforces (DOMAIN.md section 5 defaults)."""

    fee_rate_min_ppm: int = Field(1, ge=0)
    fee_rate_max_ppm: int = Field(10_000, ge=0)
    base_fee_min_msat: int = Field(0, ge=0)
    base_fee_max_msat: int = Field(10_000, ge=0)
    max_fee_change_pct: float = Field(50.0, gt=0, le=1000)
    # A move of up to this much is always allowed, so fees near zero can still move in steps.
    fee_change_floor_ppm: int = Field(50, ge=0)
    base_fee_change_floor_msat: int = Field(1_000, ge=0)
    time_lock_min: int = Field(18, ge=1)
    time_lock_max: int = Field(2016, ge=1)
    inbound_fee_rate_min_ppm: int = Field(-10_000, le=0)
    allow_positive_inbound_fees: bool = False
    cooldown_minutes: float = Field(60.0, ge=0)
    max_changes_per_channel_per_day: int = Field(3, ge=0)
    # Node-wide fee changes per 24 h: the smaller of this hard ceiling and
    # ceil(max_changes_per_node_per_day_per_channel x channels), so the cap scales with the node.
    max_changes_per_node_per_day: int = Field(500, ge=0)
    max_changes_per_node_per_day_per_channel: float = Field(2.0, ge=0)
    rebalance_max_capacity_fraction: float = Field(0.5, gt=0, le=1)
    rebalance_max_cost_ppm: int = Field(5_000, ge=0)
    rebalance_min_amount_sat: int = Field(10_000, ge=0)
    # A rebalance may spend at most this share of what the target channel earned in the window.
    rebalance_max_budget_share: float = Field(0.5, ge=0, le=1)
    rebalance_budget_window_days: float = Field(30.0, gt=0)
    # Enforced from the store's rebalance history (issue 17 item 3). A day between rebalances of a
    # channel follows LNDg's 24 h cadence; the caps bound what a run of bad estimates can spend.
    rebalance_cooldown_hours: float = Field(24.0, ge=0)
    max_rebalances_per_day: int = Field(3, ge=0)
    rebalance_daily_spend_cap_sat: int = Field(2_000, ge=0)
    rebalance_weekly_spend_cap_sat: int = Field(10_000, ge=0)
    allow_close: bool = False

    @model_validator(mode="after")
    def _ranges(self) -> Limits:
        if self.fee_rate_min_ppm > self.fee_rate_max_ppm:
            raise ValueError("fee_rate_min_ppm must not exceed fee_rate_max_ppm")
        if self.base_fee_min_msat > self.base_fee_max_msat:
            raise ValueError("base_fee_min_msat must not exceed base_fee_max_msat")
        if self.time_lock_min > self.time_lock_max:
            raise ValueError("time_lock_min must not exceed time_lock_max")
        return self


class ChannelOverride(_Section):
    """Per-channel operator overrides, keyed by chan_id or short channel id in TOML."""

    pin: bool = False  # never touch this channel's policy
    exclude: bool = False  # leave the channel out of every decision
    fee_rate_min_ppm: int | None = Field(None, ge=0)
    fee_rate_max_ppm: int | None = Field(None, ge=0)


class Blacklist(_Section):
    channels: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()


class ExecutionSettings(_Section):
    mode: ExecutionMode = "shadow"
    pilot_channels: tuple[str, ...] = ()
    max_retries: int = Field(3, ge=0, le=10)
    rollback_window_hours: float = Field(24.0, gt=0)
    rollback_drop_threshold: float = Field(0.5, gt=0, lt=1)
    rollback_min_forwards: int = Field(10, ge=1)


class ApiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Our channels, decisions and transactions (balances, peers, the money log) need a key unless
    # this is set; the public graph's scores and rankings are open unless public_scores is false.
    public_reads: bool = False
    public_scores: bool = True
    cors_origins: tuple[str, ...] = ()
    rate_limit_per_minute: int = Field(600, ge=1)
    # Requests with an unknown key, per client address and minute, before every request from that
    # address answers 429 for the rest of the window.
    auth_failures_per_minute: int = Field(10, ge=1)
    # X-Forwarded-For / X-Forwarded-Proto are believed only from these addresses (uvicorn's
    # forwarded_allow_ips); empty: never, so a client cannot pick its own rate-limit identity.
    trusted_proxies: tuple[str, ...] = ()
    max_body_bytes: int = Field(1_048_576, ge=1024)
    ready_cache_seconds: float = Field(5.0, ge=0)


class WebSettings(_Section):
    """The dashboard at /ui (docs/web.md). Sign-in is by API key, or by this password when set."""

    # ``lnpilot web hash-password`` prints one (scrypt); the password itself is never stored.
    password_hash: SecretStr | None = None
    # HMAC key of the session cookie; unset: a random key per process (sessions end on restart).
    session_secret: SecretStr | None = None
    session_hours: float = Field(12.0, gt=0, le=24 * 30)
    live_poll_seconds: float = Field(15.0, ge=0.2, le=3600)  # pages check for a finished cycle


class DaemonSettings(_Section):
    cycle_seconds: float = Field(600.0, gt=0)
    graph_refresh_seconds: float = Field(3600.0, gt=0)
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # After a failed cycle the daemon waits initial * 2^(failures-1) seconds, at most max.
    backoff_initial_seconds: float = Field(30.0, gt=0)
    backoff_max_seconds: float = Field(1800.0, gt=0)
    # Stay subscribed to LND's HTLC events between cycles (failed forwards; LND never stores them).
    htlc_events: bool = True


class NotifySettings(_Section):
    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    email_from: str | None = None
    email_to: tuple[str, ...] = ()
    throttle_seconds: float = Field(900.0, ge=0)


class StoreSettings(_Section):
    """Retention of history tables (days; 0 keeps everything)."""

    channel_snapshot_retention_days: float = Field(90.0, ge=0)
    graph_snapshot_retention_days: float = Field(30.0, ge=0)
    score_history_retention_days: float = Field(180.0, ge=0)
    htlc_failure_retention_days: float = Field(90.0, ge=0)  # failed HTLCs from LND's event stream


class SyncSettings(_Section):
    forwards_page_size: int = Field(5_000, ge=1)  # events committed per transaction (a crash loses one page)
    forwards_overlap_s: int = Field(3_600, ge=0)  # re-read before the mark; dedup makes it harmless
    initial_lookback_days: float | None = Field(None, gt=0)  # first sync: None reads all history


class LnbitsSettings(_Section):
    """What LNbits cannot tell lnpilot, and what lnpilot may do through it (docs/backends.md)."""

    # A describegraph/listchannels snapshot (path or http(s) URL): the public graph, and our
    # channels' time locks and HTLC limits, which LNbits does not report.
    graph_source: str | None = None
    graph_refresh_seconds: float = Field(3600.0, gt=0)
    # LNbits sets time_lock_delta 80 on every fee change: allow that on channels whose time lock differs.
    allow_time_lock_reset: bool = False


class EconomicsSettings(_Section):
    """On-chain costs and channel closes (``[economics]``)."""

    # A mempool.space-compatible API (many nodes run their own mempool); None: costs unknown.
    fee_api_url: HttpUrl | None = None
    fee_api_timeout_s: float = Field(10.0, gt=0, le=120)
    close_allow_list: tuple[str, ...] = ()  # channel ids or channel points lnpilot may close
    close_target: Literal["fastest", "half_hour", "hour", "economy"] = "hour"
    allow_force_close: bool = False
    force_close_after_offline_hours: float = Field(336.0, gt=0)  # two weeks of the peer away
    close_vbytes: int = Field(200, gt=0)  # a cooperative close of a two-output tx, for cost estimates


# The node every single-node setting describes; `[nodes.NAME]` tables add more (issue 25).
DEFAULT_NODE = "default"
_NODE_NAME = r"[a-z0-9_]{1,40}"
# A PostgreSQL URL's query parameter naming the schema lnpilot keeps its tables in (search_path).
SCHEMA_PARAM = "lnpilot_schema"


class NodeSettings(_Section):
    """One node of a fleet (``[nodes.NAME]``): its backend, profile and store, over the top level.

    Every field left out is taken from the top-level settings, except ``data_dir`` (default:
    ``<data_dir>/nodes/NAME``) and ``database_url`` (default: the top-level PostgreSQL database
    with the schema ``lnpilot_node_NAME``, or a SQLite file in the node's data dir), so that no
    two nodes ever share their tables.
    """

    backend: Backend | None = None
    lnd_rest_url: HttpUrl | None = None
    lnd_macaroon_path: Path | None = None
    lnd_macaroon_hex: SecretStr | None = None
    lnd_tls_cert_path: Path | None = None
    lnd_connect_uri: SecretStr | None = None
    lnbits_url: HttpUrl | None = None
    lnbits_api_key: SecretStr | None = None
    lnbits_username: str | None = None
    lnbits_password: SecretStr | None = None
    profile: str | None = None
    database_url: SecretStr | None = None
    data_dir: Path | None = None
    limits: Limits | None = None
    execution: ExecutionSettings | None = None
    daemon: DaemonSettings | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    backend: Backend = Field("simnet", validation_alias=AliasChoices("LNPILOT_BACKEND", "backend"))
    data_dir: Path = Field(
        Path.home() / ".lnpilot", validation_alias=AliasChoices("LNPILOT_DATA_DIR", "data_dir")
    )
    # Where the node locks of this host live (store.host_lock): every lnpilot of the user meets
    # there, whatever its data dir. None: ~/.local/state/lnpilot/locks. Share one directory to
    # make several users (or containers with a shared volume) exclude each other.
    lock_dir: Path | None = Field(None, validation_alias=AliasChoices("LNPILOT_LOCK_DIR", "lock_dir"))
    lnd_rest_url: HttpUrl | None = Field(None, validation_alias=AliasChoices("LND_REST_URL", "lnd_rest_url"))
    lnd_macaroon_path: Path | None = Field(
        None, validation_alias=AliasChoices("LND_MACAROON_PATH", "lnd_macaroon_path")
    )
    lnd_macaroon_hex: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LND_MACAROON_HEX", "lnd_macaroon_hex")
    )
    lnd_tls_cert_path: Path | None = Field(
        None, validation_alias=AliasChoices("LND_TLS_CERT_PATH", "lnd_tls_cert_path")
    )
    # One string for the node (lndconnect://HOST:PORT?cert=...&macaroon=...); it replaces the three above.
    lnd_connect_uri: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LND_CONNECT_URI", "lnd_connect_uri")
    )
    lnbits_url: HttpUrl | None = Field(None, validation_alias=AliasChoices("LNBITS_URL", "lnbits_url"))
    lnbits_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LNBITS_API_KEY", "lnbits_api_key")
    )
    lnbits_username: str | None = Field(
        None, validation_alias=AliasChoices("LNBITS_USERNAME", "lnbits_username")
    )
    lnbits_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LNBITS_PASSWORD", "lnbits_password")
    )
    macaroon_encryption_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("MACAROON_ENCRYPTION_KEY", "macaroon_encryption_key")
    )
    database_url: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    redis_url: SecretStr | None = Field(None, validation_alias=AliasChoices("REDIS_URL", "redis_url"))
    # RabbitMQ for background jobs (`lnpilot worker`, `lnpilot arena --workers`); results go to REDIS_URL.
    broker_url: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LNPILOT_BROKER_URL", "broker_url")
    )
    log_format: Literal["console", "json"] = Field(
        "console", validation_alias=AliasChoices("LNPILOT_LOG_FORMAT", "log_format")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=AliasChoices("LNPILOT_LOG_LEVEL", "log_level")
    )
    profile: str = Field("balanced", validation_alias=AliasChoices("LNPILOT_PROFILE", "profile"))
    # Credentials over plain http:// to a host other than loopback: refused unless this is set.
    allow_insecure_http: bool = Field(
        False, validation_alias=AliasChoices("LNPILOT_ALLOW_INSECURE_HTTP", "allow_insecure_http")
    )

    # Sections that live in the TOML file.
    limits: Limits = Limits()
    profiles: dict[str, dict[str, Any]] = {}
    channels: dict[str, ChannelOverride] = {}
    blacklist: Blacklist = Blacklist()
    execution: ExecutionSettings = ExecutionSettings()
    api: ApiSettings = ApiSettings()
    web: WebSettings = WebSettings()
    daemon: DaemonSettings = DaemonSettings()
    notify: NotifySettings = NotifySettings()
    store: StoreSettings = StoreSettings()
    sync: SyncSettings = SyncSettings()
    lnbits: LnbitsSettings = LnbitsSettings()
    economics: EconomicsSettings = EconomicsSettings()
    # A fleet: several nodes in one configuration (docs/scale.md). Empty: the one node above.
    nodes: dict[str, NodeSettings] = {}
    # Which node these settings describe (set by ``select_node``; None: the top-level node).
    node: str | None = Field(None, validation_alias=AliasChoices("LNPILOT_NODE", "node"))

    @field_validator("nodes")
    @classmethod
    def _node_names(cls, nodes: dict[str, NodeSettings]) -> dict[str, NodeSettings]:
        import re

        for name in nodes:
            if not re.fullmatch(_NODE_NAME, name) or name == DEFAULT_NODE:
                raise ValueError(
                    f"{name[:48]!r}: a node name is 1-40 of a-z, 0-9 and '_' (and not {DEFAULT_NODE!r})"
                )
        return nodes

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def database_url_effective(self) -> str:
        """The SQLAlchemy URL in use: ``DATABASE_URL`` or a SQLite file in the data dir."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{self.data_dir / 'lnpilot.db'}"


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the file named by ``LNPILOT_CONFIG`` at construction time, if any."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = os.environ.get("LNPILOT_CONFIG")
        self._data: dict[str, Any] = _read_toml(Path(path)) if path else {}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        # Emit each value under the field's first alias so that the environment's value for the
        # same field (same key) takes precedence when pydantic-settings merges the sources.
        out: dict[str, Any] = {}
        for key, value in self._data.items():
            field = self.settings_cls.model_fields.get(key)
            alias = getattr(field, "validation_alias", None) if field is not None else None
            choices = getattr(alias, "choices", None)
            out[str(choices[0]) if choices else key] = value
        return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"LNPILOT_CONFIG: no such file: {path}") from exc
    except OSError as exc:  # a directory, no permission, ...
        raise ConfigError(
            f"LNPILOT_CONFIG: cannot read {path} ({exc.strerror or type(exc).__name__})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"LNPILOT_CONFIG: {path} is not valid TOML: {exc}") from exc


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one ``ConfigError`` line per problem."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            where = ".".join(str(p) for p in (_toml_name(loc[0]), *loc[1:])) if loc else "settings"
            problems.append(f"{where}: {err['msg']}")
        raise ConfigError("invalid setting " + "; ".join(problems)) from None


def _toml_name(first: object) -> object:
    """A field's error location says its env var; name the TOML key when the env var is unset."""
    if not isinstance(first, str) or first in os.environ:
        return first
    for name, field in Settings.model_fields.items():
        choices = getattr(field.validation_alias, "choices", None)
        if choices and first == choices[0]:
            return name
    return first


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, every secret replaced by a marker."""
    data = settings.model_dump(mode="json")
    data["database_url_effective"] = _redact_url(settings.database_url_effective)
    if settings.database_url is not None:
        data["database_url"] = _redact_url(settings.database_url.get_secret_value())
    if settings.redis_url is not None:
        data["redis_url"] = _redact_url(settings.redis_url.get_secret_value())
    if settings.broker_url is not None:
        data["broker_url"] = _redact_url(settings.broker_url.get_secret_value())
    return data


def _redact_url(url: str) -> str:
    """Keep scheme, host and path of a URL; drop any password in it."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = parts.username or ""
    netloc = f"{user}:**********@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _named(env: str, toml: str) -> str:
    """How the operator wrote a setting: its env var when set there, else its TOML key."""
    return env if os.environ.get(env) is not None else toml


def _channel_selector_problem(value: str) -> str | None:
    """A channel selector is a chan_id, a short channel id or a channel point (``txid:index``)."""
    from lnpilot.domain.ids import ShortChannelId, parse_channel_point
    from lnpilot.errors import InvalidInputError

    try:
        if ":" in value:
            parse_channel_point(value)
        elif ShortChannelId.parse(value).block == 0:
            return f"{value!r} is not a channel id (block 0)"
    except InvalidInputError:
        return f"{value!r} is not a chan_id, short channel id (BLOCKxTXxOUT) or channel point"
    return None


def _selector_problems(settings: Settings) -> list[str]:
    from lnpilot.domain.ids import is_pubkey

    problems: list[str] = []
    named = [("channels", key) for key in settings.channels]
    named += [("blacklist.channels", value) for value in settings.blacklist.channels]
    named += [("execution.pilot_channels", value) for value in settings.execution.pilot_channels]
    for where, value in named:
        problem = _channel_selector_problem(value)
        if problem:
            problems.append(f"{where}: {problem}")
    for peer in settings.blacklist.peers:
        if not is_pubkey(peer):
            problems.append(f"blacklist.peers: {peer!r} is not a node public key (66 lowercase hex, 02/03)")
    return problems


def _notify_problems(n: NotifySettings) -> list[str]:
    """The same rules ``notify.channels_from_settings`` enforces at start-up, found ahead of time."""
    problems: list[str] = []
    if bool(n.telegram_bot_token) != bool(n.telegram_chat_id):
        problems.append("notify.telegram_bot_token and notify.telegram_chat_id: set both or neither")
    if n.webhook_url and not n.webhook_secret:
        problems.append("notify.webhook_url: needs notify.webhook_secret (receivers verify the signature)")
    if n.webhook_secret and not n.webhook_url:
        problems.append("notify.webhook_secret: set without notify.webhook_url")
    if (n.smtp_host or n.email_to or n.email_from) and not (n.smtp_host and n.email_from and n.email_to):
        problems.append("notify.smtp_host, notify.email_from and notify.email_to: set all three or none")
    if n.smtp_password and not n.smtp_username:
        problems.append("notify.smtp_password: needs notify.smtp_username")
    return problems


def _transport_problems(settings: Settings) -> list[str]:
    from lnpilot.backends.http import check_transport

    problems: list[str] = []
    urls = {"lnd": ("LND_REST_URL", "lnd_rest_url"), "lnbits": ("LNBITS_URL", "lnbits_url")}
    for backend, (env, toml) in urls.items():
        url = getattr(settings, toml)
        if url is None or settings.allow_insecure_http:
            continue
        if settings.backend != backend and not (backend == "lnd" and settings.backend == "simnet"):
            continue
        try:
            check_transport(str(url), _named(env, toml))
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


def semantic_problems(settings: Settings) -> list[str]:
    """Problems no single field validator can see: everything a later command would refuse."""
    problems: list[str] = []
    if settings.backend == "lnd" and settings.lnd_connect_uri is not None:
        problems.extend(_lndconnect_problems(settings.lnd_connect_uri))
    elif settings.backend == "lnd":
        if settings.lnd_rest_url is None:
            problems.append("LND_REST_URL (TOML: lnd_rest_url): required when backend is lnd")
        if settings.lnd_macaroon_path is None and settings.lnd_macaroon_hex is None:
            problems.append(
                "LND_MACAROON_PATH or LND_MACAROON_HEX (TOML: lnd_macaroon_path / lnd_macaroon_hex): "
                "required when backend is lnd"
            )
        if settings.lnd_tls_cert_path is not None and not settings.lnd_tls_cert_path.is_file():
            where = _named("LND_TLS_CERT_PATH", "lnd_tls_cert_path")
            problems.append(f"{where}: no such file: {settings.lnd_tls_cert_path}")
        macaroon_path = settings.lnd_macaroon_path
        if (
            macaroon_path is not None
            and not str(macaroon_path).startswith("vault:")
            and not macaroon_path.is_file()
        ):
            problems.append(
                f"{_named('LND_MACAROON_PATH', 'lnd_macaroon_path')}: no such file: {macaroon_path}"
            )
    if settings.backend == "lnbits" and settings.lnbits_url is None:
        problems.append("LNBITS_URL (TOML: lnbits_url): required when backend is lnbits")
    if settings.profile not in {"conservative", "balanced", "aggressive", *settings.profiles}:
        problems.append(f"{_named('LNPILOT_PROFILE', 'profile')}: unknown profile {settings.profile!r}")
    if settings.macaroon_encryption_key is not None:
        from lnpilot.backends.vault import key_problem

        weak = key_problem(settings.macaroon_encryption_key.get_secret_value())
        if weak:
            problems.append(f"{_named('MACAROON_ENCRYPTION_KEY', 'macaroon_encryption_key')}: {weak}")
    return (
        problems
        + _transport_problems(settings)
        + _selector_problems(settings)
        + _notify_problems(settings.notify)
    )


def _lndconnect_problems(uri: SecretStr) -> list[str]:
    from lnpilot.backends.lndconnect import parse_lndconnect

    try:
        parse_lndconnect(uri.get_secret_value())
    except ConfigError as exc:
        return [str(exc)]
    return []


def node_names(settings: Settings) -> list[str]:
    """The fleet's nodes: the ``[nodes.NAME]`` tables, or the one top-level node when there are none."""
    return sorted(settings.nodes) or [DEFAULT_NODE]


def node_schema(name: str) -> str:
    return f"lnpilot_node_{name}"


def select_node(settings: Settings, name: str | None) -> Settings:
    """The settings of node ``name``: its ``[nodes.NAME]`` table over the top-level settings.

    ``None`` or ``"default"`` is the top-level node itself, so a single-node configuration is
    unchanged. An unknown name is a ConfigError naming the configured ones.
    """
    if name is None or name == DEFAULT_NODE:
        return settings
    node = settings.nodes.get(name)
    if node is None:
        known = ", ".join(node_names(settings)) if settings.nodes else f"none (only {DEFAULT_NODE!r})"
        raise ConfigError(f"unknown node {name!r}; configured nodes: {known}")
    update: dict[str, Any] = {
        key: value for key in NodeSettings.model_fields if (value := getattr(node, key)) is not None
    }
    update.setdefault("data_dir", settings.data_dir / "nodes" / name)
    if "database_url" not in update:
        update["database_url"] = _node_database_url(settings, name)
    update["node"] = name
    return settings.model_copy(update=update)


def _node_database_url(settings: Settings, name: str) -> SecretStr | None:
    """The top-level PostgreSQL database with the node's own schema; None (SQLite in the node's
    data dir) when the top level is SQLite."""
    if settings.database_url is None:
        return None
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url.get_secret_value())
    if not url.get_backend_name().startswith("postgres"):
        return None
    return SecretStr(
        url.update_query_dict({SCHEMA_PARAM: node_schema(name)}).render_as_string(hide_password=False)
    )
