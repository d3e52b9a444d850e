"""The ground floor: the database handle, the injected clock, the queue
helpers, the process cache, configuration and locale helpers.

Nothing here imports anything else of the project (import-linter checks it).
"""
