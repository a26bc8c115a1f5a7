"""Settings, read from CASELINK_* environment variables by the composition root (never at
import).
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting caselink reads; each is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="CASELINK_", extra="ignore")

    database_url: str = Field(
        default="caselink.db",
        description="SQLAlchemy URL or a SQLite file path; postgresql://... for PostgreSQL",
    )
    taxonomy_path: Path | None = Field(
        default=None, description="a behaviour taxonomy TOML file replacing the shipped default"
    )
    user: str | None = Field(default=None, description="the user the CLI acts as")
    why: str | None = Field(
        default=None, description="justification logged for reads of personal data"
    )
    recording_deadline_hours: float = Field(
        default=24.0, gt=0, description="hours allowed for the recording decision"
    )
    rape_cancellation_needs_authorisation: bool = Field(
        default=True, description="rape and N100 cancellations wait for a registrar"
    )
    authoriser_must_differ: bool = Field(
        default=True, description="the person asking for a cancellation may not authorise it"
    )
    import_batch_size: int = Field(
        default=10_000, gt=0, description="rows written per batch on import"
    )
    import_workers: int = Field(
        default=2,
        ge=0,
        description="processes parsing reports on import (0: parse in the importing process)",
    )
    token_days: int = Field(
        default=90, ge=1, le=366, description="days an API token lives unless issued with --days"
    )
    password_checks: int | None = Field(
        default=None,
        ge=1,
        description="passwords checked at once by one process (default: half the cores)",
    )
    address_failures: int = Field(
        default=30,
        ge=0,
        description="failed sign-ins from one address in 15 minutes before its sign-ins are "
        "refused unchecked (0: never)",
    )
    checkpoint_key_file: Path | None = Field(
        default=None,
        description="key file signing the history's checkpoints (kept outside the database)",
    )
    checkpoint_file: Path | None = Field(
        default=None,
        description="file the signed checkpoints are appended to (default: beside the key)",
    )
    history_check_seconds: float = Field(
        default=60.0,
        gt=0,
        description="how often the web server checks the newest history and checkpoints it",
    )
