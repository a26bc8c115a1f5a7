"""Force policy: the choices the recording rules leave to each force, with safe defaults."""

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class ForcePolicy:
    """What a force has decided about recording and cancelling.

    The defaults are the safe reading of the rules: rape and N100 cancellations wait for a
    registrar, and the person asking for a cancellation may not authorise it themselves.
    """

    recording_deadline: timedelta = timedelta(hours=24)
    rape_cancellation_needs_authorisation: bool = True
    authorising_roles: frozenset[str] = field(default_factory=lambda: frozenset({"registrar"}))
    authoriser_must_differ: bool = True
