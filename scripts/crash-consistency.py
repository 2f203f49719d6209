#!/usr/bin/env python3
"""Crash consistency (issue 23, « Faults », point 3): `kill -9` at a random moment during four
operations, 20 times each, on SQLite (a file) and on PostgreSQL (a fresh database per run on the test
server), and after every kill:

* the database is sound: SQLite `PRAGMA integrity_check` says ok and `PRAGMA foreign_key_check` finds
  nothing; PostgreSQL's amcheck finds nothing (`bt_index_check` of every B-tree index with its heap,
  `verify_heapam` of every table) and no row breaks a foreign key; and the application's own
  invariants hold (each referral's state is the one its last event led to, an outcome only for a
  closed referral, the audit journal's chain links up to its head);
* the operation is all-or-nothing, unit by unit, compared with the state before (the prepared
  database) and with the state after a complete run (computed once, on a copy):
  - directory import (`aiguillage directory import`, one transaction): every table exactly as
    before, or every table as after (times and audit hashes aside, they depend on the clock);
  - redistribution applied (`aiguillage queue redistribute --territory 49`): the same, whole
    database (the moves and the notices they send);
  - pathway closing (`POST /api/v1/orientations/{id}/cloture` by a partner tool, several at once
    against `aiguillage serve`, the server killed): each referral, with its events and outcome, is
    exactly as before or exactly as closed; every closing the server acknowledged is there; nothing
    else changed but the journals;
  - purge (`aiguillage purge --now`, each record anonymised in its own transaction by design, see
    crates/service/src/retention.rs): each person is either untouched, rows of every table that
    belongs to them included, or gone with all of them, its statistical facts and its audit entry;
    each referent's warning is whole (the notice and its records marked warned); nothing else changed;
* then the application opens the database again: in the first FULL_RECOVERIES runs per operation and
  backend whose state needs it, the same operation is run again and completes (the purge once its
  crashed lease expired: the lease is aged by an hour, as a crashed run's would have; the closings
  by the server started again); in the others, `aiguillage migrate` opens it and finds it at level.
Each kill is counted as landed before the operation wrote anything, mid-way (with the state found:
as before, as after, or unit by unit in part), or once it was over. The kills are drawn uniformly
between a little before the complete run's first write and its end (narrowed to the end of any run
found finished). SQLite's and PostgreSQL's runs go at once, in two processes.

Usage: scripts/crash-consistency.py [--runs N] [--backend sqlite|postgres|both] [--op NAME ...]
  AIGUILLAGE_BIN: the binary (target/debug/aiguillage by default);
  AIGUILLAGE_TEST_DATABASE_URL: the PostgreSQL test server (postgres://user@host:port/db); without
  it, PostgreSQL is skipped unless asked for. Exits non-zero on any failure.
"""

import argparse
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.environ.get("AIGUILLAGE_BIN", os.path.join(ROOT, "target/debug/aiguillage")))
ENV = dict(os.environ, RUST_LOG="error", AIGUILLAGE_AUDIT_KEY="%064d" % 7, NO_COLOR="1")
ENV.pop("AIGUILLAGE_DATABASE_URL", None)
# Synthetic data: people of Maine-et-Loire with diagnostics, referrals, sessions and closings.
PEOPLE, OFFERS = 1500, 100
# Places imported: the first rows of the France services list (kept short so that 20 runs fit).
IMPORT_ROWS = 600
# Referrals closed by the partner tool in one run, and by how many connections at once.
CLOSINGS, CLOSERS = 160, 4
# After a kill, the operation is run again to completion this many times per scenario (then the
# application only opens the database: `aiguillage migrate` finds it at level), to keep the time.
FULL_RECOVERIES = 5
# People anonymised by the purge in one run.
PURGED = 150
TIMES = {}


