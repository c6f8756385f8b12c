"""Thin views over moods.selectors (reads), moods.services (writes) and moods.export.

One module per page family: history (the history page and its chart data), playlists, and
data (export and deletion of the history). Pages redirect anonymous visitors to the log-in
page; the JSON endpoints answer 401. Every object is looked up through the signed-in user, so
another listener's id answers 404.
"""
