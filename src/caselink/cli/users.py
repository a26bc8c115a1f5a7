"""`caselink users`: who may use caselink, and in which role."""

import getpass
import sys

import typer

from caselink.cli.options import Db, Json
from caselink.cli.output import console, errors, print_json, refuse
from caselink.cli.running import running
from caselink.domain.errors import InvalidValue
from caselink.domain.ownership import NATIONAL, Home, home_of
from caselink.domain.roles import Role
from caselink.services import auth, sign_in_watch, users

users_app = typer.Typer(help="Users, their roles and where they belong.", no_args_is_help=True)

Force = typer.Option(
    None, "--force", help="the force the user belongs to, e.g. Kent", show_default=False
)
National = typer.Option(
    None,
    "--national",
    help="the national unit the user belongs to instead, e.g. SCAS",
    show_default=False,
)


def _home(force: str | None, national: str | None, as_json: bool) -> Home:
    try:
        return home_of(force, national)
    except InvalidValue as exc:
        refuse(str(exc), as_json=as_json)


@users_app.command("add")
def add(
    name: str,
    role: Role = typer.Option(
        ..., "--role", help="officer, registrar, analyst, inspector or admin"
    ),
    force: str | None = Force,
    national: str | None = National,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from standard input"
    ),
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a user with a role in a force (--force) or a national unit (--national); the password
    is read from stdin or asked for, never an argument."""
    home = _home(force, national, as_json)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
    else:
        refuse("give the password on standard input with --password-stdin", as_json=as_json)
    with running(db, as_json) as application:
        users.add_user(application.context, name, role, password, by=getpass.getuser(), home=home)
    if as_json:
        print_json({"user": name, "role": role.value, "force": home.force, "unit": home.unit})
    else:
        console.print(f"user {name} added as {role.value} of {home}")


@users_app.command("list")
def list_users(db: Db = None, as_json: Json = False) -> None:
    """List users, their roles, whether they are active and any sign-in lock."""
    with running(db, as_json) as application:
        now = application.context.clock()
        found = users.list_users(application.context)
    if as_json:
        print_json(
            [
                {
                    "user": u.name,
                    "role": u.role.value,
                    "force": u.home.force,
                    "unit": u.home.unit,
                    "active": u.active,
                    "failed_sign_ins": u.failed_logins,
                    "locked_until": u.locked_until if u.locked(now) else None,
                }
                for u in found
            ]
        )
        return
    for u in found:
        state = "active" if u.active else "inactive"
        lock = f"locked until {u.locked_until:%Y-%m-%d %H:%M} UTC" if u.locked(now) else ""
        line = f"{u.name:<24} {u.role.value:<10} {u.home!s:<28} {state:<8} {lock}"
        console.print(line.rstrip(), markup=False, highlight=False)
    unplaced = [u.name for u in found if u.active and u.home == NATIONAL]
    if unplaced:
        errors.print(
            f"review: {', '.join(unplaced)} belong to no force (the default for users made "
            "before forces owned their records) and so act on every force's reports; give each "
            "their force with `caselink users move NAME --force FORCE`",
            markup=False,
            highlight=False,
        )


@users_app.command("token")
def token(
    name: str,
    label: str | None = typer.Option(
        None, "--label", help="what the token is for (shown to administrators)"
    ),
    days: int | None = typer.Option(
        None,
        "--days",
        help="days until the token expires (1–366) [default: CASELINK_TOKEN_DAYS, 90]",
        show_default=False,
    ),
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Issue an API token for a user and print it once; only its SHA-256 is stored."""
    with running(db, as_json) as application:
        issued = auth.issue_token(application.context, name, label, by=getpass.getuser(), days=days)
    if as_json:
        print_json(
            {
                "user": name,
                "token": issued.token,
                "id": issued.id,
                "label": label,
                "expires_at": issued.expires_at,
            }
        )
    else:
        # Printed alone on stdout so a script can capture it; the advice goes to stderr.
        print(issued.token)
        errors.print(
            f"API token {issued.id} for {name}, expiring {issued.expires_at:%Y-%m-%d %H:%M} UTC: "
            "send it as 'Authorization: Bearer TOKEN'. It is shown only now."
        )


