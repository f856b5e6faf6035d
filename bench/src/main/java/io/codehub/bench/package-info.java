/**
 * The benchmark harness: {@code bin/codehub bench}. Hub and agents run in separate processes (the
 * open-file limit is per process), talk only over 127.0.0.1, and every run is bounded in count and
 * time. Results are printed as a table; docs/benchmarks.md records measured numbers.
 */
@NullMarked
package io.codehub.bench;

import org.jspecify.annotations.NullMarked;
