"""Orders the nodes with a recursive post-order traversal: right, until a deep tree exceeds the recursion limit.

expect: lose test_bottom_up_order
"""
# %% bottom_up_order
def bottom_up_order(children):
    is_child = set()
    for kids in children:
        is_child.update(kids)
    order = []

    def visit(j):
        for k in children[j]:
            visit(k)
        order.append(j)

    for j in range(len(children)):
        if j not in is_child:
            visit(j)
    return order
