package dev.grpcpair.bench;

/**
 * One measured run of a case.
 *
 * @param rps calls per second, as h2load measured
 * @param p50 median latency, ms
 * @param p99 99th percentile latency, ms
 * @param p999 99.9th percentile latency, ms
 * @param calls calls made
 * @param errors calls that failed, gRPC errors included
 * @param userCpuMicros the User server's (or the bare server's) CPU per call, µs
 * @param frontCpuMicros the CPU per call of the server in front of the User server that the call
 *     went through, the Post server or the gateway, µs; 0 without one
 * @param gcSeconds the servers' GC time during the run
 * @param allocatedBytes the servers' heap allocation per call (from their young collections)
 * @param headerBytes response header bytes per call, after HPACK
 * @param dataBytes response DATA bytes per call
 */
record Result(
    double rps,
    double p50,
    double p99,
    double p999,
    long calls,
    long errors,
    double userCpuMicros,
    double frontCpuMicros,
    double gcSeconds,
    double allocatedBytes,
    double headerBytes,
    double dataBytes) {

  /** The CPU per call of both servers it went through, µs. */
  double cpuMicros() {
    return userCpuMicros + frontCpuMicros;
  }

  /** One number of a result, for medians and charts. */
  interface Metric {
    double of(Result result);
  }
}