@users_app.command("tokens")
def tokens(
    name: str | None = typer.Argument(None, help="only this user's tokens"),
    db: Db = None,
    as_json: Json = False,
) -> None:
    """List API tokens (never the tokens themselves): number, user, label, expiry, state."""
    with running(db, as_json) as application:
        now = application.context.clock()
        found = auth.tokens(application.context, name)
    rows = [
        {
            "id": t.id,
            "user": t.user_name,
            "label": t.label,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "last_used_at": t.last_used_at,
            "revoked_at": t.revoked_at,
            "state": t.state(now),
        }
        for t in found
    ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        expires = f"{r['expires_at']:%Y-%m-%d}" if r["expires_at"] else "—"
        console.print(
            f"{r['id']:>6} {r['user']:<24} {r['state']:<8} expires {expires}  {r['label'] or ''}",
            highlight=False,
            markup=False,
        )


@users_app.command("revoke-token")
def revoke_token(token_id: int, db: Db = None, as_json: Json = False) -> None:
    """Revoke an API token by its number (see `caselink users tokens`); refused from now on."""
    with running(db, as_json) as application:
        revoked = auth.revoke_token(application.context, token_id, by=getpass.getuser())
    if as_json:
        print_json({"id": revoked.id, "user": revoked.user_name, "revoked_at": revoked.revoked_at})
    else:
        console.print(f"API token {revoked.id} of {revoked.user_name} revoked")


@users_app.command("deactivate")
def deactivate(name: str, db: Db = None, as_json: Json = False) -> None:
    """Deactivate a user: no more sign-ins or commands; their sessions and tokens end now."""
    with running(db, as_json) as application:
        sessions, tokens_ended = users.deactivate_user(
            application.context, name, by=getpass.getuser()
        )
    if as_json:
        print_json(
            {
                "user": name,
                "active": False,
                "sessions_ended": sessions,
                "tokens_revoked": tokens_ended,
            }
        )
    else:
        console.print(
            f"user {name} deactivated; {sessions} session(s) ended, "
            f"{tokens_ended} API token(s) revoked"
        )


@users_app.command("move")
def move(
    name: str,
    role: Role | None = typer.Option(None, "--role", help="the new role", show_default=False),
    force: str | None = Force,
    national: str | None = National,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Give a user another role, force or national unit; their sessions and tokens end now."""
    home = None if force is None and national is None else _home(force, national, as_json)
    if role is None and home is None:
        refuse("say what changes: --role, --force or --national", as_json=as_json)
    with running(db, as_json) as application:
        sessions, tokens_ended = users.move_user(
            application.context, name, by=getpass.getuser(), role=role, home=home
        )
    if as_json:
        print_json({"user": name, "sessions_ended": sessions, "tokens_revoked": tokens_ended})
    else:
        console.print(
            f"user {name} moved; {sessions} session(s) ended, {tokens_ended} API token(s) revoked"
        )


@users_app.command("held-addresses")
def held_addresses(db: Db = None, as_json: Json = False) -> None:
    """List the network addresses whose sign-ins are refused unchecked (too many failures)."""
    with running(db, as_json) as application:
        held = sign_in_watch.held_addresses(application.context, by=getpass.getuser())
    if as_json:
        print_json(
            [
                {
                    "address": h.address,
                    "failed_sign_ins": h.failures,
                    "last_failure": h.last_failure,
                    "held_until": h.until,
                }
                for h in held
            ]
        )
        return
    if not held:
        console.print("no address is held back")
    for h in held:
        line = (
            f"{h.address:<40} {h.failures:>4} failed sign-ins, the last at "
            f"{h.last_failure:%Y-%m-%d %H:%M} UTC; held back until {h.until:%Y-%m-%d %H:%M} UTC"
        )
        console.print(line, markup=False, highlight=False)


@users_app.command("release-address")
def release_address(address: str, db: Db = None, as_json: Json = False) -> None:
    """Let sign-ins from a network address held back be tried again now, forgetting its
    failures (e.g. a station's shared address after one person's mistyping)."""
    with running(db, as_json) as application:
        forgotten = sign_in_watch.release_address(
            application.context, address, by=getpass.getuser()
        )
    if as_json:
        print_json({"address": address.strip(), "failures_forgotten": forgotten})
    elif forgotten:
        console.print(
            f"sign-ins from {address.strip()} released ({forgotten} failure(s) forgotten)",
            markup=False,
            highlight=False,
        )
    else:
        console.print(f"no failed sign-in from {address.strip()} to forget", markup=False)


@users_app.command("unlock")
def unlock(name: str, db: Db = None, as_json: Json = False) -> None:
    """Lift a sign-in lock (after repeated wrong passwords) and forget the failures."""
    with running(db, as_json) as application:
        lifted = users.unlock_user(application.context, name, by=getpass.getuser())
    if as_json:
        print_json({"user": name, "unlocked": lifted})
    else:
        console.print(f"user {name} unlocked" if lifted else f"user {name} was not locked")
