"""The administrator's side of the hub: logins for kiosks and desks, staff PINs, the state of
each kiosk, and the day's log of every kiosk in the kiosk's own export formats."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, Final, Literal, cast
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from kiosk.config import redact_url
from kiosk.hub.errors import HubError, HubRoleError
from kiosk.hub.schema import check_version, connect, describe_error, group_roles
from kiosk.model import PrintJob, StoredScore, Visit

__all__ = [
    "KioskState",
    "add_login",
    "export_hub_day",
    "hub_visits",
    "kiosk_states",
    "login_url",
    "set_hub_pin",
]

Kind = Literal["kiosk", "desk"]
# A kiosk's or desk's name: short, lower case, as it will read in its login role's name.
_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# PostgreSQL cuts identifiers at 63 bytes; a role name that long would be cut silently.
_MAX_ROLE_BYTES: Final = 63


def role_name(dbname: str, kind: Kind, name: str) -> str:
    """The login role of kiosk or desk ``name`` on the hub database ``dbname``."""
    if not _NAME.match(name):
        raise HubRoleError(
            f"{name!r}: a {kind} name is 1 to 32 lower-case letters, digits, '-' or '_', "
            f"starting with a letter or digit"
        )
    role = f"{dbname}_{kind}_{name.replace('-', '_')}"
    if len(role.encode()) > _MAX_ROLE_BYTES:
        raise HubRoleError(
            f"{name!r}: the login {role!r} would be longer than PostgreSQL allows "
            f"({_MAX_ROLE_BYTES} bytes); choose a shorter name"
        )
    return role


def login_url(admin_url: str, role: str, password: str, *, host: str | None = None) -> str:
    """The URI a kiosk or desk logs in with: the administrator's hub (host, port, database,
    TLS settings) with that login's name and password; ``host`` names the server as the kiosks
    reach it, when the administrator connected some other way (a socket on the server)."""
    params = {k: str(v) for k, v in conninfo_to_dict(admin_url).items() if v is not None}
    params.pop("password", None)
    params.pop("user", None)
    dbname = params.pop("dbname", "")
    if host is not None:
        name, _, port = host.partition(":")
        params["host"] = name
        if port:
            params["port"] = port
    server = params.pop("host", "")
    port = params.pop("port", "")
    query = dict(params)
    if server.startswith("/") or "," in server:
        # A socket folder (or several hosts) cannot sit in the authority part.
        query = {"host": server, **({"port": port} if port else {}), **query}
        authority = ""
    else:
        bracketed = f"[{server}]" if ":" in server else server
        authority = bracketed + (f":{port}" if port else "")
    text = f"postgresql://{quote(role, safe='')}:{quote(password, safe='')}@{authority}"
    text += f"/{quote(dbname, safe='')}"
    if query:
        text += "?" + "&".join(
            f"{quote(k, safe='')}={quote(v, safe='/')}" for k, v in query.items()
        )
    return text


def add_login(
    admin_url: str,
    kind: Kind,
    name: str,
    *,
    new_password: bool = False,
    host: str | None = None,
) -> str:
    """Create the login of kiosk or desk ``name`` (or, with ``new_password``, give an existing
    one a new password) and return the URI it logs in with: the one place its password is
    shown. The password travels to the server only as a SCRAM verifier."""
    password = secrets.token_urlsafe(24)
    conn = connect(admin_url)
    try:
        check_version(conn, admin_url)
        dbname = conn.info.dbname
        role = role_name(dbname, kind, name)
        table = "hub.kiosks" if kind == "kiosk" else "hub.desks"
        group = group_roles(dbname).kiosks if kind == "kiosk" else group_roles(dbname).desks
        verifier = conn.pgconn.encrypt_password(
            password.encode(), role.encode(), b"scram-sha-256"
        ).decode()
        with conn.transaction():
            known = conn.execute(
                sql.SQL("SELECT 1 FROM {} WHERE name = %s").format(sql.SQL(table)), [name]
            ).fetchone()
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            if new_password:
                if known is None or exists is None:
                    raise HubRoleError(
                        f"no {kind} {name!r} on the hub {redact_url(admin_url)}; "
                        f"add it with `hub add-{kind} {name}`"
                    )
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(verifier)
                    )
                )
            else:
                if known is not None or exists is not None:
                    raise HubRoleError(
                        f"the {kind} {name!r} exists already on the hub "
                        f"{redact_url(admin_url)}; give it a new password with "
                        f"`hub add-{kind} {name} --new-password`"
                    )
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                        sql.Identifier(role), sql.Literal(verifier), sql.Identifier(group)
                    )
                )
                conn.execute(
                    sql.SQL("INSERT INTO {} (name, role_name) VALUES (%s, %s)").format(
                        sql.SQL(table)
                    ),
                    [name, role],
                )
    except psycopg.Error as exc:
        raise HubRoleError(describe_error(admin_url, exc)) from None
    finally:
        conn.close()
    return login_url(admin_url, role, password, host=host)


def set_hub_pin(admin_url: str, role: str, pin: str) -> bool:
    """Set the desk app's ``role`` PIN (argon2id, the kiosk's rules). True when it replaced
    one. Raises PinError for a PIN the kiosk would refuse too."""
    from kiosk.staff_pins import ROLES, PinError, hash_pin, pin_matches, validate_pin

    if role not in ROLES:
        raise ValueError(f"unknown staff role {role!r}; expected one of {ROLES}")
    validate_pin(pin)
    conn = connect(admin_url)
    try:
        check_version(conn, admin_url)
        with conn.transaction():
            for other, stored in conn.execute(
                "SELECT role, pin_hash FROM hub.staff_pins WHERE role <> %s", [role]
            ).fetchall():
                if pin_matches(str(stored), pin):
                    raise PinError(
                        f"The {role} PIN must differ from the {other} PIN; nothing changed."
                    )
            row = conn.execute(
                """
                INSERT INTO hub.staff_pins (role, pin_hash) VALUES (%s, %s)
                ON CONFLICT (role) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = now()
                RETURNING (xmax <> 0)
                """,
                [role, hash_pin(pin)],
            ).fetchone()
    except psycopg.Error as exc:
        raise HubError(describe_error(admin_url, exc)) from None
    finally:
        conn.close()
    return bool(row and row[0])


@dataclass(frozen=True)
class KioskState:
    """One kiosk as `hub status` shows it."""

    name: str
    location: str | None
    last_contact_at: datetime | None
    backlog: int | None
    visits: int  # visits of this kiosk at the hub


def kiosk_states(url: str) -> list[KioskState]:
    conn = connect(url)
    try:
        check_version(conn, url)
        rows = conn.execute(
            """
            SELECT k.name, k.location, k.last_contact_at, k.backlog,
                   (SELECT COUNT(*) FROM hub.visits v WHERE v.kiosk_id = k.id)
            FROM hub.kiosks k ORDER BY k.name
            """
        ).fetchall()
    except psycopg.Error as exc:
        raise HubError(describe_error(url, exc)) from None
    finally:
        conn.close()
    return [
        KioskState(
            name=cast(str, name),
            location=cast("str | None", location),
            last_contact_at=cast("datetime | None", last),
            backlog=cast("int | None", backlog),
            visits=int(cast(int, count)),
        )
        for name, location, last, backlog, count in rows
    ]


def hub_visits(
    conn: psycopg.Connection[tuple[object, ...]], start: datetime, end: datetime
) -> list[tuple[str, Visit]]:
    """(kiosk name, visit) for every visit at the hub started in [start, end), in time order,
    as the kiosk's exports and summary take them."""
    cursor = conn.execute(
        """
        SELECT b.id, b.kiosk, b.code, b.language, b.started_at, b.completed_at, b.status,
               b.urgent, b.risk, b.urgent_reason, b.acknowledged_at, b.acknowledged_by,
               b.outcome, b.name, b.guidance, b.printed, b.seen_at IS NOT NULL
        FROM hub.visit_board b WHERE b.started_at >= %s AND b.started_at < %s
        ORDER BY b.started_at, b.id
        """,
        [start, end],
    )
    rows = cursor.fetchall()
    ids = [row[0] for row in rows]
    answers: dict[Any, dict[str, dict[int, int | None]]] = {}
    for visit_id, section, item, value in conn.execute(
        "SELECT visit_id, section, item, value FROM hub.answers WHERE visit_id = ANY(%s)", [ids]
    ):
        answers.setdefault(visit_id, {}).setdefault(cast(str, section), {})[cast(int, item)] = cast(
            "int | None", value
        )
    scores: dict[Any, dict[str, StoredScore]] = {}
    for visit_id, instrument, total, band, complete, skipped, urgent in conn.execute(
        """
        SELECT visit_id, instrument, total, band, complete, skipped, urgent
        FROM hub.scores WHERE visit_id = ANY(%s)
        """,
        [ids],
    ):
        scores.setdefault(visit_id, {})[cast(str, instrument)] = StoredScore(
            instrument=cast(Any, instrument),
            total=cast("int | None", total),
            band=cast("str | None", band),
            complete=bool(complete),
            skipped=cast(int, skipped),
            urgent=bool(urgent),
        )
    jobs: dict[Any, list[PrintJob]] = {}
    for visit_id, job_id, queue, cups_job_id, state, error, created, updated in conn.execute(
        """
        SELECT visit_id, kiosk_job_id, queue, cups_job_id, state, error, created_at, updated_at
        FROM hub.print_jobs WHERE visit_id = ANY(%s) ORDER BY visit_id, kiosk_job_id
        """,
        [ids],
    ):
        jobs.setdefault(visit_id, []).append(
            PrintJob(
                id=cast(int, job_id),
                queue=cast(str, queue),
                state=cast(Any, state),
                cups_job_id=cast("int | None", cups_job_id),
                error=cast("str | None", error),
                created_at=cast(datetime, created),
                updated_at=cast(datetime, updated),
            )
        )
    visits = []
    for row in rows:
        (
            visit_id,
            kiosk,
            code,
            language,
            started,
            completed,
            status,
            urgent,
            risk,
            reason,
            acknowledged_at,
            acknowledged_by,
            outcome,
            name,
            guidance,
            printed,
            seen,
        ) = row
        visits.append(
            (
                cast(str, kiosk),
                Visit(
                    id=cast(int, visit_id),
                    code=cast(str, code),
                    language=cast(str, language),
                    started_at=cast(datetime, started),
                    completed_at=cast("datetime | None", completed),
                    status=cast(Any, status),
                    urgent=bool(urgent),
                    risk=cast(Any, risk),
                    reason=cast("str | None", reason),
                    acknowledged_at=cast("datetime | None", acknowledged_at),
                    acknowledged_by=cast("str | None", acknowledged_by),
                    outcome=cast(Any, outcome),
                    name=cast("str | None", name),
                    answers=cast(Any, answers.get(visit_id, {})),
                    scores=cast(Any, scores.get(visit_id, {})),
                    guidance=cast(Any, guidance),
                    printed=bool(printed),
                    seen=bool(seen),
                    print_jobs=tuple(jobs.get(visit_id, ())),
                ),
            )
        )
    return visits


