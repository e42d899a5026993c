"""Part E: sends only the last step's output gradient into BPTT.

expect: lose test_loss_and_gradients
"""
# %% loss_and_gradients
def loss_and_gradients(x, targets, h0, params):
    W_ih, W_hh, b_ih, b_hh = params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"]
    hs = rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh)
    probs, loss = output_forward(hs, targets, params["W_ho"], params["b_o"])
    dhs, dW_ho, db_o = output_backward(probs, targets, hs, params["W_ho"])
    dhs_last = np.zeros_like(dhs)
    dhs_last[-1] = dhs[-1]
    _, dh0, dW_ih, dW_hh, db_ih, db_hh = rnn_backward(dhs_last, x, h0, hs, W_ih, W_hh, b_ih, b_hh)
    return loss, {"h0": dh0, "W_ih": dW_ih, "W_hh": dW_hh, "b_ih": db_ih, "b_hh": db_hh,
                  "W_ho": dW_ho, "b_o": db_o}
