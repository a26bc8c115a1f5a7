"""Errors the domain raises. Each says what was refused and why, in words a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caselink.domain.rules.catalogue import Rule


class DomainError(Exception):
    """Base of every refusal by the domain."""


class InvalidValue(DomainError):
    """A value that cannot be what it claims to be (a latitude of 200, an unknown force)."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field, self.value, self.reason = field, value, reason
        super().__init__(f"{field}={value!r}: {reason}")


class RuleViolation(DomainError):
    """A change refused by a recording rule; the message cites the rule and its standard."""

    def __init__(self, rule: Rule, reason: str) -> None:
        self.rule, self.reason = rule, reason
        super().__init__(f"{reason} [rule {rule.id}: {rule.citation}]")


class InvalidTransition(DomainError):
    """A status change the lifecycle does not allow (e.g. classifying a cancelled report)."""


class NotPermitted(DomainError):
    """The acting user's role may not make this change."""


class ConcurrentUpdate(DomainError):
    """Someone else changed the report since it was read; nothing of this change was written."""


class NotFound(DomainError):
    """No such report, person or user."""


class InvalidRequest(DomainError):
    """A request that cannot be carried out as asked (both or neither of two options, a short
    key).
    """
