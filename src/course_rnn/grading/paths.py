"""Where the course lives: the repository (notebooks) and the course directory (grades).

``Course.repo`` has ``nbgrader_config.py``, ``solutions/<assignment>/`` and
``exercises/<assignment>/``.  ``Course.course_dir`` has nbgrader's
``submitted/<student>/<assignment>/``, ``autograded/...``, ``feedback/...`` and
``gradebook.db``; it is the repository unless the instructor grades elsewhere.
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path

SOURCE = "solutions"
RELEASE = "exercises"
COURSE_ID = "course-rnn"
URL_VARIABLE = "COURSE_RNN_GRADEBOOK_URL"  # the gradebook URL, where no other user can read it


@dataclass(frozen=True)
class Course:
    """The repository that holds the assignments and the folder where grading happens."""

    repo: Path
    course_dir: Path

    @classmethod
    def at(cls, course_dir=None, repo=None):
        """The course for ``course_dir`` (default: the repository), both made absolute."""
        repo = Path(repo).resolve() if repo is not None else find_repo()
        course_dir = Path(course_dir).resolve() if course_dir is not None else repo
        return cls(repo=repo, course_dir=course_dir)

    def source(self, assignment):
        """``solutions/<assignment>``: the instructor notebooks, with solutions and hidden tests."""
        return self.repo / SOURCE / assignment

    def release(self, assignment):
        """``exercises/<assignment>``: the student version."""
        return self.repo / RELEASE / assignment

    def step(self, name):
        """An nbgrader step folder of the course directory: submitted, autograded or feedback."""
        return self.course_dir / name

    def notebooks(self, assignment):
        """The instructor notebooks of an assignment, sorted by name."""
        return sorted(self.source(assignment).glob("*.ipynb"))


def find_repo(start=None):
    """The course repository: the nearest folder above ``start`` (default: the current
    directory) with ``nbgrader_config.py`` and ``solutions/``, else the checkout this package
    was installed from in editable mode."""
    start = (Path.cwd() if start is None else Path(start)).resolve()
    checkout = Path(__file__).resolve().parents[3]  # src/course_rnn/grading/paths.py
    for folder in [start, *start.parents, checkout]:
        if (folder / "nbgrader_config.py").is_file() and (folder / SOURCE).is_dir():
            return folder
    raise FileNotFoundError(
        f"no course repository found above {start} (a folder with nbgrader_config.py and "
        f"{SOURCE}/); run course-rnn from inside the course repository")


def gradebook_url(course):
    """The gradebook as an SQLAlchemy URL: ``$COURSE_RNN_GRADEBOOK_URL`` if set (e.g. a
    PostgreSQL server shared by several grading machines), else ``c.CourseDirectory.db_url``
    of the repository's ``nbgrader_config.py``, else nbgrader's default SQLite file in the
    course directory.  It may hold a password: never print it, nor put it in a command line."""
    return (os.environ.get(URL_VARIABLE) or configured_url(course.repo / "nbgrader_config.py")
            or f"sqlite:///{course.course_dir / 'gradebook.db'}")


def configured_url(config):
    """``c.CourseDirectory.db_url`` set in an nbgrader config file, or None."""
    try:
        stamp = config.stat().st_mtime_ns
    except OSError:
        return None
    # the file may read $COURSE_RNN_GRADEBOOK_URL (the repository's does): part of the key
    return _configured_url(str(config), stamp, os.environ.get(URL_VARIABLE))


@functools.lru_cache(maxsize=8)
def _configured_url(config, stamp, variable):
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(config)
    loaded = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    return loaded.CourseDirectory.get("db_url") or None
