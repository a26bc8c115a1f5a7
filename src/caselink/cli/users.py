"""`caselink users`: who may use caselink, and in which role."""

import getpass
import sys

import typer

from caselink.cli.options import Db, Json
from caselink.cli.output import console, errors, print_json, refuse
from caselink.cli.running import running
from caselink.domain.roles import Role
from caselink.services import auth, users

users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)


@users_app.command("add")
def add(
    name: str,
    role: Role = typer.Option(
        ..., "--role", help="officer, registrar, analyst, inspector or admin"
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from standard input"
    ),
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a user with a role; the password is read from stdin or asked for, never an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
    else:
        refuse("give the password on standard input with --password-stdin", as_json=as_json)
    with running(db, as_json) as application:
        users.add_user(application.context, name, role, password, by=getpass.getuser())
    if as_json:
        print_json({"user": name, "role": role.value})
    else:
        console.print(f"user {name} added as {role.value}")


@users_app.command("list")
def list_users(db: Db = None, as_json: Json = False) -> None:
    """List users and their roles."""
    with running(db, as_json) as application:
        found = users.list_users(application.context)
    if as_json:
        print_json([{"user": u.name, "role": u.role.value, "active": u.active} for u in found])
        return
    for u in found:
        console.print(f"{u.name:<24} {u.role.value:<10} {'active' if u.active else 'inactive'}")


@users_app.command("token")
def token(
    name: str,
    label: str | None = typer.Option(
        None, "--label", help="what the token is for (shown to administrators)"
    ),
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Issue an API token for a user and print it once; only its SHA-256 is stored."""
    with running(db, as_json) as application:
        issued = auth.issue_token(application.context, name, label)
    if as_json:
        print_json({"user": name, "token": issued, "label": label})
    else:
        # Printed alone on stdout so a script can capture it; the advice goes to stderr.
        print(issued)
        errors.print(
            f"API token for {name}: send it as 'Authorization: Bearer TOKEN'. It is shown only now."
        )