def export_filename(day: date, fmt: str) -> str:
    from kiosk.exports import FORMATS

    return f"hub-log-{day.isoformat()}{FORMATS[fmt].suffix}"


def export_hub_day(
    url: str,
    day: date,
    fmt: str,
    out_dir: Path,
    *,
    zone: tzinfo,
    with_answers: bool = False,
    force: bool = False,
    content: Any = None,
) -> tuple[Path, int]:
    """Write every kiosk's finished visits of ``day`` (clinic-local) in format ``fmt`` to
    ``out_dir`` as hub-log-DAY<suffix>; CSV and JSON gain a ``kiosk`` column (the kiosk's
    name at the hub). Returns the file and how many visits it holds."""
    import csv
    import io
    import json

    from kiosk.exports import FORMATS
    from kiosk.exports.day_log import ExportError, _write_atomically, day_range
    from kiosk.exports.records import json_text

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir}: folder does not exist (is the drive plugged in?)")
    target = out_dir / export_filename(day, fmt)
    if not force and (target.exists() or target.is_symlink()):
        raise ExportError(f"{target} already exists (use --force to replace it)")
    start, end = day_range(day, zone)
    conn = connect(url)
    try:
        check_version(conn, url)
        with conn.transaction():
            found = hub_visits(conn, start, end)
    except psycopg.Error as exc:
        raise HubError(describe_error(url, exc)) from None
    finally:
        conn.close()
    finished = [(kiosk, v) for kiosk, v in found if v.status in ("completed", "abandoned")]
    visits = [visit for _, visit in finished]
    kiosks = [kiosk for kiosk, _ in finished]
    data = FORMATS[fmt].renderer()(visits, zone, with_answers=with_answers, content=content)
    if fmt == "csv":
        # The contract's columns first, in their order; the hub's `kiosk` after them.
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([*rows[0], "kiosk"])
        for row, kiosk in zip(rows[1:], kiosks, strict=True):
            writer.writerow([*row, kiosk])
        data = buffer.getvalue().encode("utf-8")
    elif fmt == "json":
        records = json.loads(data)
        for record, kiosk in zip(records, kiosks, strict=True):
            record["kiosk"] = kiosk
        data = json_text(records)
    _write_atomically(target, data, force=force)
    return target, len(visits)