class timed:
    """Adds the time spent in a phase to TIMES (printed with CRASH_TIMES=1)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.started = time.time()

    def __exit__(self, *_):
        TIMES[self.name] = TIMES.get(self.name, 0) + time.time() - self.started


def is_volatile(column):
    """Columns the clock writes (moments, and the audit hashes that seal them)."""
    return column == "at" or column.endswith("_at") or column in ("hash", "prev_hash")


def app(url, *args, check=True, stdin=None):
    result = subprocess.run([BIN, "--database-url", url, *args], env=ENV, input=stdin,
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"aiguillage {' '.join(args)} : {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def canonical(row, relaxed):
    items = sorted((k, v) for k, v in row.items() if not (relaxed and is_volatile(k)))
    return json.dumps(items, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------------------------
# Backends: a prepared database per operation (the template), a copy per run.


class Sqlite:
    name = "SQLite"

    def __init__(self, work):
        self.work = work

    def create(self, name):
        path = os.path.join(self.work, name + ".db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path

    def url(self, db):
        return "sqlite://" + db

    def settle(self, db):
        # A prepared file holds everything itself (no write-ahead log left beside it).
        connection = sqlite3.connect(db)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()

    def copy(self, template, name):
        self.settle(template)
        path = self.create(name)
        shutil.copyfile(template, path)
        return path

    def drop(self, db):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)

    def rows(self, db, sql):
        connection = sqlite3.connect(db)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute(sql)]
        finally:
            connection.close()

    def tables(self, db):
        return [r["name"] for r in self.rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    def table_rows(self, db, table):
        return self.rows(db, f'SELECT * FROM "{table}"')

    def digest(self, db, only=None, relaxed=True):
        """Per table (or those of `only`): (rows, digest of every column, digest without the clock's
        columns or None), the rows in their storage order (the same ids on the same copies: SQLite
        hands them out again)."""
        import hashlib
        connection = sqlite3.connect(db)
        out = {}
        try:
            for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
                if only is not None and table not in only:
                    continue
                try:
                    cursor = connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
                    rows = cursor.fetchall()
                except sqlite3.OperationalError:  # a table without rowid
                    cursor = connection.execute(f'SELECT * FROM "{table}"')
                    rows = sorted(cursor.fetchall(), key=repr)
                columns = [d[0] for d in cursor.description]
                keep = [i for i, c in enumerate(columns) if not is_volatile(c)]
                strict = hashlib.md5(repr(rows).encode()).hexdigest()
                loose = None
                if relaxed:
                    loose = strict if len(keep) == len(columns) else \
                        hashlib.md5(repr([tuple(r[i] for i in keep) for r in rows]).encode()).hexdigest()
                out[table] = (len(rows), strict, loose)
        finally:
            connection.close()
        return out

    def integrity(self, db):
        connection = sqlite3.connect(db)
        try:
            problems = [r[0] for r in connection.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"clé étrangère : {r}" for r in connection.execute("PRAGMA foreign_key_check")]
        finally:
            connection.close()
        return problems

    def foreign_keys(self, db):
        """(child table, child column, parent table, parent column)."""
        keys = []
        for table in self.tables(db):
            for r in self.rows(db, f'PRAGMA foreign_key_list("{table}")'):
                keys.append((table, r["from"], r["table"], r["to"] or "id"))
        return keys

    def writer_probe(self, db):
        return SqliteWriterProbe(db)

    def write_watch(self, db):
        return SqliteWriterProbe(db)

    def age_lease(self, db):
        connection = sqlite3.connect(db, timeout=10)
        connection.execute("UPDATE job_leases SET expires_at = expires_at - 3600")
        connection.commit()
        connection.close()


class SqliteWriterProbe:
    """Watches, while an operation runs, whether some connection holds the write lock."""

    def __init__(self, db):
        self.db = db
        self.seen, self.first_seen = False, None
        self.stop = False
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self):
        connection = sqlite3.connect(self.db, timeout=0, isolation_level=None)
        while not self.stop:
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
            except sqlite3.OperationalError:
                if not self.seen:
                    self.first_seen = time.time()
                self.seen = True
            time.sleep(0.002)
        connection.close()

    def wrote(self):
        self.stop = True
        self.thread.join()
        return self.seen

    def first(self):
        self.stop = True
        self.thread.join()
        return self.first_seen


class Postgres:
    name = "PostgreSQL"

    def __init__(self, base_url):
        self.server = base_url.rsplit("/", 1)[0]
        self.admin = base_url

    def psql(self, url, sql, check=True):
        result = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", url],
                                input=sql, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"psql : {result.stderr}")
        return [line.split("\x1f") for line in result.stdout.splitlines()]

    def create(self, name, template=None):
        self.drop(name)
        clause = f" TEMPLATE {template}" if template else ""
        self.psql(self.admin, f"CREATE DATABASE {name}{clause} STRATEGY FILE_COPY")
        return name

    def url(self, db):
        return f"{self.server}/{db}"

    def settle(self, db):
        pass

    def copy(self, template, name):
        return self.create(name, template)

    def drop(self, db):
        self.psql(self.admin, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")

    def rows(self, db, sql):
        out = self.psql(self.url(db), f"SELECT row_to_json(q)::text FROM ({sql}) q")
        return [json.loads(r[0]) for r in out]

    def tables(self, db):
        return [r[0] for r in self.psql(self.url(db), "SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")]

    def table_rows(self, db, table):
        return self.rows(db, f'SELECT * FROM "{table}"')

    def digest(self, db, only=None, relaxed=True):
        if not hasattr(self, "columns"):
            self.columns = {}
            for table, column in self.psql(self.url(db), "SELECT table_name, column_name FROM information_schema.columns "
                                           "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"):
                self.columns.setdefault(table, []).append(column)
        parts = []
        for table in sorted(self.columns):
            if only is not None and table not in only:
                continue
            keep = [f't."{c}"' for c in self.columns[table] if not is_volatile(c)]
            loose = f"ROW({', '.join(keep)}, 0)::text" if keep else "''"
            loose = f"md5(coalesce(string_agg({loose}, E'\\n' ORDER BY {loose}), ''))" if relaxed else "''"
            parts.append(f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')), "
                         f'{loose} FROM "{table}" t')
        if not parts:
            return {}
        out = self.psql(self.url(db), "\nUNION ALL\n".join(parts))
        return {t: (int(n), s, r or None) for t, n, s, r in out}

    def integrity(self, db):
        # bt_index_check (with the heap: every row in its indexes) raises on corruption;
        # verify_heapam lists what it finds.
        problems = []
        result = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.url(db)], input="""
            SELECT count(bt_index_check(c.oid, true)) FROM pg_index i
              JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE am.amname = 'btree' AND n.nspname = 'public' AND i.indisready AND i.indisvalid;
            SELECT c.relname, v.blkno, v.msg FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                   LATERAL verify_heapam(c.oid) v
             WHERE n.nspname = 'public' AND c.relkind = 'r';""", capture_output=True, text=True)
        if result.returncode != 0:
            problems.append(f"amcheck : {result.stderr.strip()}")
        else:
            problems += [f"verify_heapam : {line}" for line in result.stdout.splitlines()[1:]]
        checks = []
        for child, column, parent, key in self.foreign_keys(db):
            checks.append(f"SELECT '{child}.{column}', count(*) FROM \"{child}\" c WHERE c.\"{column}\" IS NOT NULL "
                          f"AND NOT EXISTS (SELECT 1 FROM \"{parent}\" p WHERE p.\"{key}\" = c.\"{column}\")")
        if checks:
            for name, count in self.psql(self.url(db), "\nUNION ALL\n".join(checks)):
                if count != "0":
                    problems.append(f"clé étrangère {name} : {count} ligne(s) orpheline(s)")
        return problems

    def foreign_keys(self, db):
        out = self.psql(self.url(db), """
            SELECT cl.relname, a.attname, pc.relname, pa.attname FROM pg_constraint co
              JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class pc ON pc.oid = co.confrelid
              JOIN pg_namespace n ON n.oid = cl.relnamespace
              JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
              JOIN pg_attribute pa ON pa.attrelid = co.confrelid AND pa.attnum = co.confkey[1]
             WHERE co.contype = 'f' AND n.nspname = 'public' AND array_length(co.conkey, 1) = 1""")
        return [tuple(r) for r in out]

    def writer_probe(self, db):
        return PostgresWriterProbe(self, db)

    def write_watch(self, db):
        return PostgresWriteWatch(self, db)

    def age_lease(self, db):
        self.psql(self.url(db), "UPDATE job_leases SET expires_at = expires_at - 3600")


class PostgresWriterProbe:
    """Whether the operation wrote: the database's tuple counters once its connections are gone
    (they count the rolled-back writes too), beyond what the application's start writes."""

    def __init__(self, backend, db):
        self.backend, self.db = backend, db

    def wrote(self):
        for _ in range(300):
            n = self.backend.psql(self.backend.admin, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.db}'")
            if n[0][0] == "0":
                break
            time.sleep(0.01)
        out = self.backend.psql(self.backend.admin, "SELECT coalesce(tup_inserted + tup_updated + tup_deleted, 0) "
                                f"FROM pg_stat_database WHERE datname = '{self.db}'")
        return bool(out) and int(out[0][0]) > self.backend.startup_writes


