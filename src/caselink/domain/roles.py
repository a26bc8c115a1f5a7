"""Roles and what each may do: the permission matrix the CLI, services and web app all apply."""

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    REGISTRAR = "registrar"
    ANALYST = "analyst"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class Action(StrEnum):
    RECORD = "record"  # record reports, add persons and behaviours, import
    CLASSIFY = "classify"
    REQUEST_CANCELLATION = "request_cancellation"
    AUTHORISE_CANCELLATION = "authorise_cancellation"
    INFORM_COMPLAINANT = "inform_complainant"
    VIEW_REPORT = "view_report"  # full report, complainant identity included
    VIEW_PSEUDONYMISED = "view_pseudonymised"
    EXPORT = "export"
    EXPORT_PSEUDONYMISED = "export_pseudonymised"
    AUDIT = "audit"
    LINK = "link"
    MANAGE_USERS = "manage_users"
    READ_ACCESS_LOG = "read_access_log"
    VIEW_COUNTS = "view_counts"  # how much the store holds: counts only, no personal data
    GRANT_ACCESS = "grant_access"  # let a reader of another force read one of the force's reports


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.OFFICER: frozenset(
        {
            Action.VIEW_COUNTS,
            Action.RECORD,
            Action.CLASSIFY,
            Action.REQUEST_CANCELLATION,
            Action.INFORM_COMPLAINANT,
            Action.VIEW_REPORT,
        }
    ),
    Role.REGISTRAR: frozenset(
        {
            Action.VIEW_COUNTS,
            Action.RECORD,
            Action.CLASSIFY,
            Action.REQUEST_CANCELLATION,
            Action.AUTHORISE_CANCELLATION,
            Action.GRANT_ACCESS,
            Action.INFORM_COMPLAINANT,
            Action.VIEW_REPORT,
            Action.VIEW_PSEUDONYMISED,
            Action.AUDIT,
            Action.EXPORT,
            Action.EXPORT_PSEUDONYMISED,
        }
    ),
    Role.ANALYST: frozenset(
        {
            Action.VIEW_COUNTS,
            Action.VIEW_REPORT,
            Action.VIEW_PSEUDONYMISED,
            Action.LINK,
            Action.EXPORT,
            Action.EXPORT_PSEUDONYMISED,
        }
    ),
    Role.INSPECTOR: frozenset(
        {Action.VIEW_COUNTS, Action.VIEW_PSEUDONYMISED, Action.AUDIT, Action.EXPORT_PSEUDONYMISED}
    ),
    Role.ADMIN: frozenset({Action.VIEW_COUNTS, Action.MANAGE_USERS, Action.READ_ACCESS_LOG}),
}


def may(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]
