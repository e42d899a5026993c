"""Sorts the nodes by depth from the root, shallowest first: parents come before their children.

expect: lose test_bottom_up_order
"""
# %% bottom_up_order
def bottom_up_order(children):
    depth = {}
    parents = {k for kids in children for k in kids}
    frontier = [j for j in range(len(children)) if j not in parents]
    d = 0
    while frontier:
        for j in frontier:
            depth[j] = d
        frontier = [k for j in frontier for k in children[j]]
        d += 1
    return sorted(range(len(children)), key=lambda j: depth[j])