class PostgresWriteWatch:
    """When a connection to the database first held a transaction id (first wrote)."""

    def __init__(self, backend, db):
        self.backend, self.db, self.first_seen, self.stop = backend, db, None, False
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self):
        while not self.stop and self.first_seen is None:
            n = self.backend.psql(self.backend.admin, "SELECT count(*) FROM pg_stat_activity "
                                  f"WHERE datname = '{self.db}' AND backend_xid IS NOT NULL", check=False)
            if n and n[0][0] != "0":
                self.first_seen = time.time()
            time.sleep(0.01)

    def first(self):
        self.stop = True
        self.thread.join()
        return self.first_seen


# ---------------------------------------------------------------------------------------------
# Invariants of the application.


def app_invariants(backend, db):
    problems = []
    wrong = backend.rows(db, """
        SELECT r.id, r.state, e.to_state FROM referrals r
          JOIN (SELECT referral_id, max(id) AS id FROM referral_events GROUP BY referral_id) m ON m.referral_id = r.id
          JOIN referral_events e ON e.id = m.id
         WHERE e.to_state <> r.state""")
    problems += [f"orientation {r['id']} : état {r['state']}, dernier événement vers {r['to_state']}" for r in wrong]
    wrong = backend.rows(db, "SELECT o.referral_id FROM referral_outcomes o JOIN referrals r ON r.id = o.referral_id "
                             "WHERE r.state <> 'closed'")
    problems += [f"orientation {r['referral_id']} : une issue sans être close" for r in wrong]
    entries = backend.rows(db, "SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq")
    for before, after in zip(entries, entries[1:]):
        if after["prev_hash"] != before["hash"]:
            problems.append(f"journal d'audit : l'entrée {after['seq']} ne suit pas la {before['seq']}")
    head = backend.rows(db, "SELECT seq, hash FROM audit_head")
    if entries and head and (head[0]["seq"] != entries[-1]["seq"] or head[0]["hash"] != entries[-1]["hash"]):
        problems.append(f"journal d'audit : tête {head[0]['seq']}, dernière entrée {entries[-1]['seq']}")
    return problems


