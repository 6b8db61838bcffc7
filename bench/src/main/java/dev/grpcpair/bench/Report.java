package dev.grpcpair.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** docs/performance.md as it is written: prose, and tables of each case's results over its runs. */
final class Report {

  /**
   * A text kept beside this class ({@code src/main/resources/dev/grpcpair/bench/}): prose of the
   * report that is edited as Markdown, not as Java strings.
   */
  static String resource(String name) {
    try (InputStream in = Report.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no resource " + name + " beside " + Report.class);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final StringBuilder text = new StringBuilder();
  private final Map<String, List<Result>> results = new LinkedHashMap<>();

  void record(String name, Result result) {
    results.computeIfAbsent(name, k -> new ArrayList<>()).add(result);
  }

  Map<String, List<Result>> results() {
    return results;
  }

  void line(String line) {
    text.append(line).append('\n');
  }

  /** The median of {@code metric} over the runs of case {@code name}. */
  double median(String name, Result.Metric metric) {
    double[] values = sorted(name, metric);
    return values[values.length / 2];
  }

  /** One row per case: each number the median of its runs, with their range in brackets. */
  void table(List<String> names) {
    line(
        "| case | calls/s | p50 ms | p99 ms | p99.9 ms | calls | User CPU µs/call"
            + " | Post or gateway CPU µs/call | header B/call | data B/call | GC s"
            + " | heap B/call |");
    line("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (String name : names) {
      List<Result> runs = results.get(name);
      long calls = runs.stream().mapToLong(Result::calls).sum();
      line(
          String.join(
              " | ",
              "| " + name,
              cell(name, Result::rps, "%.0f"),
              cell(name, Result::p50, "%.2f"),
              cell(name, Result::p99, "%.2f"),
              cell(name, Result::p999, "%.2f"),
              String.valueOf(calls),
              cell(name, Result::userCpuMicros, "%.1f"),
              cell(name, Result::frontCpuMicros, "%.1f"),
              cell(name, Result::headerBytes, "%.0f"),
              cell(name, Result::dataBytes, "%.0f"),
              cell(name, Result::gcSeconds, "%.2f"),
              cell(name, Result::allocatedBytes, "%.0f") + " |"));
    }
    line("");
  }

  @Override
  public String toString() {
    return text.toString();
  }

  private String cell(String name, Result.Metric metric, String format) {
    double[] values = sorted(name, metric);
    return String.format(format, values[values.length / 2])
        + " ("
        + String.format(format, values[0])
        + "–"
        + String.format(format, values[values.length - 1])
        + ")";
  }

  private double[] sorted(String name, Result.Metric metric) {
    return results.get(name).stream().mapToDouble(metric::of).sorted().toArray();
  }
}
