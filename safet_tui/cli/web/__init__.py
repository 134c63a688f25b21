"""``safet serve``'s web layer: a login in front of textual-serve, one desk per visitor, run as
the user they logged in as (``server``); sessions, failed-login throttling and the origins a
websocket may come from (``guard``); the login page (``pages``)."""
