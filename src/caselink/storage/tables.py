"""The database schema as SQLAlchemy Core tables. Alembic migrations reproduce exactly this."""

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import Date, TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite keeps no offset, so times are stored there as naive UTC and given their zone back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} would be ambiguous; give it a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TZ = UtcDateTime()
# SQLite has only 64-bit integer row ids; BigInteger would not autoincrement there.
ID = BigInteger().with_variant(Integer(), "sqlite")

reports = Table(
    "reports",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("force", String(64), nullable=False),
    Column("reference", String(128), nullable=False),
    Column("reported_at", TZ, nullable=False),
    Column("occurred_from", TZ),
    Column("occurred_to", TZ),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("x", Float),
    Column("y", Float),
    Column("area_code", String(32)),
    Column("offence_code", String(8)),
    Column("status", String(16), nullable=False),
    Column("narrative", Text, nullable=False, default=""),
    Column("recording_rationale", Text),
    Column("decided_at", TZ),
    Column("offender_sex", String(16)),
    Column("offender_age_band", String(16)),
    Column("offender_height", String(16)),
    Column("offender_build", String(64)),
    Column("offender_ethnic_appearance", String(64)),
    Column("offender_accent", String(64)),
    Column("offender_marks", Text),
    Column("relationship", String(32)),
    # Behaviours as "domain:code|domain:code" and free attributes as a JSON object of lists:
    # kept on the report row because they are read with it, and a row per value made import
    # three times slower (bench/import_bench.py).
    Column("behaviours", Text, nullable=False, default=""),
    Column("attributes", Text, nullable=False, default="{}"),
    # What the report came from and the digest of its source row: re-importing the same row
    # is recognised as unchanged, a different row under the same key is refused.
    Column("source", String(32), nullable=False),
    Column("source_digest", String(64)),
    Column("version", Integer, nullable=False),
    UniqueConstraint("force", "reference"),
    # The report list filters on force, status and offence and shows the newest first: each
    # index ends in reported_at so a filtered page is read in order, not sorted. The offence
    # index also carries force and status, so write-off counts by force never touch the rows.
    Index("ix_reports_status_force_reported", "status", "force", "reported_at"),
    Index("ix_reports_force_reported", "force", "reported_at"),
    Index("ix_reports_reported_at", "reported_at"),
    Index("ix_reports_offence_reported", "offence_code", "reported_at", "force", "status"),
)

cancellations = Table(
    "cancellations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("code", String(4), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("evidence", Text),
    Column("requested_by", String(128), nullable=False),
    Column("requested_at", TZ, nullable=False),
    Column("state", String(16), nullable=False),
    Column("decided_by", String(128)),
    Column("decided_at", TZ),
    Column("decision_note", Text),
    Column("complainant_informed_at", TZ),
    Index("ix_cancellations_report_id", "report_id"),
    Index("ix_cancellations_state", "state"),
)

persons = Table(
    "persons",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    # source_id when the record has one, else a digest of its content: the re-import key
    Column("person_key", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("source_id", String(128)),
    Column("forename", String(128)),
    Column("surname", String(128)),
    Column("aliases", Text),
    Column("dob_as_given", String(64)),
    Column("dob", Date),
    Column("address", Text),
    Column("postcode", String(16)),
    Column("phone", String(32)),
    Column("identifiers", Text),
    UniqueConstraint("report_id", "person_key"),
    Index("ix_persons_surname", "surname"),
)

offenders = Table(
    "offenders",
    metadata,
    Column("offender_id", String(128), nullable=False),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    UniqueConstraint("offender_id", "report_id"),
    Index("ix_offenders_report_id", "report_id"),
)

# The append-only log. Each event's hash covers its own content and the previous hash, so any
# edit, deletion or reordering breaks the chain from that point on.
events = Table(
    "events",
    metadata,
    Column("seq", ID, primary_key=True, autoincrement=False),
    Column("report_id", ID, ForeignKey("reports.id")),
    Column("kind", String(32), nullable=False),
    Column("force", String(64)),
    Column("reference", String(128)),
    Column("actor", String(128), nullable=False),
    Column("at", TZ, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_report_id", "report_id"),
)

# One row: the last sequence number and hash. Appenders lock it, so the chain never forks, and
# a truncated tail shows as a head that no longer matches the last event.
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", ID, nullable=False),
    Column("hash", String(64), nullable=False),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", TZ, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(32), nullable=False),
    Column("force", String(64)),
    Column("reference", String(128)),
    Column("justification", Text, nullable=False),
    Column("detail", Text),
    Index("ix_access_log_at", "at"),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", TZ),
    Column("created_at", TZ, nullable=False),
    Column("created_by", String(128), nullable=False),
    # Where the user belongs: a force (its canonical name) or a national unit, never both.
    Column("force", String(64)),
    Column("unit", String(64)),
)

# Failed sign-ins by the network address they came from, kept a sign-in window (see
# services.sign_in_watch): shared by every server process, kept over a restart, and released
# by an administrator. Older rows are deleted as new failures come.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("address", String(64), nullable=False),
    Column("at", TZ, nullable=False),
    Index("ix_sign_in_failures_address_at", "address", "at"),
    Index("ix_sign_in_failures_at", "at"),
)

