package dev.grpcpair.bench;

import com.google.protobuf.MessageLite;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pair's benchmark: starts the servers from their jars, warms them up, drives them with h2load
 * (HTTP/2, C, efficient) and checks every call succeeded, measures each server's CPU and memory,
 * and writes BENCHMARKS.md and a chart. Run through {@code ./run-pair.sh bench}, which builds the
 * jars and installs h2load first; built by the {@code bench} module on every build.
 *
 * <p>h2load counts a gRPC error as a success (the status is in the trailers), so each case also
 * checks the DATA bytes received against calls x the expected response size: an error answers with
 * no DATA at all.
 */
public final class Bench {

  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+UseG1GC");
  static final long CLOCK_TICKS = 100; // getconf CLK_TCK on Linux
  static final int USER_PORT = 19000;
  static final int POST_PORT = 19001;
  static final int WARM_UP_SECONDS = 20;

  final Path root;
  final Path work;
  final int seconds;
  final int repeats;
  final StringBuilder report = new StringBuilder();
  final Map<String, List<Result>> results = new LinkedHashMap<>();
  long startUser;
  long startPost;
  boolean sawOom;

  Bench(Path root, int seconds, int repeats) throws IOException {
    this.root = root;
    this.seconds = seconds;
    this.repeats = repeats;
    this.work = Files.createTempDirectory("grpc-pair-bench");
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    new Bench(root, seconds, repeats).run();
  }

  // --- the cases -------------------------------------------------------------------------------

  record Case(String name, int port, String path, byte[] body, int responseBytes) {}

  public record Result(
      double rps,
      double p50,
      double p90,
      double p99,
      long calls,
      long errors,
      double userCpuPer1000,
      double postCpuPer1000,
      double gcSeconds) {}

  void run() throws Exception {
    line("# Benchmarks");
    line("");
    line("Produced by `./run-pair.sh bench` on " + LocalDate.now() + ": " + machine() + ".");
    line(
        "Servers started from their jars with `"
            + String.join(" ", JVM_FLAGS)
            + "`; load from h2load "
            + version()
            + " on the same machine (1 thread). Each case runs "
            + seconds
            + " s after a "
            + WARM_UP_SECONDS
            + " s warm-up, "
            + repeats
            + " times, interleaved with the others; tables give the median and, in brackets, the range.");
    line(
        "CPU is each server's user+system time per 1,000 calls; RSS is the peak resident set (VmHWM).");
    line("");

    Case getUser =
        new Case(
            "User.GetUser (1 hop)",
            USER_PORT,
            "/v1.user.User/GetUser",
            frame(GetUserRequest.newBuilder().setUserId("1").build()),
            32);
    Case byUser =
        new Case(
            "Post.ListPostsByUserId (2 hops)",
            POST_PORT,
            "/v1.post.Post/ListPostsByUserId",
            frame(ListPostsByUserIdRequest.newBuilder().setUserId("1").build()),
            -1);
    Case listPosts =
        new Case(
            "Post.ListPosts (seed, 8 posts)",
            POST_PORT,
            "/v1.post.Post/ListPosts",
            frame(ListPostsRequest.getDefaultInstance()),
            -1);

    // Seed data: throughput, interleaved and repeated.
    try (Pair pair = Pair.start(this, List.of())) {
      startUser = pair.userStartMillis;
      startPost = pair.postStartMillis;
      line("## Start-up");
      line("");
      line(
          "Time from `java -jar` to the first answered health check: User server "
              + pair.userStartMillis
              + " ms, Post server "
              + pair.postStartMillis
              + " ms.");
      line("");
      // The JIT needs tens of seconds under load on 2 cores before the numbers settle.
      for (Case c : List.of(getUser, byUser, listPosts)) {
        h2load(withSize(c), 16, 8, WARM_UP_SECONDS, 0, pair);
      }
      for (int rep = 0; rep < repeats; rep++) {
        for (Case c : List.of(getUser, byUser, listPosts)) {
          record(c.name, h2load(withSize(c), 16, 8, seconds, 0, pair));
        }
      }
      line("## Throughput at saturation (16 connections x 8 streams)");
      line("");
      table(List.of(getUser.name, byUser.name, listPosts.name));
      double ratio =
          median(results.get(byUser.name), Result::rps)
              / median(results.get(getUser.name), Result::rps);
      line(
          String.format(
              "ListPostsByUserId / GetUser throughput: **%.2f** (target: at least 0.5).", ratio));
      line("");

      line("## Fixed rate: 2,000 calls/s (4 connections x 500/s)");
      line("");
      for (Case c : List.of(getUser, byUser)) {
        record(c.name + " @ 2000/s", h2load(withSize(c), 4, 1, seconds, 500, pair));
      }
      table(List.of(getUser.name + " @ 2000/s", byUser.name + " @ 2000/s"));
      line(
          "Peak RSS after the seed cases: User "
              + pair.user.peakRssMb()
              + " MiB, Post "
              + pair.post.peakRssMb()
              + " MiB.");
      line("");
    }

    // Large data: 10,000 users, 100,000 posts.
    try (Pair pair = Pair.start(this, List.of("--generate-dataset=10000:100000"))) {
      Case large =
          withSize(
              new Case(
                  "Post.ListPosts (100,000 posts, page of 1,000)",
                  POST_PORT,
                  "/v1.post.Post/ListPosts",
                  frame(ListPostsRequest.getDefaultInstance()),
                  -1));
      h2load(large, 4, 2, WARM_UP_SECONDS, 0, pair);
      for (int rep = 0; rep < repeats; rep++) {
        record(large.name, h2load(large, 4, 2, seconds, 0, pair));
      }
      line("## Large data: 10,000 users and 100,000 posts, `-Xmx256m`");
      line("");
      table(List.of(large.name));
      sawOom = pair.user.sawOutOfMemory() || pair.post.sawOutOfMemory();
      line(
          "Peak RSS: User "
              + pair.user.peakRssMb()
              + " MiB, Post "
              + pair.post.peakRssMb()
              + " MiB; OutOfMemoryError in the logs: "
              + (sawOom ? "**yes**" : "none")
              + ".");
      line("");
    }

    // 1 author vs 1,000 authors: same page (1,000 posts), one caller, latency.
    line("## ListPosts round trips: 1 author vs 1,000 authors (pages of 1,000 posts, 1 caller)");
    line("");
    for (int[] shape : new int[][] {{1, 1000}, {1000, 1000}}) {
      try (Pair pair =
          Pair.start(this, List.of("--generate-dataset=" + shape[0] + ":" + shape[1]))) {
        Case c =
            withSize(
                new Case(
                    "ListPosts, " + shape[0] + " author(s)",
                    POST_PORT,
                    "/v1.post.Post/ListPosts",
                    frame(ListPostsRequest.getDefaultInstance()),
                    -1));
        h2load(c, 1, 1, WARM_UP_SECONDS, 0, pair);
        for (int rep = 0; rep < repeats; rep++) {
          record(c.name, h2load(c, 1, 1, seconds, 0, pair));
        }
      }
    }
    table(List.of("ListPosts, 1 author(s)", "ListPosts, 1000 author(s)"));
    double authorRatio =
        median(results.get("ListPosts, 1000 author(s)"), Result::p50)
            / median(results.get("ListPosts, 1 author(s)"), Result::p50);
    line(
        String.format(
            "p50 with 1,000 authors / with 1 author: **%.2f** (target: within 3). Each page costs one BatchGetUsers round trip whatever its authors.",
            authorRatio));
    line("");

    double throughputRatio =
        median(results.get(byUser.name), Result::rps)
            / median(results.get(getUser.name), Result::rps);
    line("## Targets");
    line("");
    line("| target | measured | met |");
    line("|---|---|---|");
    line(
        String.format(
            "| ListPostsByUserId throughput >= 0.5 x GetUser's | %.2f x | %s |",
            throughputRatio, throughputRatio >= 0.5 ? "yes" : "**no**"));
    line(
        String.format(
            "| ListPosts p50 with 1,000 authors <= 3 x with 1 author | %.2f x | %s |",
            authorRatio, authorRatio <= 3 ? "yes" : "**no**"));
    line(
        String.format(
            "| answers the first call within 1.5 s of start | User %d ms, Post %d ms | %s |",
            startUser, startPost, Math.max(startUser, startPost) <= 1500 ? "yes" : "**no**"));
    line(
        "| 10,000 users and 100,000 posts in `-Xmx256m`, no OutOfMemoryError | see Large data | "
            + (sawOom ? "**no**" : "yes")
            + " |");
    line("");
    line("## What was tried");
    line("");
    line(
        "- The Post server's first version ran every handler on a fixed pool of 16 threads and blocked one of them per call on the "
            + "User service (blocking stub). Every handler now calls the User service through the future stub and answers from the "
            + "callback, on the Netty event loop; streaming ones too, sending from the look-up's callback.");
    line(
        "- `ListPosts` first made one `GetUser` per distinct author (sequentially, as the original does); it now makes one "
            + "`BatchGetUsers` per page, which is what keeps 1,000 authors close to 1 author.");
    line(
        "- The UserClient's channel delivers answers on the event loop (`directExecutor()`): the callbacks are short.");
    line("- Virtual threads were not tried: they need JDK 21 and this project's floor is 17.");
    line("");

    Path chart = root.resolve("benchmarks.png");
    Chart.write(
        chart,
        results,
        List.of(
            getUser.name,
            byUser.name,
            listPosts.name,
            "Post.ListPosts (100,000 posts, page of 1,000)"));
    line("![requests/s and p99 per case](benchmarks.png)");
    line("");
    Files.writeString(root.resolve("BENCHMARKS.md"), report.toString());
    System.out.println(report);
  }

