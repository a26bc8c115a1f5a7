"""Building the application for one command, and turning refusals into messages and exit codes."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError

from caselink.bootstrap import App, build
from caselink.cli.output import console, refuse
from caselink.domain.errors import DomainError
from caselink.interchange.rows import FormatError
from caselink.services.importing import ImportRefused


@contextmanager
def refusals(as_json: bool = False) -> Iterator[None]:
    """Turn every refusal (bad data, a rule, a missing file, an unusable database) into a
    message and exit code 1."""
    try:
        yield
    except ImportRefused as exc:
        details = [e.to_dict() for e in exc.errors]
        if not as_json:
            for e in exc.errors:
                console.print(f"  {e}", highlight=False, markup=False)
            if exc.total > len(exc.errors):
                console.print(f"  … and {exc.total - len(exc.errors)} more")
        refuse(str(exc), as_json=as_json, details=details)
    except FormatError as exc:
        refuse(
            f"cannot read the file: {exc}",
            as_json=as_json,
            details=[e.to_dict() for e in exc.errors],
        )
    except DomainError as exc:
        refuse(str(exc), as_json=as_json)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        refuse(f"{exc.strerror}: {exc.filename}", as_json=as_json)
    except OperationalError as exc:
        refuse(f"the database cannot be used: {exc.orig}", as_json=as_json)


@contextmanager
def running(db: str | None, as_json: bool = False, *, need_schema: bool = True) -> Iterator[App]:
    """Build the application and turn every refusal into a message and exit code 1."""
    application: App | None = None
    with refusals(as_json):
        try:
            application = build(database=db)
            if need_schema:
                application.require_schema()
            yield application
        finally:
            if application is not None:
                application.context.db.engine.dispose()
