"""nbgrader configuration: the repository root is the course directory.

Instructors write assignments in ``solutions/`` (solutions and hidden tests), and
``nbgrader generate_assignment ASSIGNMENT --force`` writes the student version to
``exercises/``.  ``course-rnn grade/feedback/export`` pass these same settings to nbgrader
for any course directory, so plain ``nbgrader`` commands run from here agree with them.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "course-rnn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# A shared gradebook (PostgreSQL, for several graders): its URL holds a password, so it comes
# from the environment, never a command line (which every user sees in `ps`); plain
# `nbgrader db ...` / `nbgrader export` run from here then use the same gradebook as course-rnn.
#     export COURSE_RNN_GRADEBOOK_URL=postgresql://grader:PASSWORD@db.example/gradebook
if os.environ.get("COURSE_RNN_GRADEBOOK_URL"):
    c.CourseDirectory.db_url = os.environ["COURSE_RNN_GRADEBOOK_URL"]

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

# Collecting submissions from a learning-management system (Moodle's "Download all
# submissions", and any LMS that names one folder per student the same way):
#
#     downloaded/<assignment>/archive/<the LMS's zip>      <- put the download here
#     nbgrader zip_collect <assignment>                     <- extracts, then copies each notebook to
#     submitted/<student id>/<assignment>/<notebook>.ipynb  <- where `course-rnn grade` reads it
#
# Inside the zip, each student's files are in a folder "<full name>_<student id>_assignsubmission_file_"
# (Moodle's layout); the student id is the LMS's number or user name, without "_" or "/".
# An LMS that names things otherwise needs only another named_regexp (tried on each extracted
# file's absolute path; student_id and file_id are required, file_id is the notebook's name).
c.ZipCollectApp.archive_directory = "archive"
c.ZipCollectApp.extracted_directory = "extracted"
c.FileNameCollectorPlugin.named_regexp = (
    r".*/[^/]*_(?P<student_id>[^/_]+)_assignsubmission_file_/(?P<file_id>[^/]+\.ipynb)$"
)
c.FileNameCollectorPlugin.valid_ext = [".ipynb"]

# Due dates live in the gradebook, one per assignment, set once before collecting:
#     nbgrader db assignment add a01_rnn_forward_bptt --duedate="2026-10-15 23:59:00 Europe/Berlin"
# A submission's time is its timestamp.txt (written by `nbgrader collect`, or by the LMS via
# zip_collect's `timestamp` group).  A late submission's penalty is nbgrader's: "zero" sets
# the score of a late notebook to 0 when it is autograded; `nbgrader export` and
# `course-rnn export` show the due date, the timestamp and the penalty in their columns
# (duedate, timestamp, late_submission_penalty, score = raw_score - penalty).
c.LateSubmissionPlugin.penalty_method = "zero"
