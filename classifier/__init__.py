"""Domain core: tickets, priority levels, features, the model wrapper, rules, SLA and decide().

Nothing in this package imports a web framework or MLflow; serving/ and training/ convert at
their edges and call in here.
"""
