"""The one Settings object: environment variables plus an optional TOML file (``LNPILOT_CONFIG``).

Precedence: explicit init arguments > environment > TOML file > defaults. Defaults run with no
setup at all: simulated node, SQLite file under ``LNPILOT_DATA_DIR``, in-process cache.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator
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
    fee_change_floor_ppm: int = Field(10, ge=0)
    base_fee_change_floor_msat: int = Field(1_000, ge=0)
    time_lock_min: int = Field(18, ge=1)
    time_lock_max: int = Field(2016, ge=1)
    inbound_fee_rate_min_ppm: int = Field(-10_000, le=0)
    allow_positive_inbound_fees: bool = False
    cooldown_minutes: float = Field(60.0, ge=0)
    max_changes_per_channel_per_day: int = Field(3, ge=0)
    max_changes_per_node_per_day: int = Field(5, ge=0)
    rebalance_max_capacity_fraction: float = Field(0.5, gt=0, le=1)
    rebalance_max_cost_ppm: int = Field(5_000, ge=0)
    rebalance_min_amount_sat: int = Field(10_000, ge=0)
    # A rebalance may spend at most this share of what the target channel earned in the window.
    rebalance_max_budget_share: float = Field(0.5, ge=0, le=1)
    rebalance_budget_window_days: float = Field(30.0, gt=0)
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
    public_reads: bool = True
    cors_origins: tuple[str, ...] = ()
    rate_limit_per_minute: int = Field(600, ge=1)


class DaemonSettings(_Section):
    cycle_seconds: float = Field(600.0, gt=0)
    graph_refresh_seconds: float = Field(3600.0, gt=0)
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # After a failed cycle the daemon waits initial * 2^(failures-1) seconds, at most max.
    backoff_initial_seconds: float = Field(30.0, gt=0)
    backoff_max_seconds: float = Field(1800.0, gt=0)


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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    backend: Backend = Field("simnet", validation_alias=AliasChoices("LNPILOT_BACKEND", "backend"))
    data_dir: Path = Field(
        Path.home() / ".lnpilot", validation_alias=AliasChoices("LNPILOT_DATA_DIR", "data_dir")
    )
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
    log_format: Literal["console", "json"] = Field(
        "console", validation_alias=AliasChoices("LNPILOT_LOG_FORMAT", "log_format")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=AliasChoices("LNPILOT_LOG_LEVEL", "log_level")
    )
    profile: str = Field("balanced", validation_alias=AliasChoices("LNPILOT_PROFILE", "profile"))

    # Sections that live in the TOML file.
    limits: Limits = Limits()
    profiles: dict[str, dict[str, Any]] = {}
    channels: dict[str, ChannelOverride] = {}
    blacklist: Blacklist = Blacklist()
    execution: ExecutionSettings = ExecutionSettings()
    api: ApiSettings = ApiSettings()
    daemon: DaemonSettings = DaemonSettings()
    notify: NotifySettings = NotifySettings()
    store: StoreSettings = StoreSettings()
    sync: SyncSettings = SyncSettings()
    lnbits: LnbitsSettings = LnbitsSettings()

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
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"{where}: {err['msg']}")
        raise ConfigError("invalid setting " + "; ".join(problems)) from None


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, every secret replaced by a marker."""
    data = settings.model_dump(mode="json")
    data["database_url_effective"] = _redact_url(settings.database_url_effective)
    if settings.database_url is not None:
        data["database_url"] = _redact_url(settings.database_url.get_secret_value())
    if settings.redis_url is not None:
        data["redis_url"] = _redact_url(settings.redis_url.get_secret_value())
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


def semantic_problems(settings: Settings) -> list[str]:
    """Problems no single field validator can see: missing connection details for the backend."""
    problems: list[str] = []
    if settings.backend == "lnd":
        if settings.lnd_rest_url is None:
            problems.append("LND_REST_URL: required when LNPILOT_BACKEND=lnd")
        if settings.lnd_macaroon_path is None and settings.lnd_macaroon_hex is None:
            problems.append("LND_MACAROON_PATH or LND_MACAROON_HEX: required when LNPILOT_BACKEND=lnd")
        if settings.lnd_tls_cert_path is not None and not settings.lnd_tls_cert_path.is_file():
            problems.append(f"LND_TLS_CERT_PATH: no such file: {settings.lnd_tls_cert_path}")
        macaroon_path = settings.lnd_macaroon_path
        if (
            macaroon_path is not None
            and not str(macaroon_path).startswith("vault:")
            and not macaroon_path.is_file()
        ):
            problems.append(f"LND_MACAROON_PATH: no such file: {macaroon_path}")
    if settings.backend == "lnbits" and settings.lnbits_url is None:
        problems.append("LNBITS_URL: required when LNPILOT_BACKEND=lnbits")
    if settings.profile not in {"conservative", "balanced", "aggressive", *settings.profiles}:
        problems.append(f"LNPILOT_PROFILE: unknown profile {settings.profile!r}")
    return problems