# ---------------------------------------------------------------------------------------------
# The operations.


class Operation:
    """One operation: prepared once per backend, started per run, checked after the kill."""

    label = ""
    # Whether the operation commits unit by unit (each unit all-or-nothing) rather than at once.
    by_unit = False
    # Tables the kill may leave in any state without it being the operation's (none by default).
    free = ()

    def __init__(self, backend, work):
        self.backend, self.work = backend, work

    def prepare(self, base):
        return base

    def start(self, db):
        """Starts the operation; returns a handle with .done() and .kill()."""
        raise NotImplementedError

    def recover(self, db):
        """Opens the database with the application again and completes the operation."""
        raise NotImplementedError

    def capture(self, db, before=None):
        """The database's digests: every table's; after a kill (`before` given), the digest without
        the clock's columns is computed only for the tables that differ from `before`."""
        if before is None:
            return {"digest": self.backend.digest(db)}
        digest = self.backend.digest(db, relaxed=False)
        changed = {t for t in digest if digest[t][1] != before["digest"].get(t, (0, "", ""))[1]}
        loose = self.backend.digest(db, only=changed) if changed else {}
        return {"digest": {t: loose.get(t) or before["digest"][t] for t in digest}}

    def check(self, before, after, crashed, handle):
        """`("avant"|"après"|"partiel", problems)`: whole-database all-or-nothing."""
        b, a, c = before["digest"], after["digest"], crashed["digest"]
        tables = set(b) | set(a) | set(c)
        tables -= set(self.free)
        if all(c.get(t, (0, "", ""))[1] == b.get(t, (0, "", ""))[1] for t in tables):
            return "avant", []
        if all(c.get(t, (0, "", ""))[2] == a.get(t, (0, "", ""))[2] for t in tables):
            return "après", []
        mixed = sorted(t for t in tables if c.get(t) != b.get(t))
        detail = ", ".join(f"{t} ({b.get(t, (0,))[0]} → {c.get(t, (0,))[0]}, complet : {a.get(t, (0,))[0]})"
                           for t in mixed[:12])
        return "partiel", [f"ni avant ni après : {detail}"]


class CliOperation(Operation):
    args = ()

    def start(self, db):
        return Process([BIN, "--database-url", self.backend.url(db), *self.args])

    def recover(self, db):
        app(self.backend.url(db), *self.args)


class Process:
    def __init__(self, command):
        self.process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def done(self):
        return self.process.poll() is not None

    def kill(self):
        self.process.kill()
        self.process.wait()

    def finish(self):
        _, err = self.process.communicate()
        if self.process.returncode != 0:
            raise RuntimeError(f"l'opération a échoué ({self.process.returncode}) : {err.decode()[-2000:]}")


class DirectoryImport(CliOperation):
    label = "import annuaire"

    def prepare(self, base):
        rows = open(os.path.join(ROOT, "data/directory/liste-fs-20240801.csv"), encoding="utf-8").read().splitlines(True)
        self.file = os.path.join(self.work, "france-services-extrait.csv")
        with open(self.file, "w", encoding="utf-8") as out:
            out.writelines(rows[: IMPORT_ROWS + 1])
        self.args = ("directory", "import", self.file)
        return base


class Redistribution(CliOperation):
    label = "redistribution"
    args = ("queue", "redistribute", "--territory", "49")

    def prepare(self, base):
        # A simulation first: the instance's pseudonymisation key is created at the first
        # computation, and belongs to the prepared state, not to the redistribution.
        app(self.backend.url(base), *self.args, "--dry-run")
        return base


