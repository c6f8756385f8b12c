"""The recommendation engine behind `recommender.selectors.recommend`, one concern per module.

Read `selectors.recommend` first; it calls these in order:

- `strategies`: where a list heads (match, lift, iso) and the VAD target of each position.
- `taste`: what a listener's ratings say (liked artists and genres, what similar listeners liked).
- `index`: the active clustering's tracks as read-only numpy arrays and k-d trees, one per process.
- `ranking`: the songs nearest each target, re-ranked by taste, capped per artist.
- `reasons`: the sentence that says why a song was chosen.
- `video_pick`: the music videos for the target, from their own index.
- `cache`: the one-value, rebuilt-on-change cache that the indexes share.

Nothing here writes to the database, and nothing a request reads is changed by it: the cached
indexes and tastes are built once and then only read, so concurrent requests can share them.
"""
