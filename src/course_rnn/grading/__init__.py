"""Grading the assignments with nbgrader: release, autograde, feedback, export.

The repository is the course: ``solutions/`` holds the instructor notebooks and
``exercises/`` the student release that ``nbgrader generate_assignment`` makes from them.
Grading happens in a *course directory* (the repository itself by default, any folder
otherwise) that holds ``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db``;
the notebooks it grades against always come from the repository.

One module per step, each a thin layer over nbgrader that adds what it lacks:

- :mod:`~course_rnn.grading.paths`: the repository and the course directory;
- :mod:`~course_rnn.grading.errors`: what is reported to the instructor as one line;
- :mod:`~course_rnn.grading.validate`: bad input is refused before anything is written;
- :mod:`~course_rnn.grading.runner`: running nbgrader with the course's settings;
- :mod:`~course_rnn.grading.release`: the student version, and the gradebook's copy of it;
- :mod:`~course_rnn.grading.autograde`: one submission at a time, a batch never stops;
- :mod:`~course_rnn.grading.feedback`: HTML feedback that cannot leak hidden tests;
- :mod:`~course_rnn.grading.export`: the grades as nbgrader's CSV;
- :mod:`~course_rnn.grading.checks`: assertions the hidden tests use.
"""

from course_rnn.grading.errors import FeedbackLeakError, GradingError, GradingInputError, NbgraderError
from course_rnn.grading.paths import Course
