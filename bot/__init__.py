"""The service: settings, app factory, routes, storage, queues, notifiers, command line."""
