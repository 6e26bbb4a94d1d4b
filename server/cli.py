"""The ``crm`` command: run the service and its job workers, migrate, mint tokens and API keys, check policies."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast

import asyncpg
import typer
from tortoise.context import TortoiseContext

from server.database import DatabaseUnavailable, migrate, resolve_database_url, tortoise_config
from server.embedded import stop_on_sigterm
from server.settings import SettingsError, get_settings

T = TypeVar("T")

# Never print local variables with a traceback: they may hold secrets and database URLs.
cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_show_locals=False)
apikey_cli = typer.Typer(no_args_is_help=True, help="API keys for integrations.")
tenant_cli = typer.Typer(no_args_is_help=True, help="Companies using the service.")
user_cli = typer.Typer(no_args_is_help=True, help="People who sign in.")
policy_cli = typer.Typer(no_args_is_help=True, help="Check and explain the authorization policy.")
cli.add_typer(apikey_cli, name="apikey")
cli.add_typer(tenant_cli, name="tenant")
cli.add_typer(user_cli, name="user")
cli.add_typer(policy_cli, name="policy")


# Exit codes: 1 for a refused operation (missing, already exists), 2 for invalid input or setup.
INVALID = 2
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def checked_text(value: str, what: str, max_length: int) -> str:
    text = value.strip()
    if not text or len(text) > max_length or "\x00" in text:
        fail(f"{what} must be 1 to {max_length} characters (got {value!r}).", INVALID)
    return text


def checked_email(value: str) -> str:
    """A sign-in address: syntax only (staff may sit on internal domains such as demo.test)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(
            value.strip(), check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        fail(f"{value!r} is not a valid email address: {exc}", INVALID)
        raise
    return found.normalized.lower()


def checked_role(value: str) -> Any:
    from models import Role

    try:
        return Role(value.strip().lower())
    except ValueError:
        fail(f"Unknown role {value!r}: use admin, supervisor or seller.", INVALID)
        raise


def checked_region(value: str) -> str:
    import phonenumbers

    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        fail(f"Unknown phone region {value!r}: use a two-letter country code such as BR, PT or US.", INVALID)
    return region


def checked_slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        fail(
            f"{value!r} is not a valid tenant slug: use 1 to 63 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit.",
            INVALID,
        )
    return value


def database_url() -> str:
    try:
        return resolve_database_url()
    except DatabaseUnavailable as exc:
        fail(str(exc), 2)
        raise


def with_orm(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the ORM connected to the configured database."""
    url = database_url()

    async def main() -> T:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            return await work()

    from tortoise.exceptions import DBConnectionError, IntegrityError

    try:
        return asyncio.run(main())
    except IntegrityError as exc:
        fail(f"That conflicts with what the database holds: {exc}")
        raise
    except (DBConnectionError, OSError, asyncpg.PostgresError) as exc:
        fail(f"Cannot use the database: {exc}. Is it up, and migrated (`crm migrate`)?", INVALID)
        raise


def _mint(user_id: uuid.UUID, tenant_id: uuid.UUID, minutes: int | None = None) -> str:
    from authz.tokens import TokenConfig, issue_token

    settings = get_settings()
    config = TokenConfig(settings.signing_secret(), settings.jwt_issuer, settings.jwt_audience)
    ttl = (minutes or settings.token_ttl_minutes) * 60
    return issue_token(config, user_id=user_id, tenant_id=tenant_id, ttl_seconds=ttl)


@cli.command()
def run(
    host: Annotated[str | None, typer.Option(help="Defaults to CRM_HOST (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Defaults to CRM_PORT (8000).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes; defaults to CRM_WORKERS (one per core).")
    ] = None,
    seed: Annotated[
        bool | None,
        typer.Option(help="Create the demo tenant when the database is empty (development only; on by default there)."),
    ] = None,
) -> None:
    """Migrate, in development seed a demo tenant if the database is empty and print demo tokens, and serve."""
    import uvicorn

    from server.logs import configure_logging

    settings = get_settings()
    try:
        settings.signing_secret()
    except SettingsError as exc:
        fail(str(exc), INVALID)
    if seed and not settings.development:
        fail("CRM_ENV=production never seeds the demo tenant nor prints tokens; drop --seed.", INVALID)
    count = workers or settings.workers
    url = database_url()
    asyncio.run(_prepare(url, seed=settings.development and seed is not False, workers=count))
    # The workers are told where the database is; the embedded one stays this process's to stop.
    os.environ["DATABASE_URL"] = url
    host, port = host or settings.host, port or settings.port
    metrics_dir = _metrics_dir(count)
    typer.echo(
        f"\nServing http://{host}:{port}/graphql with {count} worker process{'es' if count > 1 else ''}"
        f"  (Ctrl-C or SIGTERM stops the server{' and the embedded PostgreSQL' if not settings.database_url else ''})\n"
    )
    configure_logging(settings)
    try:
        uvicorn.run(
            "server.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=count,
            log_level=settings.log_level,
            # Logging is the app's (server/logs.py): uvicorn's loggers go through it, and the
            # request line (server/request_observer.py) replaces uvicorn's access line.
            log_config=None,
            access_log=False,
            loop="uvloop",
            http="httptools",
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir(workers: int) -> Path | None:
    """Several workers write their metrics to one folder (prometheus-client's multiprocess mode);
    answer the folder made for this run, to remove when it ends (None: the operator's, or none)."""
    from server.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

    given = os.environ.get(MULTIPROC_ENV)
    if given:
        prepare_multiprocess_dir(Path(given))
        return None
    if workers == 1:
        return None
    made = Path(tempfile.mkdtemp(prefix="crm-metrics-"))
    os.environ[MULTIPROC_ENV] = str(made)  # the workers inherit it
    return made


async def _prepare(url: str, *, seed: bool, workers: int) -> None:
    from authz.policy import PolicyInvalid, load_policy
    from models import Tenant, User
    from models.db import fetchval
    from models.sql import Sql
    from server.seed import DEMO_SLUG, seed_demo

    settings = get_settings()
    try:
        policy = load_policy(settings.policy_dir)
    except PolicyInvalid as exc:
        fail("The policy files are invalid:\n  " + "\n  ".join(str(p) for p in exc.problems), INVALID)
        raise
    async with TortoiseContext():
        await migrate(url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        allowed = int(await fetchval(Sql("SELECT current_setting('max_connections')::int")))
        # The in-process job worker holds one more connection per process (it LISTENs on it).
        # The pool, the principal-change listener, and the in-process job worker's connection.
        per_process = settings.db_pool_max + 1 + (1 if settings.inprocess_worker else 0)
        if workers * per_process > allowed - 5:
            typer.secho(
                f"warning: {workers} workers x {per_process} connections (CRM_DB_POOL_MAX + listener + job worker) may exceed "
                f"PostgreSQL's max_connections ({allowed}); lower CRM_WORKERS or CRM_DB_POOL_MAX.",
                fg=typer.colors.YELLOW,
                err=True,
            )
        if not settings.development:
            return  # production: no demo company, no tokens on the console
        if seed and not await Tenant.exists():
            await seed_demo(policy)
            typer.echo("Seeded the demo tenant 'demo'.")
        demo = await Tenant.get_or_none(slug=DEMO_SLUG)
        if demo is not None:
            typer.echo("\nDemo tokens (valid 24 h) — send as 'Authorization: Bearer <token>':")
            users = await User.filter(tenant_id=demo.id, is_active=True)
            order = {"admin": 0, "supervisor": 1, "seller": 2}
            for user in sorted(users, key=lambda u: (order[u.role.value], u.email)):
                typer.echo(f"  {user.role.value:<10} {user.email:<24} {_mint(user.id, demo.id)}")


@cli.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=2, help="Jobs run at once; defaults to CRM_WORKER_CONCURRENCY (4).")
    ] = None,
    imports: Annotated[
        list[str] | None,
        typer.Option("--import", help="Also import this module of job handlers (repeatable)."),
    ] = None,
) -> None:
    """Run background jobs (imports, exports, purges, webhooks) until SIGTERM or Ctrl-C.

    Run as many as needed next to the API; each claims jobs from the database. A stop lets the
    jobs in hand finish; a killed worker's jobs are taken over by another once their heartbeat is stale.
    """
    from server.logs import configure_logging
    from server.worker import QueueMissing, serve

    settings = get_settings()
    url = database_url()
    configure_logging(settings)
    try:
        asyncio.run(serve(url, concurrency=concurrency or settings.worker_concurrency, extra_modules=imports))
    except QueueMissing as exc:
        fail(str(exc), INVALID)


@cli.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV or .xlsx file.", exists=True, dir_okay=False, readable=True)],
    tenant: Annotated[str, typer.Option(help="Tenant slug.")],
    mapping: Annotated[
        str | None,
        typer.Option(
            help='JSON: {"header": "email" | "tags" | "owner" | "ignore" | "custom:<key>", ...} over the '
            "suggested mapping, or one {kind, field} per column."
        ),
    ] = None,
    upsert: Annotated[bool, typer.Option(help="Replace customers with the same email or phone.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Plan only: count what would happen, write nothing.")] = False,
    as_: Annotated[str | None, typer.Option("--as", help="Act as this user (default: the first admin).")] = None,
    errors: Annotated[Path | None, typer.Option(help="Where to write the error report.")] = None,
) -> None:
    """Import customers from FILE with the API's engine: dry run, then the run (jobs run in this process)."""
    from authz.errors import Forbidden, Unauthenticated
    from resolvers.errors import DomainError
    from resolvers.imports.reading import UnreadableFile
    from server.import_cli import ImportCliError, run_cli_import
    from server.import_options import BadOption, parse_mapping_json

    settings = get_settings()
    url = database_url()
    try:
        parsed = parse_mapping_json(mapping)
    except BadOption as exc:
        fail(str(exc), INVALID)

    async def work() -> Any:
        return await run_cli_import(
            url, file, tenant=tenant, policy_dir=settings.policy_dir, max_bytes=settings.import_max_bytes,
            as_email=as_, mapping=parsed, upsert=upsert, dry_run=dry_run, report_path=errors,
        )  # fmt: skip

    try:
        outcome = with_orm(work)
    except (ImportCliError, BadOption, Forbidden, Unauthenticated) as exc:
        fail(str(exc), INVALID)
    except UnreadableFile as exc:
        fail(f"{file.name}: {exc.message} ({exc.code.value})", INVALID)
    except DomainError as exc:
        fail(getattr(exc, "message", None) or str(exc), INVALID)
    row = outcome.row
    typer.echo(
        f"Import #{row['number']} {row['status'].upper()}: {row['processed']} rows; created {row['created']}, "
        f"updated {row['updated']}, unchanged {row['skipped']}, failed {row['failed']}, "
        f"conflicts {row['conflicts']}, duplicates in the file {row['duplicates_in_file']}"
        + (" (dry run: nothing written)" if dry_run else "")
    )
    if outcome.report is not None:
        typer.echo(f"Error report: {outcome.report}")
    if row["status"] == "failed":
        fail(row["error_message"] or "The import failed.")


@cli.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations."""
    url = database_url()

    async def main() -> None:
        async with TortoiseContext():
            await migrate(url)

    try:
        asyncio.run(main())
    except DatabaseUnavailable as exc:
        fail(str(exc), INVALID)
    typer.echo("Database is up to date.")


@cli.command()
def token(
    email: str,
    tenant: Annotated[str | None, typer.Option(help="Tenant slug, when the email exists in several.")] = None,
    minutes: Annotated[int | None, typer.Option(help="Lifetime; defaults to CRM_TOKEN_TTL_MINUTES.")] = None,
) -> None:
    """Print a bearer token for the user with EMAIL."""
    from models import User

    if minutes is not None and minutes < 1:
        fail(f"--minutes must be at least 1 (got {minutes}).", INVALID)

    async def work() -> str:
        query = User.filter(email=email.strip().lower(), is_active=True)
        if tenant:
            query = query.filter(tenant__slug=tenant)
        users = await query
        if not users:
            fail(f"No active user {email}{f' in tenant {tenant}' if tenant else ''}.")
        if len(users) > 1:
            fail(f"{email} exists in several tenants; pass --tenant.")
        return _mint(users[0].id, users[0].tenant_id, minutes)

    typer.echo(with_orm(work))


@apikey_cli.command("create")
def apikey_create(
    tenant: Annotated[str, typer.Option(help="Tenant slug.")],
    role: Annotated[str, typer.Option(help="admin, supervisor or seller.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'Shop sync'.")],
    user: Annotated[
        str | None, typer.Option(help="Email of a user the key acts as (their portfolio and teams).")
    ] = None,
) -> None:
    """Create an API key and print it. It is shown once; only its hash is stored."""
    from authz.api_keys import new_key
    from models import ApiKey, Tenant, User
    from models.db import in_transaction
    from resolvers.audit import record_system

    role_value = checked_role(role)
    name = checked_text(name, "--name", 200)

    async def work() -> str:
        company = await Tenant.get_or_none(slug=tenant)
        if company is None:
            fail(f"No tenant {tenant!r}.")
        acting = None
        if user:
            acting = await User.get_or_none(tenant_id=company.id, email=user.strip().lower())
            if acting is None:
                fail(f"No user {user} in tenant {tenant}.")
        key_id = uuid.uuid4()
        key = new_key(key_id)
        async with in_transaction():
            await ApiKey.create(
                id=key_id,
                tenant_id=company.id,
                name=name,
                role=role_value,
                user_id=acting.id if acting else None,
                secret_hash=key.secret_hash,
            )
            after = {"name": name, "role": role_value.name, "user": acting.email if acting else None}
            await record_system(company.id, "api_key.create", "ApiKey", key_id, after=after)
        return key.plaintext

    plaintext = with_orm(work)
    typer.echo(plaintext)
    typer.secho(
        "Store it now: it cannot be shown again. Send it as 'Authorization: Bearer <key>'.",
        err=True,
        fg=typer.colors.YELLOW,
    )


@apikey_cli.command("list")
def apikey_list(tenant: Annotated[str, typer.Option(help="Tenant slug.")]) -> None:
    """List a tenant's API keys (never their secrets)."""
    from models import ApiKey

    async def work() -> list[Any]:
        return await ApiKey.filter(tenant__slug=tenant).order_by("created_at")

    for key in with_orm(work):
        state = "revoked" if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.role.value:<10} {state:<8} {key.name}")


