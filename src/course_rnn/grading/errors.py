"""The errors ``course-rnn`` reports as one line each on stderr, with exit status 1."""


class GradingError(Exception):
    """Something the instructor must act on; ``str(error)`` says what, one line per problem."""


class GradingInputError(GradingError):
    """Bad input (an assignment, a folder, a notebook), found before anything was written."""


class NbgraderError(GradingError):
    """nbgrader exited with an error; the message ends with the last lines of its log."""


class FeedbackLeakError(GradingError):
    """Feedback HTML contained hidden-test source; the files were deleted."""
