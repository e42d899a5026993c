"""Several graders, one PostgreSQL gradebook: every submission graded exactly once.

Two ``course-rnn grade --db postgresql://...`` processes (on two machines, each with its
own course directory holding a copy of ``submitted/``) share nbgrader's gradebook.  Before
grading a submission a grader *claims* it with a PostgreSQL session-level advisory lock on
(assignment, student): the server releases it by itself when the grader's connection ends,
so the claim of a grader that is killed (even by ``kill -9``) or loses its machine is free
again at once, and its submission is graded by another.  A finished submission's scores go
to the gradebook, then it gets a row in ``course_rnn_graded`` (with the fingerprint of what
was graded), then its claim is released: a grader that claims it later finds the row and
skips it.  ``course_rnn_grading_log`` keeps one row per committed grading (who, when).
The one gap: a grader killed in the millisecond between the gradebook's commit and the
row's has its submission graded again by another, which writes the same scores again.

The URL holds the database password: it is read from ``--db``, ``$COURSE_RNN_GRADEBOOK_URL``
or ``c.CourseDirectory.db_url`` in ``nbgrader_config.py`` and never printed, logged or
written into a result; errors name the server's host, not the URL.
"""

import queue
import socket
import threading
import time
from urllib.parse import urlsplit

from course_rnn.grading.errors import GradingInputError

_TABLES = """
CREATE TABLE IF NOT EXISTS course_rnn_graded (
    assignment text NOT NULL, student text NOT NULL, fingerprint text NOT NULL,
    status text NOT NULL, score double precision, graded_by text NOT NULL,
    graded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (assignment, student));
CREATE TABLE IF NOT EXISTS course_rnn_grading_log (
    assignment text NOT NULL, student text NOT NULL, fingerprint text NOT NULL,
    graded_by text NOT NULL, graded_at timestamptz NOT NULL DEFAULT clock_timestamp());
"""
_SETUP_KEY = 0x636f75727365  # one advisory lock for creating the tables and registering


def is_postgres(url):
    return bool(url) and urlsplit(url).scheme.split("+")[0] in ("postgresql", "postgres")


def where(url):
    """The server a URL points to, for messages: host and port, never user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'local socket'}:{parts.port or 5432}/{parts.path.lstrip('/')}"


def connect(url):
    """A psycopg (3) connection, in autocommit mode, to the database of an SQLAlchemy URL
    (SQLAlchemy's ``postgresql://`` uses the same driver)."""
    import psycopg

    parts = urlsplit(url)
    dsn = parts._replace(scheme="postgresql").geturl()
    try:
        return psycopg.connect(dsn, connect_timeout=20, autocommit=True)
    except psycopg.Error as error:
        raise GradingInputError(f"cannot connect to the gradebook database at {where(url)}: "
                                f"{type(error).__name__}") from None


class Claims:
    """This grader's claims on the submissions of one assignment (thread-safe)."""

    def __init__(self, url, assignment, name=None):
        self.assignment = assignment
        self.name = name or f"{socket.gethostname()}:{__import__('os').getpid()}"
        self.connection = connect(url)
        self.mutex = threading.Lock()
        self.held = set()
        with self.setup():
            self._execute(_TABLES)

    def _execute(self, sql, params=()):
        with self.mutex, self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def setup(self):
        """A context in which no other grader creates tables or registers the assignment."""
        claims = self

        class _Setup:
            def __enter__(self):
                claims._execute("SELECT pg_advisory_lock(%s)", (_SETUP_KEY,))

            def __exit__(self, *exc):
                claims._execute("SELECT pg_advisory_unlock(%s)", (_SETUP_KEY,))
        return _Setup()

    def _key(self, student):
        return ("SELECT hashtextextended(%s, 0)", (f"{self.assignment}/{student}",))

    def claim(self, student):
        """True if this grader now holds ``student``'s claim (no one else can)."""
        sql, params = self._key(student)
        got = self._execute(f"SELECT pg_try_advisory_lock(({sql}))", params)[0][0]
        if got:
            self.held.add(student)
        return got

    def release(self, student):
        if student in self.held:
            sql, params = self._key(student)
            self._execute(f"SELECT pg_advisory_unlock(({sql}))", params)
            self.held.discard(student)

    def graded(self, student):
        """``(fingerprint, graded_at)`` of the committed grading of ``student``, or None."""
        rows = self._execute("SELECT fingerprint, graded_at FROM course_rnn_graded WHERE assignment = %s "
                             "AND student = %s", (self.assignment, student))
        return rows[0] if rows else None

    def mark(self, student, result):
        """Record that ``student`` is graded (both rows in one transaction).  Called after
        the scores are committed to the gradebook and before the claim is released."""
        values = {"a": self.assignment, "s": student, "f": result["fingerprint"], "st": result["status"],
                  "sc": result.get("score"), "by": self.name}
        with self.mutex, self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO course_rnn_graded (assignment, student, fingerprint, status, score, graded_by) "
                "VALUES (%(a)s, %(s)s, %(f)s, %(st)s, %(sc)s, %(by)s) ON CONFLICT (assignment, student) DO UPDATE "
                "SET fingerprint = %(f)s, status = %(st)s, score = %(sc)s, graded_by = %(by)s, graded_at = now()",
                values)
            cursor.execute("INSERT INTO course_rnn_grading_log (assignment, student, fingerprint, graded_by) "
                           "VALUES (%(a)s, %(s)s, %(f)s, %(by)s)", values)

    def now(self):
        return self._execute("SELECT now()")[0][0]

    def close(self):
        try:
            self.connection.close()  # releases every claim still held
        except Exception:  # noqa: BLE001 -- closing a broken connection
            pass


class ClaimQueue:
    """The jobs of :meth:`Grader.work` when several graders share the work: ``get_nowait``
    hands out a submission only once this grader holds its claim, skips the ones committed
    elsewhere (reported through ``skipped``), and waits while the rest are claimed by other
    graders, in case one of them dies.  Empty when every submission is committed."""

    def __init__(self, claims, todo, skipped, since=None, poll=1.0, stop=None):
        self.claims, self.pending, self.skipped = claims, list(todo), skipped
        self.since, self.poll, self.stop = since, poll, stop or threading.Event()
        self.mutex = threading.Lock()

    def done_elsewhere(self, student, digest):
        row = self.claims.graded(student)
        return row is not None and row[0] == digest and (self.since is None or row[1] >= self.since)

    def get_nowait(self):
        while not self.stop.is_set():
            with self.mutex:
                if not self.pending:
                    raise queue.Empty
                for job in list(self.pending):
                    student, _, digest = job
                    if self.done_elsewhere(student, digest):
                        self.pending.remove(job)
                        self.skipped(student)
                    elif self.claims.claim(student):
                        self.pending.remove(job)
                        if self.done_elsewhere(student, digest):  # committed while we looked
                            self.claims.release(student)
                            self.skipped(student)
                            continue
                        return job
            time.sleep(self.poll)  # the rest is being graded by others: wait, one may die
        raise queue.Empty