class Purge(CliOperation):
    label = "purge"
    by_unit = True

    def prepare(self, base):
        # The people are warned at d1 (a first purge), then d2 = d1 + 40 days anonymises those warned
        # and warns the next ones: d1 is chosen so that about PURGED people go.
        contacts = sorted(r["last_contact_at"] for r in self.backend.rows(base, "SELECT last_contact_at FROM people"))
        cutoff = contacts[min(PURGED, len(contacts) - 1)]
        d2 = cutoff + int(2 * 365.25 * 86400) - 2 * 86400
        d1 = d2 - 40 * 86400
        day = lambda t: time.strftime("%Y-%m-%d", time.gmtime(t))
        app(self.backend.url(base), "purge", "--now", day(d1))
        self.args = ("purge", "--now", day(d2))
        return base

    def recover(self, db):
        # A purge killed keeps its lease until it expires (an hour): as if that hour had passed.
        self.backend.age_lease(db)
        app(self.backend.url(db), *self.args)

    def capture(self, db, before=None):
        captured = super().capture(db, before)
        captured["rows"] = {t: self.backend.table_rows(db, t) for t in self.owned_tables(db)}
        for t in ("people", "notifications", "anonymised_people", "audit_log", "accounts", "job_leases"):
            captured["rows"].setdefault(t, self.backend.table_rows(db, t))
        return captured

    def owned_tables(self, db):
        if not hasattr(self, "_owned"):
            keys = self.backend.foreign_keys(db)
            owned, grew = {"people": ("id", None)}, True
            while grew:
                grew = False
                for child, column, parent, key in keys:
                    if parent in owned and child not in owned and child != parent:
                        owned[child] = (column, parent)
                        grew = True
            self._owned = owned
        return self._owned

    def owners(self, rows_by_table, known):
        """Each owned row's person: `{table: [(person or None, row)]}`; `known` maps
        (table, id) → person for parents missing from these rows (deleted ones)."""
        owned = self.owned_tables(None)
        person_of = dict(known)
        order, placed = [], set()
        while len(order) < len(owned):
            for table, (column, parent) in owned.items():
                if table not in placed and (parent is None or parent in placed):
                    order.append(table)
                    placed.add(table)
        out = {}
        for table in order:
            column, parent = owned[table]
            out[table] = []
            for row in rows_by_table.get(table, []):
                if parent is None:
                    person = row["id"]
                else:
                    person = person_of.get((parent, row.get(column)))
                if "id" in row:
                    person_of[(table, row["id"])] = person
                out[table].append((person, row))
        return out, person_of

    def check(self, before, after, crashed, handle):
        problems = []
        owned = self.owned_tables(None)
        domain = set(owned) | {"anonymised_people", "audit_log", "audit_head", "notifications", "purge_runs",
                               "job_leases", "sqlite_sequence", "anonymous_counts", "vouchers", "audit_subjects"}
        b, a, c = before["digest"], after["digest"], crashed["digest"]
        for t in sorted(set(b) | set(c)):
            if t not in domain and b.get(t) != c.get(t):
                problems.append(f"{t} changée hors du domaine de la purge")
        by_b, known = self.owners(before["rows"], {})
        by_c, _ = self.owners(crashed["rows"], known)
        by_a, _ = self.owners(after["rows"], known)
        people_b = {r["id"] for r in before["rows"]["people"]}
        people_c = {r["id"] for r in crashed["rows"]["people"]}
        people_a = {r["id"] for r in after["rows"]["people"]}
        gone = people_b - people_c
        if not gone <= people_b - people_a:
            problems.append(f"personnes effacées que la purge complète garde : {sorted(gone - (people_b - people_a))[:10]}")

        def units(by):
            u = {}
            for table, rows in by.items():
                for person, row in rows:
                    if person is not None:
                        u.setdefault(person, set()).add((table, canonical(row, True)))
            return u

        ub, uc = units(by_b), units(by_c)
        for person in sorted(people_b):
            if person in gone:
                if person in uc:
                    tables = sorted({t for t, _ in uc[person]})
                    problems.append(f"personne {person} effacée à moitié : il reste {', '.join(tables)}")
            elif uc.get(person) != ub.get(person):
                changed = sorted({t for t, _ in (uc.get(person, set()) ^ ub.get(person, set()))})
                problems.append(f"personne {person} gardée mais changée : {', '.join(changed)}")
        # Its statistical facts and its audit entry go with each record anonymised.
        facts = len(crashed["rows"]["anonymised_people"]) - len(before["rows"]["anonymised_people"])
        if facts != len(gone):
            problems.append(f"{len(gone)} personnes anonymisées, {facts} faits statistiques écrits")
        audited = {r["record_id"] for r in crashed["rows"]["audit_log"] if r["reason"].startswith("purge")} - \
            {r["record_id"] for r in before["rows"]["audit_log"] if r["reason"].startswith("purge")}
        if audited != {f"personne-{p}" for p in gone}:
            problems.append(f"audit de la purge : {len(audited)} entrées pour {len(gone)} anonymisations")
        # Warnings: a referent's notice and the marks of their records, together.
        warned = lambda rows: {r["id"] for r in rows if r.get("retention_warned_at") is not None}
        newly = (warned(crashed["rows"]["people"]) - warned(before["rows"]["people"])) & people_c
        to_warn = warned(after["rows"]["people"]) - warned(before["rows"]["people"])
        active = {r["id"] for r in before["rows"]["accounts"] if r.get("deactivated_at") is None}
        referent = {}
        for r in before["rows"]["people"]:
            account = r.get("enrolled_by")
            referent[r["id"]] = ("account", account) if account in active else ("structure", r["structure_id"])
        known_notes = {canonical(n, True) for n in before["rows"]["notifications"]}
        notes = [n for n in crashed["rows"]["notifications"] if canonical(n, True) not in known_notes]
        notified = set()
        for n in notes:
            if n.get("link", "").startswith("/personnes/"):
                notified.add(("account", n["account_id"]) if n.get("account_id") is not None
                             else ("structure", n["structure_id"]))
        for person in to_warn & people_c:
            if (person in newly) != (referent[person] in notified):
                problems.append(f"personne {person} : avertissement à moitié (marquée : {person in newly}, "
                                f"référent notifié : {referent[person] in notified})")
                break
        if gone and len(gone) < len(people_b - people_a):
            kind = "partiel"
        elif gone or newly:
            kind = "après" if gone == people_b - people_a and newly == (to_warn & people_c) else "partiel"
        else:
            kind = "avant"
        handle.lease_left = any(r["name"] == "purge" for r in crashed["rows"]["job_leases"])
        return kind, problems


