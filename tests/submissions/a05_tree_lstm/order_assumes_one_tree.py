"""Starts from the first node without a parent, as if every input were a single tree (forests lose nodes).

expect: lose test_bottom_up_order
"""
# %% bottom_up_order
def bottom_up_order(children):
    parents = {k for kids in children for k in kids}
    root = next(j for j in range(len(children)) if j not in parents)
    order, stack = [], [root]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(children[j])
    return order[::-1]
