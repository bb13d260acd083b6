"""The hub's schema in PostgreSQL: versioned migrations, connecting, the version check.

Everything lives in the schema ``hub`` of the clinic's database. Migrations are numbered and run
in order, each in its own transaction, all under one advisory lock (two administrators running
`hub init` at once take turns; the second finds nothing to do), and each records itself in
``hub.schema_migrations``. A hub whose schema is newer than this version knows is refused by
`hub init` and by the kiosk's shipper alike, with nothing changed. Never edit a released
migration: add a new one at the end.

Roles are the cluster's, not the database's, so they carry the database's name: the group
roles ``<db>_kiosks`` and ``<db>_desks`` hold the privileges, and each kiosk or desk logs in
as its own member role (kiosk/hub/admin.py). Row-level security does the rest (docs/hub.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from kiosk.config import redact_url
from kiosk.hub.errors import HubError, HubSchemaError, HubSchemaTooNewError

__all__ = [
    "HUB_SCHEMA_VERSION",
    "NOTIFY_CHANNEL",
    "GroupRoles",
    "check_version",
    "connect",
    "group_roles",
    "hub_version",
    "init_hub",
]

# pg_advisory_xact_lock's key for schema changes: "KIOSKHUB" read as a number.
_LOCK_KEY: Final = 0x4B494F534B485542 & 0x7FFFFFFFFFFFFFFF
_APPLICATION_NAME: Final = "clinic-kiosk"
CONNECT_TIMEOUT_SECONDS: Final = 10


# The tables a desk reads in full (each also under row-level security, a kiosk's own rows only).
_DESK_READABLE = (
    "visits",
    "answers",
    "scores",
    "print_jobs",
    "visit_changes",
    "acknowledgements",
    "seen_marks",
    "desk_prints",
    "staff_pins",
)


@dataclass(frozen=True)
class GroupRoles:
    """The group roles of one hub database: kiosks' and desks' privileges live on these."""

    kiosks: str
    desks: str


def group_roles(dbname: str) -> GroupRoles:
    return GroupRoles(kiosks=f"{dbname}_kiosks", desks=f"{dbname}_desks")


def _password_of(url: str) -> str | None:
    try:
        return conninfo_to_dict(url).get("password")  # type: ignore[return-value]
    except psycopg.ProgrammingError:
        return None


def _one_line(url: str, error: BaseException) -> str:
    """The driver's message, first line, with the password blanked should it ever appear."""
    text = " ".join(str(error).split()) or type(error).__name__
    password = _password_of(url)
    if password:
        text = text.replace(password, "***")
    return text


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the hub, or HubError naming the hub (never its password) and why.

    Autocommit by default: every write is inside an explicit ``conn.transaction()``, and a
    read never leaves a transaction open that would swallow a later block's commit."""
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name=_APPLICATION_NAME,
        )
    except psycopg.Error as exc:
        raise HubError(
            f"cannot connect to the hub {redact_url(url)}: {_one_line(url, exc)}"
        ) from None


def describe_error(url: str, error: BaseException) -> str:
    """One line for an error met while using the hub at ``url`` (logs, status lines)."""
    if isinstance(error, HubError):
        return str(error)
    return f"hub {redact_url(url)}: {_one_line(url, error)}"


# --- the migrations -----------------------------------------------------------------------------

Migration = Callable[[psycopg.Connection[tuple[object, ...]], GroupRoles], None]
_MIGRATIONS: list[tuple[str, Migration]] = []


def _migration(func: Migration) -> Migration:
    _MIGRATIONS.append((func.__name__.lstrip("_"), func))
    return func


def _run(
    conn: psycopg.Connection[tuple[object, ...]], roles: GroupRoles, statements: list[str]
) -> None:
    names = {
        "kiosks": sql.Identifier(roles.kiosks),
        "desks": sql.Identifier(roles.desks),
    }
    for statement in statements:
        conn.execute(sql.SQL(statement).format(**names))


def _ensure_role(conn: psycopg.Connection[tuple[object, ...]], role: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
    if exists is None:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))


