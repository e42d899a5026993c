"""Reading the corpora shipped in ``data/corpora/``, with errors that say what to do.

Every loader accepts ``path=`` so a copy elsewhere (or a deliberately broken file in a test)
can be read instead of the shipped one.  Nothing is ever downloaded.
"""

import gzip
from pathlib import Path

CORPORA = Path(__file__).parent / "corpora"


def corpus_path(name, filename):
    """The shipped file ``data/corpora/<name>/<filename>``."""
    return CORPORA / name / filename


def read_text(path, what):
    """The whole text of ``path`` (UTF-8; gunzipped first if it ends in ``.gz``).

    ``what`` names the corpus in the error messages.  Raises FileNotFoundError for a missing
    file and ValueError for an empty file, a broken gzip file or bytes that are not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{what}: no file at {path}. The course ships it in src/course_rnn/data/corpora/; "
            f"reinstall the package (pip install -e .) or pass path= pointing to a copy.")
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as err:
        raise ValueError(f"{what}: {path} is not a valid gzip file ({err}); "
                         f"replace it with an intact copy or pass path= to one.") from None
    if not data.strip():
        raise ValueError(f"{what}: {path} is empty; replace it with the full file or pass "
                         f"path= to a copy that has the data.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{what}: {path} is not UTF-8 (byte {data[err.start]:#04x} at offset {err.start}); "
            f"convert it first, e.g. iconv -f latin1 -t utf-8, or pass path= to a UTF-8 copy."
        ) from None


def split_lines(text):
    """Lines separated by ``\\n`` only.

    ``str.splitlines`` would also break at characters such as U+0085 or U+2028 that can occur
    inside a line of a corpus, changing the number of examples.
    """
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines
