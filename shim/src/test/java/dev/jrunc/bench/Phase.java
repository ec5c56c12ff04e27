package dev.jrunc.bench;

/** One part of the benchmark. It records into bench.results() and removes whatever it made, also when it fails. */
interface Phase {
    /** The name BENCH_PHASES selects it by. */
    String name();

    void run(Bench bench) throws Exception;
}
