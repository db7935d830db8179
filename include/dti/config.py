"""Settings from the environment (and a `.env` file at the project root, if present).

Every setting has a working default for the embedded mode: an unset `DTI_WAREHOUSE_URL` means the
embedded PostgreSQL under `.local/`, an unset `DTI_PORTAL_URL` means the source simulator on
127.0.0.1. Secrets (source tokens, the pseudonymisation key) never have a default in code: in the
embedded mode they are generated once, on first use, into `.local/secrets/` (mode 0600). Each
URL and secret may come from an Airflow Connection instead (`dti_warehouse`, `dti_portal`, ...:
dti.connections), so from any Airflow secrets backend; a `DTI_*` variable wins.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from dti.connections import secret

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _load_dotenv(root: Path) -> None:
    env_file = root / ".env"
    if env_file.is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)


@dataclass(frozen=True)
class Settings:
    home: Path
    local_dir: Path
    data_dir: Path
    warehouse_url: str | None
    warehouse_port: int
    simulator_host: str
    simulator_port: int
    portal_url: str | None
    province_code: str
    http_page_size: int
    http_timeout: float
    http_retries: int
    load_workers: int
    inbox_dir: Path | None = None
    alert_webhook: str | None = None
    """URL that failed tasks are POSTed to as JSON (DTI_ALERT_WEBHOOK)."""
    alert_email: str | None = None
    """Address that failed tasks are mailed to (DTI_ALERT_EMAIL, through DTI_SMTP_HOST)."""
    smtp_host: str | None = None
    smtp_port: int = 25
    """Where file-drop sources leave their files (``<inbox>/<source>/<entity>/``); by default
    ``DATA_DIR/inbox``."""
    _portal_token: str | None = field(default=None, repr=False)
    _pseudonym_key: str | None = field(default=None, repr=False)
    health_url: str | None = None
    _health_token: str | None = field(default=None, repr=False)
    # An object-store folder mirroring the landing zone, for workers that share no volume
    # (dti.storage); None: DATA_DIR alone.
    landing_url: str | None = None
    police_url: str | None = None
    _police_token: str | None = field(default=None, repr=False)
    catchup_from: date | None = None
    """First local day the scheduler's nightly runs catch up from (DTI_CATCHUP_FROM,
    YYYY-MM-DD); by default none: a scheduler started today runs yesterday's night, then each
    night as it closes, and never launches the years before it."""
    split_weights_file: Path | None = None
    """Population weights of communes divided by the 2025 reform (DTI_SPLIT_WEIGHTS_FILE, a
    CSV from_code,to_code,weight); by default their areas' shares (docs/geography.md)."""

    @property
    def embedded_warehouse(self) -> bool:
        return self.warehouse_url is None

    @property
    def embedded_simulator(self) -> bool:
        return self.portal_url is None

    @property
    def inbox(self) -> Path:
        """The file-drop inbox: ``DTI_INBOX_DIR``, else ``DATA_DIR/inbox``."""
        return self.inbox_dir or self.data_dir / "inbox"

    @property
    def secrets_dir(self) -> Path:
        return self.local_dir / "secrets"

    @property
    def effective_portal_url(self) -> str:
        return self.portal_url or f"http://{self.simulator_host}:{self.simulator_port}"

    @property
    def portal_token(self) -> str:
        if self._portal_token:
            return self._portal_token
        if not self.embedded_simulator:
            raise RuntimeError(
                "DTI_PORTAL_URL points to a real portal but DTI_PORTAL_TOKEN is not set: "
                "set it in the environment or in .env"
            )
        return _local_secret(self.secrets_dir / "simulator.token")

    @property
    def effective_health_url(self) -> str:
        return self.health_url or f"http://{self.simulator_host}:{self.simulator_port}"

    @property
    def health_token(self) -> str:
        if self._health_token:
            return self._health_token
        if self.health_url is not None:
            raise RuntimeError(
                "DTI_HEALTH_URL points to a real facility registry but DTI_HEALTH_TOKEN is not "
                "set: set it in the environment or in .env"
            )
        return self.portal_token  # the simulator serves every source with one token

    @property
    def effective_police_url(self) -> str:
        return self.police_url or f"http://{self.simulator_host}:{self.simulator_port}"

    @property
    def police_token(self) -> str:
        if self._police_token:
            return self._police_token
        if self.police_url:
            raise RuntimeError(
                "DTI_POLICE_URL points to a real police system but DTI_POLICE_TOKEN is not set: "
                "set it in the environment or in .env"
            )
        return self.portal_token  # the simulator serves every source with one token

    @property
    def pseudonym_key(self) -> bytes:
        if self._pseudonym_key:
            return self._pseudonym_key.encode()
        if not self.embedded_warehouse:
            raise RuntimeError(
                "DTI_PSEUDONYM_KEY is not set: a real deployment must configure the key that "
                "pseudonymises personal identifiers (keep it stable, or joins across loads break)"
            )
        return _local_secret(self.secrets_dir / "pseudonym.key").encode()

    @property
    def airflow_home(self) -> Path:
        return Path(os.environ.get("AIRFLOW_HOME", self.local_dir / "airflow"))

    @property
    def dbt_project_dir(self) -> Path:
        return self.home / "dbt_project"


