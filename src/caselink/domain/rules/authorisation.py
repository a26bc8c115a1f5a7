"""Who must authorise a cancellation, and who may (CAN-3)."""

from caselink.domain.errors import NotPermitted
from caselink.domain.offences import is_rape
from caselink.domain.rules.policy import ForcePolicy


def needs_authorisation(offence_code: str | None, is_n100: bool, policy: ForcePolicy) -> bool:
    """Whether cancelling this report waits for a registrar (rape codes 19C–19H and N100s)."""
    return policy.rape_cancellation_needs_authorisation and (is_rape(offence_code) or is_n100)


def check_authoriser(role: str, authoriser: str, requester: str, policy: ForcePolicy) -> None:
    """Refuse an authorisation by a role the policy does not name, or by the requester."""
    if role not in policy.authorising_roles:
        allowed = ", ".join(sorted(policy.authorising_roles))
        raise NotPermitted(
            f"only {allowed} may authorise a rape or N100 cancellation (force policy, rule CAN-3); "
            f"{authoriser} is {role}"
        )
    if policy.authoriser_must_differ and authoriser == requester:
        raise NotPermitted(
            "the person who asked for a cancellation may not authorise it "
            "(force policy, rule CAN-3)"
        )
