"""rq jobs and the worker that runs them: send each delivery once, reconcile with the database."""
