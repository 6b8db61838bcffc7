package dev.grpcpair.bench;

import java.io.IOException;
import java.util.List;

/** How a case is measured: h2load against one server of a pair, with the servers' CPU and GC. */
final class Runs {

  /**
   * How much to measure.
   *
   * @param calls calls in a measured run of a fast case (a slow one makes a fiftieth)
   * @param repeats measured runs of each case, interleaved with the other cases
   * @param warmUpCalls calls of each fast case before any is measured, for the JIT
   */
  record Amounts(int calls, int repeats, int warmUpCalls) {}

  private final H2Load h2load;
  private final Report report;
  private final Amounts amounts;

  Runs(H2Load h2load, Report report, Amounts amounts) {
    this.h2load = h2load;
    this.report = report;
    this.amounts = amounts;
  }

  /** A warm-up run, then the recorded runs of {@code call}; {@code slow}: a fiftieth the calls. */
  void warmThenRecord(LoadCase call, Pair pair, int connections, int streams, boolean slow)
      throws IOException, InterruptedException {
    int calls = slow ? Math.max(100, amounts.calls() / 50) : amounts.calls();
    measure(call, pair, connections, streams, slow ? calls : amounts.warmUpCalls(), 0);
    for (int run = 0; run < amounts.repeats(); run++) {
      report.record(call.name(), measure(call, pair, connections, streams, calls, 0));
    }
  }

  /** One h2load run of {@code calls} calls of {@code call}, with the servers' CPU and GC. */
  Result measure(LoadCase call, Pair pair, int connections, int streams, int calls, int rate)
      throws IOException, InterruptedException {
    int port = pair.serverOf(call).port();
    int responseBytes = h2load.responseBytes(call, port);
    ServerProcess front = pair.frontOf(call);
    double userCpu = pair.user.cpuSeconds();
    double frontCpu = front == null ? 0 : front.cpuSeconds();
    List<ServerProcess.Gc> gc = pair.gc();
    H2Load.Run run = h2load.run(call, port, responseBytes, connections, streams, calls, rate);
    double made = Math.max(1, run.calls());
    List<ServerProcess.Gc> gcAfter = pair.gc();
    double gcSeconds = 0;
    double allocated = 0;
    for (int i = 0; i < gc.size(); i++) {
      gcSeconds += gcAfter.get(i).seconds() - gc.get(i).seconds();
      allocated += gcAfter.get(i).allocatedSince(gc.get(i));
    }
    Result result =
        new Result(
            run.rps(),
            run.percentile(50),
            run.percentile(99),
            run.percentile(99.9),
            run.calls(),
            run.errors(),
            (pair.user.cpuSeconds() - userCpu) * 1e6 / made,
            front == null ? 0 : (front.cpuSeconds() - frontCpu) * 1e6 / made,
            gcSeconds,
            allocated / made,
            run.headerBytes() / made,
            run.dataBytes() / made);
    if (run.errors() > 0) {
      throw new IllegalStateException(call.name() + ": " + run.errors() + " calls failed");
    }
    System.err.printf(
        "%-46s %,9.0f calls/s  p99 %6.2f ms  CPU/call: User %6.1f µs, %s %6.1f µs%n",
        call.name(),
        result.rps(),
        result.p99(),
        result.userCpuMicros(),
        call.server() == LoadCase.Server.GATEWAY ? "gateway" : "Post",
        result.frontCpuMicros());
    return result;
  }

  int calls() {
    return amounts.calls();
  }

  int repeats() {
    return amounts.repeats();
  }
}
