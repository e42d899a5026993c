"""Small, reusable experiments of the book's chapters on vanishing gradients, LSTM and GRU."""
