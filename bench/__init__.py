"""Load benchmarks for cmsbot: real `cmsbot serve` and `cmsbot worker` processes against the API
doubles, PostgreSQL and Redis. Run them with `python -m bench [name ...]` from the repo root;
they print what they measured and fail only on correctness (a failed request, a lost or
duplicated message), never on a timing."""
