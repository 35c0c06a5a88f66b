"""The use cases that handlers and workers call, built once by `build_services`."""
