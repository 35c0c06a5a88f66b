"""The service, one folder per role: main (composition root), cli, services, queue, ops,
config, store, notify, migrations. Imports point down that list."""
