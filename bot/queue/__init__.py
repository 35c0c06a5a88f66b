"""Redis and rq: the connection, hand-off of work, unique jobs, the shared send rate, the
embedded Redis."""
