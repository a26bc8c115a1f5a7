"""Force policy: the choices the recording rules leave to each force, with safe defaults."""

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class ForcePolicy:
    """What a force has decided about recording, cancelling and keeping the victim informed.

    The defaults are the safe reading of the rules: rape and N100 cancellations wait for a
    registrar, the person asking for a cancellation may not authorise it themselves, and
    victims of sexual offences have the Victims' Code's enhanced rights (told of each key
    decision within 1 working day rather than 5).
    """

    recording_deadline: timedelta = timedelta(hours=24)
    rape_cancellation_needs_authorisation: bool = True
    authorising_roles: frozenset[str] = field(default_factory=lambda: frozenset({"registrar"}))
    authoriser_must_differ: bool = True
    enhanced_rights: bool = True
    enhanced_update_working_days: int = 1
    standard_update_working_days: int = 5

    @property
    def update_working_days(self) -> int:
        """Working days the police have to tell the victim of a key decision (rule VC-1)."""
        if self.enhanced_rights:
            return self.enhanced_update_working_days
        return self.standard_update_working_days