class Closings(Operation):
    """A partner tool closes referrals through the API, several requests at once; the server is
    the process killed."""

    label = "clôture de parcours"
    by_unit = True
    # The journals, the client's last use, and the leases the server's daily jobs take at its start
    # (a server killed at that moment keeps one until it expires, as designed).
    free = ("audit_log", "audit_head", "audit_subjects", "api_clients", "sqlite_sequence", "job_leases")

    def prepare(self, base):
        url = self.backend.url(base)
        sender = self.backend.rows(base, "SELECT sender_structure_id AS s, count(*) AS n FROM referrals "
                                         "GROUP BY sender_structure_id ORDER BY n DESC LIMIT 1")[0]["s"]
        app(url, "user", "add", "--email", "prescripteur@crash.test", "--name", "Prescriptrice",
            "--role", "prescriber", "--structure-id", str(sender), "--territory", "49",
            stdin="lanterne-violon-granit-2026\n")
        account = self.backend.rows(base, "SELECT id FROM accounts WHERE email = 'prescripteur@crash.test'")[0]["id"]
        out = app(url, "api-client", "add", "--name", "Essai de panne", "--scope", "referrals:write",
                  "--account", str(account)).stdout.splitlines()
        self.token = next(line for line in out if line.startswith("aig-") and ":" in line).strip()
        targets = self.backend.rows(base, "SELECT id, version FROM referrals WHERE state = 'in_pathway' "
                                          f"AND sender_structure_id = {sender} ORDER BY id LIMIT {CLOSINGS}")
        self.targets = [(r["id"], r["version"]) for r in targets]
        self.port = free_port()
        return base

    def start(self, db, wait_ready=True):
        return ServerAndClient(self, db)

    def recover(self, db):
        handle = ServerAndClient(self, db, only_open=True)
        while not handle.done():
            time.sleep(0.02)
        handle.kill()
        if handle.failures:
            raise RuntimeError(f"clôtures refusées au redémarrage : {handle.failures[:3]}")

    def capture(self, db, before=None):
        captured = super().capture(db, before)
        ids = ",".join(str(i) for i, _ in self.targets)
        units, people = {}, {}
        for table, key in (("referrals", "id"), ("referral_events", "referral_id"), ("referral_outcomes", "referral_id")):
            for r in self.backend.rows(db, f"SELECT * FROM {table} WHERE {key} IN ({ids})"):
                if table == "referral_events":
                    r.pop("id")  # numbered in the order the concurrent closings committed
                units.setdefault(r[key], set()).add((table, canonical(r, True)))
        for r in self.backend.rows(db, f"SELECT r.id AS referral_id, p.* FROM people p JOIN referrals r "
                                       f"ON r.person_id = p.id WHERE r.id IN ({ids})"):
            people[r.pop("referral_id")] = r
        captured["units"], captured["people"] = units, people
        return captured

    def check(self, before, after, crashed, handle):
        problems = []
        b, c = before["digest"], crashed["digest"]
        for t in sorted(set(b) | set(c)):
            if t in self.free or t in ("referrals", "referral_events", "referral_outcomes"):
                continue
            # A closing moves its person's last contact (a moment): the people are otherwise the same.
            same = b.get(t, (0, "", ""))[2] == c.get(t, (0, "", ""))[2] if t == "people" else b.get(t) == c.get(t)
            if not same:
                problems.append(f"{t} changée par des clôtures")
        closed = set()
        for referral, _ in self.targets:
            unit = crashed["units"].get(referral)
            if unit == after["units"].get(referral):
                closed.add(referral)
            elif unit != before["units"].get(referral):
                problems.append(f"orientation {referral} ni avant ni close : à moitié écrite")
        for referral, _ in self.targets:
            person = before["people"][referral]["id"]
            untouched = all(r not in closed for r, _ in self.targets if before["people"][r]["id"] == person)
            if untouched and crashed["people"].get(referral) != before["people"][referral]:
                problems.append(f"personne {person} changée sans que son orientation {referral} soit close")
        lost = [r for r in handle.acknowledged if r not in closed]
        if lost:
            problems.append(f"{len(lost)} clôtures confirmées au client mais absentes : {lost[:5]}")
        kind = "avant" if not closed else "après" if len(closed) == len(self.targets) else "partiel"
        return kind, problems


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerAndClient:
    """`aiguillage serve` on the run's database, and CLOSERS connections closing the targets."""

    def __init__(self, op, db, only_open=False):
        self.op, self.acknowledged, self.failures = op, [], []
        self.server = subprocess.Popen([BIN, "--database-url", op.backend.url(db), "serve", "--port", str(op.port)],
                                       env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", op.port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or self.server.poll() is not None:
                    raise RuntimeError("le serveur ne démarre pas")
                time.sleep(0.02)
        targets = op.targets
        if only_open:
            ids = ",".join(str(i) for i, _ in targets)
            state = {r["id"]: (r["state"], r["version"]) for r in op.backend.rows(db, f"SELECT id, state, version FROM referrals WHERE id IN ({ids})")}
            targets = [(i, state[i][1]) for i, _ in targets if state[i][0] != "closed"]
        self.queue = list(targets)
        self.lock = threading.Lock()
        self.started = time.time()
        self.threads = [threading.Thread(target=self.close_some, daemon=True) for _ in range(CLOSERS)]
        for t in self.threads:
            t.start()

    def close_some(self):
        while True:
            with self.lock:
                if not self.queue:
                    return
                referral, version = self.queue.pop(0)
            body = json.dumps({"version": version, "issue": "Abandon", "commentaire": "Essai de panne"}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{self.op.port}/api/v1/orientations/{referral}/cloture",
                                             data=body, method="POST",
                                             headers={"Authorization": f"Bearer {self.op.token}",
                                                      "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    answer.read()
                with self.lock:
                    self.acknowledged.append(referral)
            except urllib.error.HTTPError as error:
                with self.lock:
                    self.failures.append((referral, error.code, error.read()[:200]))
            except OSError:
                return  # the server is gone

    def done(self):
        return all(not t.is_alive() for t in self.threads)

    def kill(self):
        self.server.kill()
        self.server.wait()
        for t in self.threads:
            t.join()

    def finish(self):
        while not self.done():
            time.sleep(0.01)
        self.kill()
        if self.failures:
            raise RuntimeError(f"clôtures refusées : {self.failures[:3]}")


OPERATIONS = {"import": DirectoryImport, "redistribution": Redistribution, "cloture": Closings, "purge": Purge}


# ---------------------------------------------------------------------------------------------


def warm_up(backend, db):
    """Serves the database once until it is quiet: the server's start-up work (the daily purge and
    account lifecycle, the indicators' load and the keys it creates) belongs to the prepared state,
    so that a later start writes nothing but what it is asked."""
    port = free_port()
    server = subprocess.Popen([BIN, "--database-url", backend.url(db), "serve", "--port", str(port)],
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, last = time.time() + 120, None
        while time.time() < deadline:
            time.sleep(1)
            runs = backend.rows(db, "SELECT count(*) AS n FROM purge_runs")[0]["n"]
            ready = False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                    ready = answer.status == 200
            except OSError:
                pass
            state = backend.digest(db)
            if runs and ready and state == last:
                return
            last = state
        raise RuntimeError("le serveur n'a pas fini son travail de démarrage en deux minutes")
    finally:
        server.terminate()
        server.wait()


def prepare_base(backend):
    started = time.time()
    base = backend.create("crash_base")
    url = backend.url(base)
    if isinstance(backend, Postgres):
        backend.psql(url, "CREATE EXTENSION IF NOT EXISTS amcheck")
    app(url, "migrate")
    app(url, "territory", "import")
    app(url, "generate", "--people", str(PEOPLE), "--offers", str(OFFERS))
    structure = backend.rows(base, "SELECT min(offers.structure_id) AS s FROM offers")[0]["s"]
    app(url, "user", "add", "--email", "coordination@crash.test", "--name", "Coordination", "--role", "coordinator",
        "--structure-id", str(structure), "--territory", "49", stdin="lanterne-violon-granit-2026\n")
    warm_up(backend, base)
    backend.settle(base)
    if isinstance(backend, Postgres):
        # What the application's start alone writes (counted in the tuple counters).
        probe = backend.copy(base, "crash_probe")
        app(backend.url(probe), "structure", "list")
        backend.startup_writes = -1
        PostgresWriterProbe(backend, probe).wrote()
        n = backend.psql(backend.admin, "SELECT coalesce(tup_inserted + tup_updated + tup_deleted, 0) "
                         f"FROM pg_stat_database WHERE datname = '{probe}'")
        backend.startup_writes = int(n[0][0]) if n else 0
        backend.drop(probe)
    TIMES["base"] = time.time() - started
    return base


def scenario(backend, work, op_name, base, runs, rng):
    op = OPERATIONS[op_name](backend, work)
    template = backend.copy(base, f"crash_tpl_{op_name}")
    template = op.prepare(template)
    backend.settle(template)
    before = op.capture(template)
    problems_before = backend.integrity(template) + app_invariants(backend, template)
    if problems_before:
        raise RuntimeError(f"la base préparée est déjà incohérente : {problems_before[:5]}")
    # The complete run, once, timed.
    # When it first writes: the kills are drawn between a little before that moment and its end.
    reference = backend.copy(template, "crash_run")
    watch = backend.write_watch(reference)
    handle = op.start(reference)  # for the closings, once the server listens
    started = time.time()
    handle.finish()
    duration = time.time() - started
    first_write = max(0.0, (watch.first() or started) - started)
    window = (max(0.0, first_write - 0.05 * duration), duration)
    after = op.capture(reference)
    backend.drop(reference)
    if after["digest"] == before["digest"]:
        raise RuntimeError(f"{op.label} : l'opération complète n'a rien changé")
    counts = {"avant": 0, "en cours": 0, "après": 0}
    found, recovered, leases = {}, 0, 0
    failures = []
    for run in range(runs):
        with timed("copie"):
            db = backend.copy(template, "crash_run")
        probe = backend.writer_probe(db) if not isinstance(op, Closings) else None
        delay = rng.uniform(*window)
        handle = op.start(db)
        with timed("opération"):
            time.sleep(delay)
        finished = handle.done()
        handle.kill()
        with timed("sonde"):
            wrote = probe.wrote() if probe else bool(getattr(handle, "acknowledged", None))
        with timed("empreintes"):
            crashed = op.capture(db, before)
        kind, problems = op.check(before, after, crashed, handle)
        with timed("intégrité"):
            problems = problems + backend.integrity(db)
        with timed("invariants"):
            problems += app_invariants(backend, db)
        if isinstance(op, Closings):
            over = kind == "après"
            wrote = wrote or kind != "avant"
        else:
            over = finished
        if over:
            # This run was quicker than the reference (a warm cache, the closings' connection
            # already open): later kills are drawn before its end.
            window = (min(window[0], 0.8 * delay), min(window[1], delay))
        moment = "après" if over else "en cours" if wrote or kind == "partiel" else "avant"
        if moment == "en cours":
            found[kind] = found.get(kind, 0) + 1
        counts[moment] += 1
        leases += bool(getattr(handle, "lease_left", False))
        with timed("reprise"):
            try:
                if (kind == "après" and not op.by_unit) or recovered >= FULL_RECOVERIES:
                    app(backend.url(db), "migrate")  # the application opens it and finds it at level
                else:
                    op.recover(db)
                    recovered += 1
            except RuntimeError as error:
                problems.append(f"reprise impossible : {error}")
        if problems:
            failures.append((run + 1, f"{delay:.2f} s", problems))
        with timed("suppression"):
            backend.drop(db)
    backend.drop(template)
    ok = runs - len(failures)
    words = {"avant": "retrouvés comme avant", "après": "comme après",
             "partiel": "en partie faits, unité par unité" if op.by_unit else "À MOITIÉ FAITS"}
    states = ", ".join(f"{n} {words[k]}" for k, n in sorted(found.items()))
    lease = f" ; bail de purge laissé pris {leases} fois, repris une fois expiré" if leases else ""
    print(f"{op.label} / {backend.name} : {ok}/{runs} tout-ou-rien ({counts['en cours']} interrompus en cours"
          f"{' : ' + states if states else ''} ; {counts['avant']} avant d'écrire, {counts['après']} après la fin ;"
          f" opération complète {duration:.1f} s{lease})"
          f", intégrité {'ok' if not failures else 'EN ÉCHEC'}", flush=True)
    for run, delay, problems in failures:
        print(f"    essai {run} (tué à {delay}) : " + " ; ".join(problems[:6]), flush=True)
    return not failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--op", action="append", choices=sorted(OPERATIONS))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--one-at-a-time", action="store_true",
                        help="SQLite then PostgreSQL, rather than both at once in two processes")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    if args.backend != "postgres" or args.seed is None:
        print(f"graine des instants de kill : {seed} (--seed pour rejouer ; PostgreSQL : graine + 1)", flush=True)
    backends = []
    work = tempfile.mkdtemp(prefix="aiguillage-crash-")
    try:
        if args.backend in ("sqlite", "both"):
            backends.append(Sqlite(work))
        if args.backend in ("postgres", "both"):
            url = os.environ.get("AIGUILLAGE_TEST_DATABASE_URL")
            if url:
                backends.append(Postgres(url))
            elif args.backend == "postgres":
                sys.exit("AIGUILLAGE_TEST_DATABASE_URL manque (scripts/start-test-postgres.sh)")
        all_ok = True
        child = None
        if len(backends) == 2 and not args.one_at_a_time:
            # PostgreSQL's runs in a second process meanwhile (its server and the application's
            # processes use the other core).
            command = [sys.executable, os.path.abspath(__file__), "--backend", "postgres", "--runs", str(args.runs),
                       "--seed", str(seed + 1)] + [f"--op={op}" for op in args.op or []]
            child = subprocess.Popen(command)
            backends = backends[:1]
        for backend in backends:
            started = time.time()
            base = prepare_base(backend)
            for op_name in args.op or list(OPERATIONS):
                all_ok &= scenario(backend, work, op_name, base, args.runs, rng)
            backend.drop(base)
            print(f"    ({backend.name} : {time.time() - started:.0f} s)", flush=True)
            if os.environ.get("CRASH_TIMES"):
                print("    " + ", ".join(f"{k} {v:.1f} s" for k, v in TIMES.items()), flush=True)
                TIMES.clear()
        if child is not None:
            all_ok &= child.wait() == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
