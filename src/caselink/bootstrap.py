"""The composition root: settings -> engine -> database -> service context. Nothing else wires."""

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files

from caselink.config import Settings
from caselink.domain.behaviours import Taxonomy
from caselink.domain.errors import DomainError
from caselink.domain.rules.policy import ForcePolicy
from caselink.services.context import AccessPolicy, Context, HistoryAnchor, half_the_cores
from caselink.storage import schema
from caselink.storage.engine import database_url, make_engine
from caselink.storage.unit_of_work import Database


class NotInitialised(DomainError):
    """The database has no caselink schema yet, or an older one."""


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    context: Context
    database_url: str

    def initialise(self) -> str:
        """Create or migrate the schema; returns the revision now in place."""
        schema.upgrade(self.context.db.engine)
        return schema.head_revision()

    def require_schema(self) -> None:
        current = schema.current_revision(self.context.db.engine)
        if current != schema.head_revision():
            state = "has no caselink schema" if current is None else f"is at schema {current}"
            raise NotInitialised(
                f"the database {self.database_url} {state}: run `caselink init` first"
            )


def load_taxonomy(settings: Settings) -> Taxonomy:
    """The behaviour taxonomy: the configured file, or the one shipped with caselink."""
    if settings.taxonomy_path is not None:
        text = settings.taxonomy_path.read_text(encoding="utf-8")
    else:
        text = (files("caselink.data") / "behaviour_taxonomy.toml").read_text(encoding="utf-8")
    return Taxonomy.from_mapping(tomllib.loads(text))


def policy_of(settings: Settings) -> ForcePolicy:
    return ForcePolicy(
        recording_deadline=timedelta(hours=settings.recording_deadline_hours),
        rape_cancellation_needs_authorisation=settings.rape_cancellation_needs_authorisation,
        authoriser_must_differ=settings.authoriser_must_differ,
    )


def anchor_of(settings: Settings) -> HistoryAnchor | None:
    """Where checkpoints are kept, when a key is configured."""
    key = settings.checkpoint_key_file
    if key is None:
        return None
    return HistoryAnchor(key, settings.checkpoint_file or key.with_name(key.name + ".checkpoints"))


def build(settings: Settings | None = None, *, database: str | None = None) -> App:
    """Wire everything for one process; ``database`` (a URL or a path) overrides the settings."""
    settings = settings or Settings()
    url = database_url(database or settings.database_url)
    db = Database(make_engine(url))
    access = AccessPolicy(
        token_lifetime=timedelta(days=settings.token_days),
        password_checks=settings.password_checks or half_the_cores(),
        address_failures=settings.address_failures,
    )
    context = Context(
        db,
        load_taxonomy(settings),
        policy_of(settings),
        access=access,
        anchor=anchor_of(settings),
    )
    return App(settings, context, url)