  // --- h2load ------------------------------------------------------------------------------------

  /** Learns the case's response size from one call (responses here are the same for every call). */
  Case withSize(Case c) throws Exception {
    if (c.responseBytes > 0) {
      return c;
    }
    Path body = work.resolve("probe.bin");
    Files.write(body, c.body);
    Process probe =
        new ProcessBuilder(
                "h2load",
                "-n",
                "1",
                "-c",
                "1",
                "-H",
                "content-type: application/grpc",
                "-H",
                "te: trailers",
                "-d",
                body.toString(),
                "http://127.0.0.1:" + c.port + c.path)
            .redirectErrorStream(true)
            .start();
    String out = new String(probe.getInputStream().readAllBytes());
    probe.waitFor();
    Matcher data = Pattern.compile("\\((\\d+)\\) data").matcher(out);
    if (!data.find() || Long.parseLong(data.group(1)) == 0) {
      throw new IllegalStateException("probe of " + c.name + " failed:\n" + out);
    }
    return new Case(c.name, c.port, c.path, c.body, Integer.parseInt(data.group(1)));
  }

  Result h2load(
      Case c, int connections, int streams, int durationSeconds, int ratePerConnection, Pair pair)
      throws Exception {
    Path body = work.resolve("body.bin");
    Files.write(body, c.body);
    Path log = work.resolve("h2load.log");
    Files.deleteIfExists(log);
    List<String> command =
        new ArrayList<>(
            List.of(
                "h2load",
                "-t",
                "1",
                "-c",
                String.valueOf(connections),
                "-m",
                String.valueOf(streams),
                "-D",
                String.valueOf(durationSeconds),
                "-H",
                "content-type: application/grpc",
                "-H",
                "te: trailers",
                "-d",
                body.toString(),
                "--log-file=" + log));
    if (ratePerConnection > 0) {
      command.addAll(List.of("--rps", String.valueOf(ratePerConnection)));
    }
    command.add("http://127.0.0.1:" + c.port + c.path);
    long[] cpuBefore = {pair.user.cpuTicks(), pair.post.cpuTicks()};
    double gcBefore = pair.user.gcSeconds() + pair.post.gcSeconds();
    Process h2load = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(h2load.getInputStream().readAllBytes());
    h2load.waitFor();
    long[] cpuAfter = {pair.user.cpuTicks(), pair.post.cpuTicks()};
    double gc = pair.user.gcSeconds() + pair.post.gcSeconds() - gcBefore;

    long succeeded = group(out, "(\\d+) succeeded");
    long failed =
        group(out, "(\\d+) failed") + group(out, "(\\d+) errored") + group(out, "(\\d+) timeout");
    long data = group(out, "\\((\\d+)\\) data");
    // Calls whose DATA is missing answered a gRPC error: count them as errors.
    long grpcErrors = Math.max(0, succeeded - data / c.responseBytes);
    double rps = Double.parseDouble(groupString(out, "finished in [0-9.]+m?s, ([0-9.]+) req/s"));
    double[] latencies =
        Files.readAllLines(log).stream()
            .mapToDouble(line -> Double.parseDouble(line.split("\t")[2]) / 1000.0)
            .sorted()
            .toArray();
    double userCpu = (cpuAfter[0] - cpuBefore[0]) / (double) CLOCK_TICKS;
    double postCpu = (cpuAfter[1] - cpuBefore[1]) / (double) CLOCK_TICKS;
    long calls = succeeded + failed;
    Result result =
        new Result(
            rps,
            percentile(latencies, 50),
            percentile(latencies, 90),
            percentile(latencies, 99),
            calls,
            failed + grpcErrors,
            calls == 0 ? 0 : userCpu * 1000 / calls,
            calls == 0 ? 0 : postCpu * 1000 / calls,
            gc);
    System.err.printf("%-50s %s%n", c.name, result);
    return result;
  }

