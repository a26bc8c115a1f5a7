"""How much the store holds: reports by status and force, persons, labels, events.

Counts only, with no personal data, so any user of the machine may ask: it is what an operator
checks after an import or a migration, before anyone has signed in.
"""

from caselink.services.context import Context
from caselink.storage.queries import Stats


def store_counts(ctx: Context) -> Stats:
    """Counts of reports (by status and force), pending cancellations, persons, offender
    labels and events, read in one transaction so they agree with each other."""
    with ctx.db.reader() as uow:
        return uow.queries.stats()