def _local_secret(path: Path) -> str:
    """A random secret kept in a 0600 file, created on first use (embedded mode only)."""
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, value.encode())
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return value


def _catchup_from(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"DTI_CATCHUP_FROM={text!r} is not a day: give YYYY-MM-DD (the first night the "
            "scheduler should run), or leave it unset to start from yesterday"
        ) from None


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; `env` replaces `os.environ` (tests)."""
    home = Path(os.environ.get("DTI_HOME", PROJECT_ROOT)).resolve()
    if env is None:
        _load_dotenv(home)
        env = dict(os.environ)
    local_dir = Path(env.get("DTI_LOCAL_DIR", home / ".local")).resolve()
    warehouse, portal, health, police, key = (
        secret(name, env) for name in ("warehouse", "portal", "health", "police", "pseudonym_key")
    )
    return Settings(
        home=home,
        local_dir=local_dir,
        data_dir=Path(env.get("DTI_DATA_DIR", local_dir / "data")).resolve(),
        warehouse_url=env.get("DTI_WAREHOUSE_URL") or (warehouse and warehouse.postgres_url()),
        warehouse_port=int(env.get("DTI_WAREHOUSE_PORT", "55432")),
        simulator_host=env.get("DTI_SIMULATOR_HOST", "127.0.0.1"),
        simulator_port=int(env.get("DTI_SIMULATOR_PORT", "8765")),
        portal_url=env.get("DTI_PORTAL_URL") or (portal and portal.url()),
        province_code=env.get("DTI_PROVINCE_CODE", "24"),
        http_page_size=int(env.get("DTI_HTTP_PAGE_SIZE", "5000")),
        http_timeout=float(env.get("DTI_HTTP_TIMEOUT", "60")),
        http_retries=int(env.get("DTI_HTTP_RETRIES", "5")),
        load_workers=max(1, int(env.get("DTI_LOAD_WORKERS", "2"))),
        inbox_dir=Path(env["DTI_INBOX_DIR"]).resolve() if env.get("DTI_INBOX_DIR") else None,
        alert_webhook=env.get("DTI_ALERT_WEBHOOK") or None,
        alert_email=env.get("DTI_ALERT_EMAIL") or None,
        smtp_host=env.get("DTI_SMTP_HOST") or None,
        smtp_port=int(env.get("DTI_SMTP_PORT", "25")),
        _portal_token=env.get("DTI_PORTAL_TOKEN") or (portal and portal.password),
        _pseudonym_key=env.get("DTI_PSEUDONYM_KEY") or (key and key.password),
        health_url=env.get("DTI_HEALTH_URL") or (health and health.url()),
        _health_token=env.get("DTI_HEALTH_TOKEN") or (health and health.password),
        landing_url=env.get("DTI_LANDING_URL") or None,
        police_url=env.get("DTI_POLICE_URL") or (police and police.url()),
        _police_token=env.get("DTI_POLICE_TOKEN") or (police and police.password),
        catchup_from=_catchup_from(env.get("DTI_CATCHUP_FROM")),
        split_weights_file=(
            Path(env["DTI_SPLIT_WEIGHTS_FILE"]).resolve()
            if env.get("DTI_SPLIT_WEIGHTS_FILE")
            else None
        ),
    )
