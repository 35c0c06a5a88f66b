"""The composition root: the app factory, routes, the Slack app and the processes.

The only room that imports `handlers` and `workers`."""
