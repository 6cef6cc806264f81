"""Pop-up clinic planner: turns "this neighbourhood is behind" into "hold clinics here".

- ``plan``: demand (people missed per area) and a request -> candidate sites -> a plan
- ``venues``: candidate sites from GP practices, area centroids or a venues CSV
- ``optimise``: maximal covering (the MCLP in PuLP, CBC) and the greedy order, in BNG metres
- ``presentation``: wording, tables and map layers without disclosing small counts
- ``cli``: the `python -m equity plan` command
"""
