package dev.grpcpair.bench;

import java.io.IOException;

/** How a case is measured: h2load against one server of a pair, with both servers' CPU and GC. */
final class Runs {

  private final H2Load h2load;
  private final Report report;
  private final int seconds;
  private final int repeats;
  private final int warmUpSeconds;

  Runs(H2Load h2load, Report report, int seconds, int repeats, int warmUpSeconds) {
    this.h2load = h2load;
    this.report = report;
    this.seconds = seconds;
    this.repeats = repeats;
    this.warmUpSeconds = warmUpSeconds;
  }

  /** A warm-up run, then {@link #repeats} recorded runs of {@code call}. */
  void warmThenRecord(LoadCase call, Pair pair, int connections, int streams) throws Exception {
    measure(call, pair, connections, streams, warmUpSeconds, 0);
    for (int run = 0; run < repeats; run++) {
      report.record(call.name(), measure(call, pair, connections, streams, seconds, 0));
    }
  }

  /** One h2load run of {@code call}, with both servers' CPU and GC time during it. */
  Result measure(LoadCase call, Pair pair, int connections, int streams, int runSeconds, int rate)
      throws IOException, InterruptedException {
    int port = pair.serverOf(call).port();
    int responseBytes = h2load.responseBytes(call, port);
    double userCpu = pair.user.cpuSeconds();
    double postCpu = pair.post.cpuSeconds();
    double gc = pair.user.gcSeconds() + pair.post.gcSeconds();
    H2Load.Run run = h2load.run(call, port, responseBytes, connections, streams, runSeconds, rate);
    long calls = Math.max(1, run.calls());
    Result result =
        new Result(
            run.rps(),
            run.percentile(50),
            run.percentile(90),
            run.percentile(99),
            run.calls(),
            run.errors(),
            (pair.user.cpuSeconds() - userCpu) * 1000 / calls,
            (pair.post.cpuSeconds() - postCpu) * 1000 / calls,
            pair.user.gcSeconds() + pair.post.gcSeconds() - gc);
    System.err.printf("%-50s %s%n", call.name(), result);
    return result;
  }
}