@apikey_cli.command("revoke")
def apikey_revoke(key_id: str) -> None:
    """Revoke an API key by its id (the part after crm_, or the id `apikey list` shows)."""
    from models import ApiKey
    from models.db import in_transaction
    from resolvers.audit import record_system

    try:
        pk = uuid.UUID(key_id)
    except ValueError:
        fail("Not a key id.")
        raise

    async def work() -> int:
        async with in_transaction():
            key = await ApiKey.get_or_none(id=pk, revoked_at__isnull=True)
            revoked = await ApiKey.filter(id=pk, revoked_at__isnull=True).update(revoked_at=datetime.now(UTC))
            if revoked and key is not None:
                await record_system(key.tenant_id, "api_key.revoke", "ApiKey", pk, before={"name": key.name})
            return revoked

    if not with_orm(work):
        fail("No such active key.")
    typer.echo("Revoked.")


@tenant_cli.command("create")
def tenant_create(
    slug: str, name: str, region: Annotated[str, typer.Option(help="Default phone region.")] = "BR"
) -> None:
    """Create a tenant."""
    from models import Tenant

    slug = checked_slug(slug)
    name = checked_text(name, "NAME", 200)
    region = checked_region(region)

    async def work() -> None:
        if await Tenant.exists(slug=slug):
            fail(f"A tenant {slug!r} already exists.")
        await Tenant.create(slug=slug, name=name, default_region=region)

    with_orm(work)
    typer.echo(f"Created tenant {slug}.")


