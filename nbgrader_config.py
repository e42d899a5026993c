"""nbgrader configuration: the repository root is the course directory.

Instructors write assignments in ``solutions/`` (solutions and hidden tests), and
``nbgrader generate_assignment ASSIGNMENT --force`` writes the student version to
``exercises/``.  ``course-rnn grade/feedback/export`` pass these same settings to nbgrader
for any course directory, so plain ``nbgrader`` commands run from here agree with them.
"""

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "course-rnn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# nbgrader's feedback keeps the hidden tests, and the tracebacks of failing tests quote
# their source; HideHiddenTests removes both before the HTML is written, cuts long outputs
# and replaces any other hidden-test line (read from solutions/) with a marker.  So plain
# `nbgrader generate_feedback` run from here is as safe as `course-rnn feedback`.
c.GenerateFeedback.preprocessors = [
    "course_rnn.grading.feedback.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Time limit of one cell under plain `nbgrader autograde` (nbgrader's default is 30 s):
# a04's hidden test trains a small tagger, about 10 s on an idle laptop core.
c.Execute.timeout = 120