# Who owns a report when it is no longer the force that recorded it: the receiving force of a
# transfer (C1), once its registrar accepted it. A report with no row is its own force's.
report_owners = Table(
    "report_owners",
    metadata,
    Column("report_id", ID, ForeignKey("reports.id"), primary_key=True, autoincrement=False),
    Column("force", String(64), nullable=False),
    Column("accepted_by", String(128), nullable=False),
    Column("accepted_at", TZ, nullable=False),
    Index("ix_report_owners_force", "force"),
)

# A request to read another force's report in full, and the owning force's answer: appended
# and updated in place only to record the decision; a grant lapses at expires_at.
access_grants = Table(
    "access_grants",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("requested_by", String(128), nullable=False),
    Column("force", String(64), nullable=False),  # the owning force
    Column("reference", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_at", TZ, nullable=False),
    Column("state", String(16), nullable=False),  # pending | granted | refused
    Column("decided_by", String(128)),
    Column("decided_at", TZ),
    Column("note", Text),
    Column("expires_at", TZ),
    Index("ix_access_grants_reader", "requested_by", "force", "reference"),
    Index("ix_access_grants_force_state", "force", "state"),
)

# -- sessions and tokens (web application and JSON API) -----------------------------------

web_sessions = Table(
    "web_sessions",
    metadata,
    # The SHA-256 of the session cookie's value: a stolen database does not yield live sessions.
    Column("id_hash", String(64), primary_key=True),
    Column("user_name", String(128), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("justification", Text),  # chosen once per session for the access log
    Column("created_at", TZ, nullable=False),
    Column("expires_at", TZ, nullable=False),
    Column("revoked_at", TZ),
    Index("ix_web_sessions_user_name", "user_name"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("user_name", String(128), nullable=False),
    Column("label", String(128)),
    Column("created_at", TZ, nullable=False),
    Column("last_used_at", TZ),
    Column("revoked_at", TZ),
    # Every token issued expires (CASELINK_TOKEN_DAYS); tokens from before 0005 were given one.
    Column("expires_at", TZ),
    Index("ix_api_tokens_user_name", "user_name"),
)

# -- integrity audits ---------------------------------------------------------------------

audit_samples = Table(
    "audit_samples",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", TZ, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("spec", Text, nullable=False),  # JSON: period, forces, target margin or n, level
    Column("description", Text),
)

audit_items = Table(
    "audit_items",
    metadata,
    Column("sample_id", ID, ForeignKey("audit_samples.id"), nullable=False),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("stratum", String(64), nullable=False),
    Column("position", Integer, nullable=False),  # draw order within the stratum
    Column("population", Integer, nullable=False),  # the stratum's size when drawn
    UniqueConstraint("sample_id", "report_id"),
)

# Verdicts are appended, never changed: the latest for a sample and report counts.
audit_verdicts = Table(
    "audit_verdicts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("sample_id", ID, ForeignKey("audit_samples.id"), nullable=False),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("verdict", String(16), nullable=False),  # correct | wrong
    Column("reason", Text),
    Column("decided_by", String(128), nullable=False),
    Column("decided_at", TZ, nullable=False),
    Index("ix_audit_verdicts_sample_report", "sample_id", "report_id"),
)

# -- offence linkage ----------------------------------------------------------------------

link_runs = Table(
    "link_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # train | run | evaluate
    Column("created_at", TZ, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("model_family", String(64)),
    Column("model_version", String(64)),
    Column("model_spec", Text),  # the versioned JSON model the run trained or scored with
    Column("settings", Text, nullable=False),  # JSON
    Column("figures", Text, nullable=False),  # JSON: counts, timings, evaluation metrics
)

report_links = Table(
    "report_links",
    metadata,
    Column("run_id", ID, ForeignKey("link_runs.id"), nullable=False),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("other_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),  # log Bayes factor (or the model's log odds)
    Column("components", Text, nullable=False),  # JSON: feature -> contribution
    Index("ix_report_links_run_report", "run_id", "report_id"),
)

link_series = Table(
    "link_series",
    metadata,
    Column("run_id", ID, ForeignKey("link_runs.id"), nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Index("ix_link_series_run_series", "run_id", "series_id"),
    Index("ix_link_series_report", "report_id"),
)

# Analysts' verdicts on proposed links; used as labels at the next training.
link_feedback = Table(
    "link_feedback",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("other_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("verdict", String(16), nullable=False),  # confirmed | rejected
    Column("note", Text),
    Column("decided_by", String(128), nullable=False),
    Column("decided_at", TZ, nullable=False),
    Index("ix_link_feedback_report", "report_id"),
)

# -- person resolution --------------------------------------------------------------------

person_runs = Table(
    "person_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", TZ, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("threshold", Float, nullable=False),
    Column("model", Text, nullable=False),  # Splink's JSON settings with trained parameters
    Column("figures", Text, nullable=False),  # JSON
)

person_entities = Table(
    "person_entities",
    metadata,
    Column("run_id", ID, ForeignKey("person_runs.id"), nullable=False),
    Column("person_id", ID, ForeignKey("persons.id"), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("match_probability", Float),  # the strongest link that put it in the entity
    Index("ix_person_entities_run_entity", "run_id", "entity_id"),
    Index("ix_person_entities_person", "person_id"),
)

# The person records a run read, as ranges of ids (first_id to last_id, both in): the run
# covers these and no others. A covered record without a person_entities row stood alone, its
# entity named after itself (``domain.person.entity_name``) and without a probability: a
# million such rows took most of a run's write.
person_run_records = Table(
    "person_run_records",
    metadata,
    Column("run_id", ID, ForeignKey("person_runs.id"), nullable=False),
    Column("first_id", ID, nullable=False),
    Column("last_id", ID, nullable=False),
    Index("ix_person_run_records_run", "run_id", "first_id"),
)

# Analysts' verdicts on pairs of person records (same, different, unsure), appended, never
# changed: the latest verdict on a pair counts. Later runs keep a "different" pair apart and a
# "same" pair together; the verdicts also measure precision and recall near the threshold.
person_pair_labels = Table(
    "person_pair_labels",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("person_id_l", ID, ForeignKey("persons.id"), nullable=False),  # the lower id
    Column("person_id_r", ID, ForeignKey("persons.id"), nullable=False),
    Column("verdict", String(16), nullable=False),  # same | different | unsure
    Column("reason", Text, nullable=False),
    Column("labelled_by", String(128), nullable=False),
    Column("labelled_at", TZ, nullable=False),
    Column("run_id", ID, ForeignKey("person_runs.id")),  # the run whose pair was reviewed
    Column("match_probability", Float),  # the run's score of the pair when it was reviewed
    Column("linked", Boolean),  # whether that run put the two in one entity
    Index("ix_person_pair_labels_pair", "person_id_l", "person_id_r"),
)

# The pairs near a run's threshold offered for review, with the comparison that decided each
# (levels and weights): JSON, one row per run.
person_review_pairs = Table(
    "person_review_pairs",
    metadata,
    Column("run_id", ID, ForeignKey("person_runs.id"), primary_key=True, autoincrement=False),
    Column("pairs", Text, nullable=False),
)

# -- the victim's journey -----------------------------------------------------------------

# Each step of a report's journey after first contact, appended, never changed: first response,
# referrals, investigation, CPS decisions, updates to the victim, outcomes, reopenings. The
# event log holds the same facts hash-chained; these rows are what pages and figures read.
journey_steps = Table(
    "journey_steps",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", TZ, nullable=False),  # when it happened
    Column("actor", String(128), nullable=False),  # who recorded it
    Column("details", Text, nullable=False),  # JSON object of strings
    # The digest of the imported row it came from: importing the same file again changes nothing.
    Column("source_digest", String(64)),
    Index("ix_journey_steps_report_at", "report_id", "at"),
    Index("ix_journey_steps_kind_report", "kind", "report_id"),
)

# One row per report that has a journey: its milestones, kept in step with journey_steps when
# they are written, so force-by-force figures over ten years are one GROUP BY over narrow rows.
journey_milestones = Table(
    "journey_milestones",
    metadata,
    Column("report_id", ID, ForeignKey("reports.id"), primary_key=True, autoincrement=False),
    Column("attended_at", TZ),
    Column("trained_officer", Boolean),
    Column("sarc_answer", String(16)),  # accepted | declined | not_appropriate
    Column("isva_answer", String(16)),
    Column("suspect_identified_at", TZ),
    Column("arrested_at", TZ),
    Column("cps_referred_at", TZ),
    Column("charged_at", TZ),
    Column("verdict", String(32)),
    Column("verdict_at", TZ),
    Column("outcome", String(8)),  # Home Office outcome type in force (none once reopened)
    Column("outcome_at", TZ),
    Column("updates_declined", Boolean, nullable=False),
    # police.uk's "Last outcome category", as published, for crimes imported from police.uk
    Column("police_uk_outcome", String(128)),
)

# Victims' Code duties: each key decision owes the victim an update by a due time. Derived from
# the steps by the domain's rules and rewritten with them; kept as rows so "what is due before
# Friday" is an index range, not a replay of every journey.
victim_duties = Table(
    "victim_duties",
    metadata,
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("decision", String(32), nullable=False),
    Column("decided_at", TZ, nullable=False),
    Column("due_at", TZ, nullable=False),
    Column("told_at", TZ),
    Column("told_how", String(32)),
    Column("declined", Boolean, nullable=False),
    UniqueConstraint("report_id", "decision", "decided_at"),
    Index("ix_victim_duties_open_due", "told_at", "due_at"),
)

# Outcomes published by police.uk for crimes imported from police.uk, one row per outcome file
# row (a crime can reach several over the months); the latest is the crime's police.uk outcome.
police_uk_outcomes = Table(
    "police_uk_outcomes",
    metadata,
    Column("report_id", ID, ForeignKey("reports.id"), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("outcome", String(128), nullable=False),  # the category exactly as published
    UniqueConstraint("report_id", "month", "outcome"),
)