  static long group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  static String groupString(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("h2load said:\n" + text);
    }
    return m.group(1);
  }

  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  static byte[] frame(MessageLite message) {
    byte[] payload = message.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(payload.length >>> 24);
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  // --- the servers -------------------------------------------------------------------------------

  static final class Server implements AutoCloseable {
    final Process process;
    final Path log;

    Server(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    long cpuTicks() throws IOException {
      String[] fields =
          Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"))
              .replaceFirst("^.*\\) ", "")
              .split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    long peakRssMb() throws IOException {
      for (String line :
          Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
      return -1;
    }

    /** Total GC time so far, from jstat's GCT column. */
    double gcSeconds() throws Exception {
      Process jstat =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jstat").toString(),
                  "-gc",
                  String.valueOf(process.pid()))
              .start();
      String[] lines = new String(jstat.getInputStream().readAllBytes()).strip().split("\n");
      jstat.waitFor();
      if (lines.length < 2) {
        return 0;
      }
      List<String> header = Arrays.asList(lines[0].trim().split("\\s+"));
      String[] values = lines[1].trim().split("\\s+");
      return Double.parseDouble(values[header.indexOf("GCT")]);
    }

    boolean sawOutOfMemory() throws IOException {
      return Files.readString(log).contains("OutOfMemoryError");
    }

    @Override
    public void close() {
      process.toHandle().destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static final class Pair implements AutoCloseable {
    final Server user;
    final Server post;
    final long userStartMillis;
    final long postStartMillis;

    private Pair(Server user, Server post, long userStartMillis, long postStartMillis) {
      this.user = user;
      this.post = post;
      this.userStartMillis = userStartMillis;
      this.postStartMillis = postStartMillis;
    }

    static Pair start(Bench bench, List<String> dataArgs) throws Exception {
      List<String> userArgs = new ArrayList<>(List.of("--port=" + USER_PORT));
      userArgs.addAll(dataArgs);
      long[] startedAt = new long[1];
      Server user = bench.launch("user-server", userArgs, startedAt);
      long userStart = waitServing(USER_PORT, startedAt[0]);
      List<String> postArgs =
          new ArrayList<>(List.of("--port=" + POST_PORT, "--user-target=localhost:" + USER_PORT));
      postArgs.addAll(dataArgs);
      Server post = bench.launch("post-server", postArgs, startedAt);
      long postStart = waitServing(POST_PORT, startedAt[0]);
      return new Pair(user, post, userStart, postStart);
    }

    /**
     * Polls the health service until it answers; returns the milliseconds since {@code startedAt}.
     */
    static long waitServing(int port, long startedAt) throws InterruptedException {
      ManagedChannel channel =
          Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
          try {
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
          } catch (RuntimeException notYet) {
            channel.resetConnectBackoff();
            Thread.sleep(5);
          }
        }
        throw new IllegalStateException("nothing answered on port " + port);
      } finally {
        channel.shutdownNow();
      }
    }

    @Override
    public void close() {
      post.close();
      user.close();
    }
  }

  Server launch(String name, List<String> args, long[] startedAt) throws IOException {
    List<String> command = new ArrayList<>(List.of(JAVA));
    command.addAll(JVM_FLAGS);
    command.addAll(List.of("-jar", root.resolve(name + "/target/" + name + ".jar").toString()));
    command.addAll(args);
    Path log = work.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The access log would be the benchmark's bottleneck (one line per call to a file): off here.
    builder.environment().put("JAVA_TOOL_OPTIONS", "-Dorg.slf4j.simpleLogger.log.access=warn");
    startedAt[0] = System.nanoTime();
    return new Server(builder.start(), log);
  }

  // --- the report --------------------------------------------------------------------------------

  void record(String name, Result result) {
    results.computeIfAbsent(name, k -> new ArrayList<>()).add(result);
  }

  void line(String text) {
    report.append(text).append('\n');
  }

  interface Metric {
    double of(Result r);
  }

  static double median(List<Result> rs, Metric metric) {
    double[] values = rs.stream().mapToDouble(metric::of).sorted().toArray();
    return values[values.length / 2];
  }

  static String cell(List<Result> rs, Metric metric, String format) {
    double[] values = rs.stream().mapToDouble(metric::of).sorted().toArray();
    return String.format(format, values[values.length / 2])
        + " ("
        + String.format(format, values[0])
        + "–"
        + String.format(format, values[values.length - 1])
        + ")";
  }

  void table(List<String> names) {
    line(
        "| case | calls/s | p50 ms | p90 ms | p99 ms | calls | errors | User CPU s/1k | Post CPU s/1k | GC s |");
    line("|---|---|---|---|---|---|---|---|---|---|");
    for (String name : names) {
      List<Result> rs = results.get(name);
      long calls = rs.stream().mapToLong(Result::calls).sum();
      long errors = rs.stream().mapToLong(Result::errors).sum();
      line(
          "| "
              + name
              + " | "
              + cell(rs, Result::rps, "%.0f")
              + " | "
              + cell(rs, Result::p50, "%.2f")
              + " | "
              + cell(rs, Result::p90, "%.2f")
              + " | "
              + cell(rs, Result::p99, "%.2f")
              + " | "
              + calls
              + " | "
              + errors
              + " | "
              + cell(rs, Result::userCpuPer1000, "%.3f")
              + " | "
              + cell(rs, Result::postCpuPer1000, "%.3f")
              + " | "
              + cell(rs, Result::gcSeconds, "%.2f")
              + " |");
    }
    line("");
  }

  static String machine() {
    return Runtime.getRuntime().availableProcessors()
        + " cores, "
        + (Runtime.getRuntime().maxMemory() > 0 ? "" : "")
        + System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version");
  }

  static String version() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("h2load", "--version").start();
    String v = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    return v;
  }
}