@_migration
def _initial(conn: psycopg.Connection[tuple[object, ...]], roles: GroupRoles) -> None:
    _ensure_role(conn, roles.kiosks)
    _ensure_role(conn, roles.desks)
    _run(
        conn,
        roles,
        [
            # Which hub this is: a kiosk moved to another hub ships every visit it keeps again.
            """
            CREATE TABLE hub.meta (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                hub_id uuid NOT NULL DEFAULT gen_random_uuid(),
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "INSERT INTO hub.meta DEFAULT VALUES",
            """
            CREATE TABLE hub.kiosks (
                id serial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                role_name text NOT NULL UNIQUE,
                location text,
                created_at timestamptz NOT NULL DEFAULT now(),
                last_contact_at timestamptz,
                backlog integer
            )
            """,
            """
            CREATE TABLE hub.desks (
                id serial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                role_name text NOT NULL UNIQUE,
                created_at timestamptz NOT NULL DEFAULT now(),
                last_contact_at timestamptz
            )
            """,
            # The kiosk this session logs in as (NULL for a desk or an administrator). Invoker's
            # rights: a kiosk sees only its own row of hub.kiosks, which is all this needs.
            """
            CREATE FUNCTION hub.current_kiosk_id() RETURNS integer
            LANGUAGE sql STABLE SECURITY INVOKER
            AS $$ SELECT id FROM hub.kiosks WHERE role_name = current_user $$
            """,
            # Every change that lands takes the next number: a desk asks "what changed since N".
            "CREATE SEQUENCE hub.revision",
            """
            CREATE TABLE hub.visits (
                id bigserial PRIMARY KEY,
                kiosk_id integer NOT NULL DEFAULT hub.current_kiosk_id()
                    REFERENCES hub.kiosks (id),
                code text NOT NULL,
                change_seq bigint NOT NULL CHECK (change_seq >= 1),
                revision bigint NOT NULL DEFAULT nextval('hub.revision'),
                received_at timestamptz NOT NULL DEFAULT now(),
                language text NOT NULL,
                started_at timestamptz NOT NULL,
                completed_at timestamptz,
                status text NOT NULL CHECK (status IN ('in_progress', 'completed', 'abandoned')),
                urgent boolean NOT NULL,
                risk text NOT NULL CHECK (risk IN ('none', 'non_acute', 'acute')),
                urgent_reason text,
                name text,
                guidance text,
                seen_at timestamptz,
                acknowledged_at timestamptz,
                acknowledged_by text,
                outcome text CHECK (outcome IN ('spoke', 'clinician', 'left', 'other')),
                UNIQUE (kiosk_id, code)
            )
            """,
            "CREATE INDEX visits_started_at ON hub.visits (started_at)",
            "CREATE INDEX visits_revision ON hub.visits (revision)",
            # What kiosks pull back: desk acknowledgements their visit rows do not show yet.
            """
            CREATE INDEX visits_awaiting_ack ON hub.visits (kiosk_id)
            WHERE urgent AND acknowledged_at IS NULL
            """,
            """
            CREATE TABLE hub.answers (
                visit_id bigint NOT NULL REFERENCES hub.visits (id) ON DELETE CASCADE,
                section text NOT NULL,
                item integer NOT NULL CHECK (item >= 1),
                value integer CHECK (value IS NULL OR value >= 0),
                answered_at timestamptz NOT NULL,
                PRIMARY KEY (visit_id, section, item)
            )
            """,
            """
            CREATE TABLE hub.scores (
                visit_id bigint NOT NULL REFERENCES hub.visits (id) ON DELETE CASCADE,
                instrument text NOT NULL,
                total integer,
                band text,
                complete boolean NOT NULL,
                skipped integer NOT NULL,
                urgent boolean NOT NULL,
                PRIMARY KEY (visit_id, instrument)
            )
            """,
            """
            CREATE TABLE hub.print_jobs (
                visit_id bigint NOT NULL REFERENCES hub.visits (id) ON DELETE CASCADE,
                kiosk_job_id integer NOT NULL,
                queue text NOT NULL,
                cups_job_id integer,
                state text NOT NULL,
                error text,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (visit_id, kiosk_job_id)
            )
            """,
            # Each change sequence received, once: the idempotence key (kiosk, code, sequence).
            """
            CREATE TABLE hub.visit_changes (
                kiosk_id integer NOT NULL DEFAULT hub.current_kiosk_id()
                    REFERENCES hub.kiosks (id),
                code text NOT NULL,
                change_seq bigint NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (kiosk_id, code, change_seq)
            )
            """,
            # What desks write: never the kiosks' rows, only these, each signed by the desk.
            """
            CREATE TABLE hub.acknowledgements (
                id bigserial PRIMARY KEY,
                visit_id bigint NOT NULL UNIQUE REFERENCES hub.visits (id) ON DELETE CASCADE,
                acknowledged_at timestamptz NOT NULL DEFAULT now(),
                staff_role text NOT NULL CHECK (staff_role IN ('reception', 'admin')),
                outcome text NOT NULL CHECK (outcome IN ('spoke', 'clinician', 'left', 'other')),
                desk text NOT NULL DEFAULT current_user
            )
            """,
            """
            CREATE TABLE hub.seen_marks (
                visit_id bigint PRIMARY KEY REFERENCES hub.visits (id) ON DELETE CASCADE,
                seen_at timestamptz NOT NULL DEFAULT now(),
                staff_role text NOT NULL CHECK (staff_role IN ('reception', 'admin')),
                desk text NOT NULL DEFAULT current_user
            )
            """,
            """
            CREATE TABLE hub.desk_prints (
                id bigserial PRIMARY KEY,
                visit_id bigint NOT NULL REFERENCES hub.visits (id) ON DELETE CASCADE,
                printed_at timestamptz NOT NULL DEFAULT now(),
                queue text NOT NULL,
                state text NOT NULL CHECK (state IN ('completed', 'failed')),
                error text,
                staff_role text NOT NULL CHECK (staff_role IN ('reception', 'admin')),
                desk text NOT NULL DEFAULT current_user
            )
            """,
            "CREATE INDEX desk_prints_visit_id ON hub.desk_prints (visit_id)",
            # The clinic's staff PINs for the desk app (argon2id hashes, as on the kiosk).
            """
            CREATE TABLE hub.staff_pins (
                role text PRIMARY KEY CHECK (role IN ('reception', 'admin')),
                pin_hash text NOT NULL,
                set_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            # The desk's list in one read: kiosk and desk facts together. Invoker's rights, so
            # row-level security applies to whoever reads it.
            """
            CREATE VIEW hub.visit_board WITH (security_invoker = true) AS
            SELECT v.id, v.kiosk_id, k.name AS kiosk, k.location, v.code, v.started_at,
                   v.completed_at, v.status, v.urgent, v.risk, v.urgent_reason, v.name,
                   v.guidance, v.language, v.revision, v.received_at,
                   COALESCE(a.acknowledged_at, v.acknowledged_at) AS acknowledged_at,
                   COALESCE(a.staff_role, v.acknowledged_by) AS acknowledged_by,
                   COALESCE(a.outcome, v.outcome) AS outcome,
                   a.desk AS acknowledged_at_desk,
                   COALESCE(s.seen_at, v.seen_at) AS seen_at,
                   EXISTS (SELECT 1 FROM hub.print_jobs p
                           WHERE p.visit_id = v.id AND p.state = 'completed')
                   OR EXISTS (SELECT 1 FROM hub.desk_prints d
                              WHERE d.visit_id = v.id AND d.state = 'completed') AS printed
            FROM hub.visits v
            JOIN hub.kiosks k ON k.id = v.kiosk_id
            LEFT JOIN hub.acknowledgements a ON a.visit_id = v.id
            LEFT JOIN hub.seen_marks s ON s.visit_id = v.id
            """,
            # --- privileges: nothing by default, then exactly what each side needs ---
            "REVOKE ALL ON SCHEMA hub FROM PUBLIC",
            "REVOKE EXECUTE ON FUNCTION hub.current_kiosk_id() FROM PUBLIC",
            "GRANT USAGE ON SCHEMA hub TO {kiosks}, {desks}",
            "GRANT EXECUTE ON FUNCTION hub.current_kiosk_id() TO {kiosks}, {desks}",
            "GRANT SELECT ON hub.meta, hub.schema_migrations TO {kiosks}, {desks}",
            "GRANT SELECT, UPDATE (location, last_contact_at, backlog) ON hub.kiosks TO {kiosks}",
            """
            GRANT SELECT, INSERT, UPDATE ON hub.visits, hub.answers, hub.scores, hub.print_jobs
            TO {kiosks}
            """,
            "GRANT DELETE ON hub.answers, hub.scores, hub.print_jobs TO {kiosks}",
            "GRANT SELECT, INSERT ON hub.visit_changes TO {kiosks}",
            "GRANT SELECT ON hub.acknowledgements TO {kiosks}",
            "GRANT USAGE ON SEQUENCE hub.visits_id_seq, hub.revision TO {kiosks}",
            """
            GRANT SELECT ON hub.kiosks, hub.desks, hub.visits, hub.answers, hub.scores,
                hub.print_jobs, hub.visit_changes, hub.acknowledgements, hub.seen_marks,
                hub.desk_prints, hub.staff_pins, hub.visit_board
            TO {desks}
            """,
            "GRANT UPDATE (last_contact_at) ON hub.desks TO {desks}",
            "GRANT INSERT ON hub.acknowledgements, hub.seen_marks, hub.desk_prints TO {desks}",
            """
            GRANT USAGE ON SEQUENCE hub.acknowledgements_id_seq, hub.desk_prints_id_seq
            TO {desks}
            """,
            # --- row-level security: a kiosk sees and writes its own rows only ---
            *(
                f"ALTER TABLE hub.{table} ENABLE ROW LEVEL SECURITY"
                for table in ("kiosks", "desks", *_DESK_READABLE)
            ),
            """
            CREATE POLICY kiosk_own ON hub.kiosks FOR ALL TO {kiosks}
            USING (role_name = current_user) WITH CHECK (role_name = current_user)
            """,
            "CREATE POLICY desk_read ON hub.kiosks FOR SELECT TO {desks} USING (true)",
            "CREATE POLICY desk_read ON hub.desks FOR SELECT TO {desks} USING (true)",
            """
            CREATE POLICY desk_own ON hub.desks FOR UPDATE TO {desks}
            USING (role_name = current_user) WITH CHECK (role_name = current_user)
            """,
            """
            CREATE POLICY kiosk_own ON hub.visits FOR ALL TO {kiosks}
            USING (kiosk_id = hub.current_kiosk_id())
            WITH CHECK (kiosk_id = hub.current_kiosk_id())
            """,
            *(
                f"""
                CREATE POLICY kiosk_own ON hub.{table} FOR ALL TO {{kiosks}}
                USING (visit_id IN (SELECT id FROM hub.visits
                                    WHERE kiosk_id = hub.current_kiosk_id()))
                WITH CHECK (visit_id IN (SELECT id FROM hub.visits
                                         WHERE kiosk_id = hub.current_kiosk_id()))
                """
                for table in ("answers", "scores", "print_jobs")
            ),
            """
            CREATE POLICY kiosk_own ON hub.visit_changes FOR ALL TO {kiosks}
            USING (kiosk_id = hub.current_kiosk_id())
            WITH CHECK (kiosk_id = hub.current_kiosk_id())
            """,
            """
            CREATE POLICY kiosk_own_visits ON hub.acknowledgements FOR SELECT TO {kiosks}
            USING (visit_id IN (SELECT id FROM hub.visits
                                WHERE kiosk_id = hub.current_kiosk_id()))
            """,
            *(
                f"CREATE POLICY desk_read ON hub.{table} FOR SELECT TO {{desks}} USING (true)"
                for table in _DESK_READABLE
            ),
            # A desk signs what it writes with its own login, and acknowledges urgent visits only.
            """
            CREATE POLICY desk_writes ON hub.acknowledgements FOR INSERT TO {desks}
            WITH CHECK (desk = current_user AND EXISTS (
                SELECT 1 FROM hub.visits v WHERE v.id = visit_id AND v.urgent))
            """,
            """
            CREATE POLICY desk_writes ON hub.seen_marks FOR INSERT TO {desks}
            WITH CHECK (desk = current_user)
            """,
            """
            CREATE POLICY desk_writes ON hub.desk_prints FOR INSERT TO {desks}
            WITH CHECK (desk = current_user)
            """,
        ],
    )


# What a desk LISTENs on. The payload names the visit by its hub id only (never a code, a name
# or an answer): a listener learns that something changed, and reads it with its own rights.
NOTIFY_CHANNEL: Final = "hub_visits"


@_migration
def _live_notify(conn: psycopg.Connection[tuple[object, ...]], roles: GroupRoles) -> None:
    _run(
        conn,
        roles,
        [
            # Sent at commit, so a desk never reads a change that is not there yet; one per
            # statement row, and PostgreSQL folds identical payloads within a transaction.
            f"""
            CREATE FUNCTION hub.notify_visit_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                changed_id bigint;
                is_urgent boolean;
            BEGIN
                IF TG_TABLE_NAME = 'kiosks' THEN
                    -- a kiosk's location changed: every visit of it shows the new one
                    changed_id := NULL;
                    is_urgent := false;
                ELSIF TG_TABLE_NAME = 'visits' THEN
                    changed_id := NEW.id;
                    is_urgent := NEW.urgent;
                ELSE
                    changed_id := NEW.visit_id;
                    is_urgent := false;
                END IF;
                PERFORM pg_notify('{NOTIFY_CHANNEL}',
                    json_build_object('visit', changed_id, 'urgent', is_urgent,
                                      'what', TG_TABLE_NAME)::text);
                RETURN NULL;
            END
            $$
            """,
            *(
                f"""
                CREATE TRIGGER notify_desks AFTER INSERT OR UPDATE ON hub.{table}
                FOR EACH ROW EXECUTE FUNCTION hub.notify_visit_change()
                """
                for table in ("visits", "acknowledgements", "seen_marks", "desk_prints")
            ),
            """
            CREATE TRIGGER notify_desks AFTER UPDATE OF location ON hub.kiosks
            FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location)
            EXECUTE FUNCTION hub.notify_visit_change()
            """,
        ],
    )


@_migration
def _desk_pin_waits(conn: psycopg.Connection[tuple[object, ...]], roles: GroupRoles) -> None:
    _run(
        conn,
        roles,
        [
            # Wrong PINs at a desk and the wait they earned, kept at the hub: restarting the desk
            # app must not start the count again (the kiosk keeps its own in its database). The
            # wait is on the hub's clock, so the desk PC's clock cannot shorten it either.
            """
            ALTER TABLE hub.desks
                ADD COLUMN pin_failures integer NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
                ADD COLUMN pin_wait_until timestamptz
            """,
            "GRANT UPDATE (pin_failures, pin_wait_until) ON hub.desks TO {desks}",
        ],
    )


HUB_SCHEMA_VERSION: Final = len(_MIGRATIONS)


# --- versions -----------------------------------------------------------------------------------


def hub_version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """The hub's schema version: 0 when `hub init` has never run on this database."""
    row = conn.execute("SELECT to_regclass('hub.schema_migrations') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute("SELECT COALESCE(MAX(version), 0) FROM hub.schema_migrations").fetchone()
    return int(found[0]) if found is not None else 0  # type: ignore[call-overload]


def _where(url: str) -> str:
    return redact_url(url)


def too_new_message(url: str, version: int) -> str:
    return (
        f"The hub {_where(url)} has schema {version}, newer than this version of the kiosk "
        f"knows ({HUB_SCHEMA_VERSION}); nothing was changed. Install the newer kiosk version."
    )


def check_version(conn: psycopg.Connection[tuple[object, ...]], url: str) -> int:
    """The hub's version when it is the one this code knows; otherwise HubSchemaError (missing
    or older: run `hub init`) or HubSchemaTooNewError (newer: update this side)."""
    version = hub_version(conn)
    if version > HUB_SCHEMA_VERSION:
        raise HubSchemaTooNewError(too_new_message(url, version))
    if version == 0:
        raise HubSchemaError(
            f"The hub {_where(url)} has no kiosk schema yet: run `python -m kiosk hub init "
            f"--url ADMIN_URL` on it first."
        )
    if version < HUB_SCHEMA_VERSION:
        raise HubSchemaError(
            f"The hub {_where(url)} has schema {version}; this kiosk needs "
            f"{HUB_SCHEMA_VERSION}: run `python -m kiosk hub init --url ADMIN_URL` with this "
            f"version to upgrade it."
        )
    return version


def init_hub(url: str) -> tuple[int, int]:
    """Create or upgrade the hub's schema at ``url`` (an administrator's URI); idempotent.

    Returns (version before, version after). Each migration is one transaction under the
    schema lock; a newer schema raises HubSchemaTooNewError before anything is changed.
    """
    conn = connect(url)
    try:
        dbname = conn.info.dbname
        roles = group_roles(dbname)
        # Held for the whole run (released by the server should this process die): a second
        # `hub init` waits, then finds the schema current.
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        before = hub_version(conn)
        if before > HUB_SCHEMA_VERSION:
            raise HubSchemaTooNewError(too_new_message(url, before))
        with conn.transaction():
            conn.execute("CREATE SCHEMA IF NOT EXISTS hub")
            conn.execute(
                """
                CREATE TABLE IF NOT EXISTS hub.schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            )
        for number, (name, migrate) in enumerate(_MIGRATIONS, start=1):
            if number <= before:
                continue
            # One transaction per migration: a failing one leaves the schema at the last good.
            with conn.transaction():
                migrate(conn, roles)
                conn.execute(
                    "INSERT INTO hub.schema_migrations (version, name) VALUES (%s, %s)",
                    [number, name],
                )
        return before, hub_version(conn)
    except psycopg.Error as exc:
        raise HubError(
            f"hub init on {_where(url)} failed, nothing of the failing step was kept: "
            f"{_one_line(url, exc)}"
        ) from None
    finally:
        conn.close()
