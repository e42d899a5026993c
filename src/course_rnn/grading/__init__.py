"""Grading the assignments with nbgrader: release, autograde, feedback, export.

The repository is the course: ``solutions/`` holds the instructor notebooks and
``exercises/`` the student release that ``nbgrader generate_assignment`` makes from them.
Grading happens in a *course directory* (the repository itself by default, any folder
otherwise) that holds ``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db``;
the notebooks it grades against always come from the repository.

One module per step, each a thin layer over nbgrader that adds what it lacks:

- :mod:`~course_rnn.grading.paths`: the repository, the course directory, the gradebook URL;
- :mod:`~course_rnn.grading.errors`: what is reported to the instructor as one line;
- :mod:`~course_rnn.grading.validate`: bad input is refused before anything is written;
- :mod:`~course_rnn.grading.runner`: running nbgrader with the course's settings;
- :mod:`~course_rnn.grading.release`: the student version, and the gradebook's copy of it;
- :mod:`~course_rnn.grading.autograde`: every submission, in parallel, a status for each;
- :mod:`~course_rnn.grading.notebooks`: a submission matched to the instructor's cells;
- :mod:`~course_rnn.grading.sandbox`: bubblewrap, cgroups and a warm zygote per worker;
- :mod:`~course_rnn.grading.child`: the sandboxed side (runs cells, serves calls);
- :mod:`~course_rnn.grading.wire`: plain data across the sandbox wall, never pickle;
- :mod:`~course_rnn.grading.hidden`: hidden tests in the trusted process, through proxies;
- :mod:`~course_rnn.grading.forbid`: forbidden tools seen in a solution cell's code;
- :mod:`~course_rnn.grading.record`: results that survive kill -9 (gradebook, autograded/);
- :mod:`~course_rnn.grading.feedback`: HTML feedback that cannot leak hidden tests;
- :mod:`~course_rnn.grading.export`: the grades as nbgrader's CSV (and a column per part);
- :mod:`~course_rnn.grading.report`: one HTML page on what the class got right and wrong;
- :mod:`~course_rnn.grading.similarity`: near-identical solution cells, for a person to read;
- :mod:`~course_rnn.grading.claims`: several graders, one PostgreSQL gradebook, each submission once;
- :mod:`~course_rnn.grading.scale`: grading with those claims, here or on a Dask cluster;
- :mod:`~course_rnn.grading.checks`: assertions the hidden tests use.
"""

from course_rnn.grading.errors import FeedbackLeakError, GradingError, GradingInputError, NbgraderError
from course_rnn.grading.paths import Course
