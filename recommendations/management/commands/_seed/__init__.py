"""What `seed_demo` seeds: the illustrative demo (`seeder`, `scenario`) and the
synthetic load for benchmarks (`synthetic`). Not part of the app's code."""
