"""The scripts here are programs that tests/test_distributed.py runs as multi-process jobs; they
are not test modules, and importing them (as --doctest-modules would) would run them."""
collect_ignore_glob = ["*.py"]