@user_cli.command("create")
def user_create(
    tenant: Annotated[str, typer.Option(help="Tenant slug.")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, supervisor or seller.")],
) -> None:
    """Create a user and print a token for them."""
    from models import Tenant, User

    address = checked_email(email)
    name = checked_text(name, "--name", 200)
    role_value = checked_role(role)

    async def work() -> str:
        company = await Tenant.get_or_none(slug=tenant)
        if company is None:
            fail(f"No tenant {tenant!r}.")
        if await User.exists(tenant_id=company.id, email=address):
            fail(f"A user {address} already exists in tenant {tenant}.")
        person = await User.create(tenant_id=company.id, email=address, name=name, role=role_value)
        return _mint(person.id, company.id)

    typer.echo(with_orm(work))


@policy_cli.command("check")
def policy_check(
    directory: Annotated[Path | None, typer.Argument(help="Folder with model.conf and policy.csv.")] = None,
) -> None:
    """Validate the policy files and print the role-by-permission table with scopes."""
    from authz.policy import PolicyInvalid, load_policy, permission_table

    folder = directory or get_settings().policy_dir
    try:
        policy = load_policy(folder)
    except PolicyInvalid as exc:
        for problem in exc.problems:
            typer.secho(f"error: {problem}", fg=typer.colors.RED, err=True)
        fail(f"{len(exc.problems)} problem(s): the server would refuse these files.", 1)
        raise
    for tenant in policy.tenants():
        table = permission_table(policy, tenant)
        title = "every tenant" if tenant == "*" else f"tenant {tenant}"
        typer.echo(f"\nPermissions ({title}):")
        width = max(len(perm.key) for perm, _ in table.rows) + 2
        typer.echo("".join([f"{'permission':<{width}}", *(f"{r:<12}" for r in table.roles)]))
        for perm, scopes in table.rows:
            cells = [f"{(s.value if (s := scopes[r]) else '-'):<12}" for r in table.roles]
            typer.echo(f"{perm.key:<{width}}" + "".join(cells))
    typer.secho(f"\nOK: {len(policy.grants)} grants, {len(policy.links)} role links.", fg=typer.colors.GREEN)


@policy_cli.command("explain")
def policy_explain(
    user: Annotated[str, typer.Option(help="Email of the user asking.")],
    action: Annotated[str, typer.Option(help="A permission, e.g. customer:read (see `crm policy check`).")],
    customer: Annotated[str | None, typer.Option(help="Customer id (UUID or global id).")] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant slug, when the email exists in several.")] = None,
) -> None:
    """Say which policy line allows or denies ACTION for USER (on CUSTOMER), and why."""
    from authz.access import Access
    from authz.catalogue import CATALOGUE
    from authz.explain import Subject, Target, Verdict, explain
    from authz.policy import PolicyInvalid, load_policy
    from authz.principal import Principal, TenantSettings
    from authz.rows import locate_for, rule_for
    from models import Customer as CustomerModel
    from models import CustomerTeam, Team, TeamMembership, Tenant, User
    from schema.node import parse_id

    perm = CATALOGUE.get(action)
    if perm is None:
        fail(f"Unknown action {action!r}. Known: {', '.join(CATALOGUE)}")
        raise typer.Exit(1)
    target_id = parse_id(customer, "Customer") if customer else None
    if customer and target_id is None:
        fail(f"{customer!r} is not a customer id.")
    try:
        policy = load_policy(get_settings().policy_dir)
    except PolicyInvalid as exc:
        fail("The policy files are invalid: " + str(exc))
        raise

    async def work() -> Verdict:
        query = User.filter(email=user.strip().lower())
        if tenant:
            query = query.filter(tenant__slug=tenant)
        people = await query
        if len(people) != 1:
            fail(f"{'No' if not people else 'More than one'} user {user}; pass --tenant if it exists in several.")
        person = people[0]
        company = await Tenant.get(id=person.tenant_id)
        memberships = await TeamMembership.filter(tenant_id=company.id, user_id=person.id).values_list(
            "team_id", flat=True
        )
        teams = {t.id: t.name for t in await Team.filter(tenant_id=company.id, id__in=list(memberships))}
        who = Subject(person.email, person.role.value, company.slug, person.id, teams, company.restricted_visibility)
        target = None
        if target_id is not None:
            row = await CustomerModel.get_or_none(id=target_id, tenant_id=company.id)
            if row is None:
                fail(f"No customer {target_id} in tenant {company.slug}.")
            owner = await User.get_or_none(id=row.owner_id) if row.owner_id else None
            team_ids = await CustomerTeam.filter(tenant_id=company.id, customer_id=row.id).values_list(
                "team_id", flat=True
            )
            target = Target(
                row.id,
                row.name,
                row.owner_id,
                owner.name if owner else None,
                cast(list[uuid.UUID], list(team_ids)),
                row.merged_into_id,
            )
        ruled = None
        if target is not None and rule_for("Customer", perm) is not None:
            principal = Principal(
                company.id,
                company.slug,
                person.role,
                person.id,
                tuple(cast(list[uuid.UUID], list(memberships))),
                TenantSettings(restricted_visibility=company.restricted_visibility),
            )
            found = await locate_for(Access(principal, policy), "Customer", perm, target.id, lock=False)
            ruled = found is not None
        return explain(policy, who, perm, target, ruled)

    verdict = with_orm(work)
    typer.echo(str(verdict))
    if not verdict.allowed:
        raise typer.Exit(3)


@cli.command("schema")
def print_schema() -> None:
    """Print the GraphQL SDL (what schema/schema.graphql holds)."""
    from schema.schema import build_schema

    typer.echo(build_schema().as_str())


def main() -> None:
    # SIGTERM (containers, systemd) stops what this process started, as Ctrl-C does.
    stop_on_sigterm()
    try:
        cli()
    except (SettingsError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
