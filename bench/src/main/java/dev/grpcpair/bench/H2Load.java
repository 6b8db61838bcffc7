package dev.grpcpair.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load from h2load (nghttp2's HTTP/2 load generator, in C): fast enough not to be the bottleneck on
 * the machine it shares with the servers.
 *
 * <p>h2load counts a gRPC error as a success (the status is in the trailers), so every run checks
 * the DATA bytes received against calls × the expected response size: an error answers with no DATA
 * at all. An HTTP answer counts only with a 2xx status.
 */
final class H2Load {

  /**
   * What one run measured.
   *
   * @param calls calls made
   * @param errors calls that failed, gRPC errors (missing DATA) included
   * @param rps calls per second
   * @param latenciesMs every call's latency, sorted
   * @param headerBytes header bytes received, after HPACK
   * @param dataBytes DATA bytes received
   */
  record Run(
      long calls, long errors, double rps, double[] latenciesMs, long headerBytes, long dataBytes) {

    /** The {@code p}th percentile latency, ms. */
    double percentile(double p) {
      if (latenciesMs.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p / 100.0 * latenciesMs.length) - 1;
      return latenciesMs[Math.min(latenciesMs.length - 1, index)];
    }
  }

  private final Path work;

  H2Load(Path work) {
    this.work = work;
  }

  static String version() throws IOException, InterruptedException {
    return output(List.of("h2load", "--version")).strip();
  }

  /** The size of {@code call}'s response, from one call: the same for every call here. */
  int responseBytes(LoadCase call, int port) throws IOException, InterruptedException {
    List<String> command = base(call, 1, 1);
    command.addAll(List.of("-n", "1", url(call, port)));
    String out = output(command);
    long data = count(out, "\\((\\d+)\\) data");
    if (data == 0) {
      throw new IllegalStateException("probe of " + call.name() + " failed:\n" + out);
    }
    return (int) data;
  }

  /**
   * Makes {@code calls} calls of {@code call}: a fixed count, so that every byte counted belongs to
   * a measured call. {@code ratePerConnection} 0: as fast as it can.
   */
  Run run(
      LoadCase call,
      int port,
      int responseBytes,
      int connections,
      int streams,
      int calls,
      int ratePerConnection)
      throws IOException, InterruptedException {
    Path log = work.resolve("h2load.log");
    Files.deleteIfExists(log);
    List<String> command = base(call, connections, streams);
    command.addAll(List.of("-n", String.valueOf(calls), "--log-file=" + log));
    if (ratePerConnection > 0) {
      command.addAll(List.of("--rps", String.valueOf(ratePerConnection)));
    }
    command.add(url(call, port));
    String out = output(command);
    long succeeded = count(out, "(\\d+) succeeded");
    long failed =
        count(out, "(\\d+) failed") + count(out, "(\\d+) errored") + count(out, "(\\d+) timeout");
    // Calls whose DATA is missing answered a gRPC error, others an HTTP error: count them both.
    long data = count(out, "\\((\\d+)\\) data");
    long grpcErrors = Math.max(0, succeeded - data / responseBytes);
    long httpErrors = succeeded - count(out, "(\\d+) 2xx");
    Matcher rps = Pattern.compile("finished in [0-9.]+m?s, ([0-9.]+) req/s").matcher(out);
    if (!rps.find()) {
      throw new IllegalStateException("h2load said:\n" + out);
    }
    double[] latencies =
        Files.readAllLines(log).stream()
            .mapToDouble(line -> Double.parseDouble(line.split("\t")[2]) / 1000.0)
            .sorted()
            .toArray();
    return new Run(
        succeeded + failed,
        failed + Math.max(grpcErrors, httpErrors),
        Double.parseDouble(rps.group(1)),
        latencies,
        count(out, "\\((\\d+)\\) headers"),
        data);
  }

  /**
   * h2load with one thread and {@code call}'s request. HTTP/1.1 sends one request at a time on each
   * connection, as browsers and most clients do: {@code streams} applies to HTTP/2 only.
   */
  private List<String> base(LoadCase call, int connections, int streams) throws IOException {
    List<String> command = new ArrayList<>(List.of("h2load", "-t", "1", "-c", "" + connections));
    switch (call.protocol()) {
      case GRPC -> {
        Path body = work.resolve("body.bin");
        Files.write(body, call.frame());
        command.addAll(
            List.of(
                "-m",
                "" + streams,
                "-H",
                "content-type: application/grpc",
                "-H",
                "te: trailers",
                "-d",
                body.toString()));
      }
      case H2C -> command.addAll(List.of("-m", "" + streams));
      case HTTP1 -> command.addAll(List.of("--h1", "-m", "1"));
    }
    return command;
  }

  private static String url(LoadCase call, int port) {
    return "http://127.0.0.1:" + port + call.path();
  }

  private static String output(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    return out;
  }

  private static long count(String text, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(text);
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }
}
