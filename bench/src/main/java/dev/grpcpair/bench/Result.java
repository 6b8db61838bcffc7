package dev.grpcpair.bench;

/**
 * One measured run of a case.
 *
 * @param rps calls per second, as h2load measured
 * @param p50 median latency, ms
 * @param p90 90th percentile latency, ms
 * @param p99 99th percentile latency, ms
 * @param calls calls made
 * @param errors calls that failed, gRPC errors included
 * @param userCpuPer1000 the User server's CPU seconds per 1,000 calls
 * @param postCpuPer1000 the Post server's CPU seconds per 1,000 calls
 * @param gcSeconds both servers' GC time during the run
 */
record Result(
    double rps,
    double p50,
    double p90,
    double p99,
    long calls,
    long errors,
    double userCpuPer1000,
    double postCpuPer1000,
    double gcSeconds) {

  /** One number of a result, for medians and charts. */
  interface Metric {
    double of(Result result);
  }
}
