"""Small models trained by a script in this folder and shipped with the package, so that a
chapter can use a better model than it could train at build time (see README.md here).

- :func:`load_charlm`: the character LSTM language model on tiny Shakespeare, with its
  vocabulary and the record of how it was trained (``train_charlm.py``).
"""

from pathlib import Path

import torch

from course_rnn.data.vocab import CharVocab
from course_rnn.models import CharLM

CHARLM_FILE = Path(__file__).with_name("charlm_shakespeare.pt")


def load_charlm(path=None):
    """``(model, vocab, info)``: the shipped CharLM in eval mode (float32), its CharVocab
    (V = 65, no specials) and a dict of what ``train_charlm.py`` recorded (config, CPU
    seconds, characters seen, validation loss in nats per character)."""
    path = Path(path or CHARLM_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; make it with "
                                f"`python -m course_rnn.pretrained.train_charlm` (see "
                                f"src/course_rnn/pretrained/README.md)")
    saved = torch.load(path, map_location="cpu", weights_only=True)
    vocab = CharVocab(saved["chars"], pad=False, unk=False)
    if vocab.itos != list(saved["chars"]):
        raise ValueError(f"{path}: the saved characters do not make the same vocabulary")
    config = saved["config"]
    model = CharLM(len(vocab), config["hidden"], num_layers=config["layers"], cell=config["cell"],
                   embedding_size=config["embedding"])
    model.load_state_dict({k: v.float() for k, v in saved["state_dict"].items()})
    model.eval()
    return model, vocab, {k: v for k, v in saved.items() if k != "state_dict"}
