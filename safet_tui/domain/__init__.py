"""The pure domain core: rules, statuses, deadlines and money.

Nothing in this package imports Textual or peewee; the data layer and the
screens build on it, never the other way round.
"""
