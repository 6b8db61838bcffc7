package dev.grpcpair.bench;

import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

/**
 * The pair's benchmark: starts both jars, warms them up, drives them with {@link H2Load}, checks
 * every call succeeded, measures each server's CPU and memory ({@link ServerProcess}), and writes
 * BENCHMARKS.md ({@link Report}) and benchmarks.png ({@link Chart}). Run through {@code
 * ./run-pair.sh bench}, which builds the jars and installs h2load first.
 *
 * <p>Arguments: the project's root, seconds per run (10), runs per case (3).
 */
public final class Bench {

  /** The JIT needs tens of seconds under load on 2 cores before the numbers settle. */
  private static final int WARM_UP_SECONDS = 20;

  private static final LoadCase GET_USER =
      LoadCase.user(
          "User.GetUser (1 hop)", "GetUser", GetUserRequest.newBuilder().setUserId("1").build());
  private static final LoadCase BY_USER =
      LoadCase.post(
          "Post.ListPostsByUserId (2 hops)",
          "ListPostsByUserId",
          ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
  private static final LoadCase LIST_POSTS =
      LoadCase.post(
          "Post.ListPosts (seed, 8 posts)", "ListPosts", ListPostsRequest.getDefaultInstance());
  private static final LoadCase LIST_LARGE =
      LoadCase.post(
          "Post.ListPosts (100,000 posts, page of 1,000)",
          "ListPosts",
          ListPostsRequest.getDefaultInstance());

  private final Path root;
  private final Path work;
  private final int seconds;
  private final int repeats;
  private final Report report = new Report();
  private final Runs runs;
  private long userStartMillis;
  private long postStartMillis;
  private boolean sawOutOfMemory;

  private Bench(Path root, int seconds, int repeats) throws IOException {
    this.root = root;
    this.seconds = seconds;
    this.repeats = repeats;
    this.work = Files.createTempDirectory("grpc-pair-bench");
    this.runs = new Runs(new H2Load(work), report, seconds, repeats, WARM_UP_SECONDS);
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    new Bench(root, seconds, repeats).run();
  }

  private void run() throws Exception {
    header();
    seedData();
    largeData();
    authors();
    targets();
    tried();
    Chart.write(
        root.resolve("benchmarks.png"),
        report.results(),
        List.of(GET_USER.name(), BY_USER.name(), LIST_POSTS.name(), LIST_LARGE.name()));
    report.line("![requests/s and p99 per case](benchmarks.png)");
    report.line("");
    Files.writeString(root.resolve("BENCHMARKS.md"), report.toString());
    System.out.println(report);
  }

  private void header() throws IOException, InterruptedException {
    report.line("# Benchmarks");
    report.line("");
    report.line(
        String.format(
            "Produced by `./run-pair.sh bench %d %d` on %s: %d cores, %s %s.",
            seconds,
            repeats,
            LocalDate.now(),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.version")));
    report.line(
        String.format(
            "Servers started from their jars with `%s`; load from %s on the same machine"
                + " (1 thread). Each case runs %d s after a %d s warm-up, %d times, interleaved"
                + " with the others; tables give the median and, in brackets, the range.",
            String.join(" ", ServerProcess.JVM_FLAGS),
            H2Load.version(),
            seconds,
            WARM_UP_SECONDS,
            repeats));
    report.line(
        "CPU is each server's user+system time per 1,000 calls; RSS is the peak resident set"
            + " (VmHWM).");
    report.line("");
  }

  /** Seed data: start-up, throughput at saturation, latency at a fixed rate. */
  private void seedData() throws Exception {
    try (Pair pair = Pair.start(root, work, List.of())) {
      userStartMillis = pair.user.startMillis();
      postStartMillis = pair.post.startMillis();
      report.line("## Start-up");
      report.line("");
      report.line(
          String.format(
              "Time from `java -jar` to the first answered health check: User server %d ms,"
                  + " Post server %d ms.",
              userStartMillis, postStartMillis));
      report.line("");
      List<LoadCase> cases = List.of(GET_USER, BY_USER, LIST_POSTS);
      for (LoadCase call : cases) {
        runs.measure(call, pair, 16, 8, WARM_UP_SECONDS, 0);
      }
      for (int run = 0; run < repeats; run++) {
        for (LoadCase call : cases) {
          report.record(call.name(), runs.measure(call, pair, 16, 8, seconds, 0));
        }
      }
      report.line("## Throughput at saturation (16 connections x 8 streams)");
      report.line("");
      report.table(cases.stream().map(LoadCase::name).toList());
      fixedRate(pair);
    }
  }

  private void fixedRate(Pair pair) throws Exception {
    report.line("## Fixed rate: 2,000 calls/s (4 connections x 500/s)");
    report.line("");
    for (LoadCase call : List.of(GET_USER, BY_USER)) {
      report.record(call.name() + " @ 2000/s", runs.measure(call, pair, 4, 1, seconds, 500));
    }
    report.table(List.of(GET_USER.name() + " @ 2000/s", BY_USER.name() + " @ 2000/s"));
    report.line(
        String.format(
            "Peak RSS after the seed cases: User %d MiB, Post %d MiB.",
            pair.user.peakRssMiB(), pair.post.peakRssMiB()));
    report.line("");
  }

  /** 10,000 users and 100,000 posts: pages of 1,000 in 256 MiB of heap. */
  private void largeData() throws Exception {
    try (Pair pair = Pair.start(root, work, List.of("--generate-dataset=10000:100000"))) {
      runs.warmThenRecord(LIST_LARGE, pair, 4, 2);
      report.line("## Large data: 10,000 users and 100,000 posts, `-Xmx256m`");
      report.line("");
      report.table(List.of(LIST_LARGE.name()));
      sawOutOfMemory = pair.user.sawOutOfMemory() || pair.post.sawOutOfMemory();
      report.line(
          String.format(
              "Peak RSS: User %d MiB, Post %d MiB; OutOfMemoryError in the logs: %s.",
              pair.user.peakRssMiB(), pair.post.peakRssMiB(), sawOutOfMemory ? "**yes**" : "none"));
      report.line("");
    }
  }

  /** The same page of 1,000 posts, with 1 author and with 1,000: one caller, latency. */
  private void authors() throws Exception {
    report.line(
        "## ListPosts round trips: 1 author vs 1,000 authors (pages of 1,000 posts, 1 caller)");
    report.line("");
    for (int users : new int[] {1, 1000}) {
      try (Pair pair = Pair.start(root, work, List.of("--generate-dataset=" + users + ":1000"))) {
        LoadCase call =
            LoadCase.post(
                "ListPosts, " + users + " author(s)",
                "ListPosts",
                ListPostsRequest.getDefaultInstance());
        runs.warmThenRecord(call, pair, 1, 1);
      }
    }
    report.table(List.of("ListPosts, 1 author(s)", "ListPosts, 1000 author(s)"));
    report.line(
        String.format(
            "p50 with 1,000 authors / with 1 author: **%.2f** (target: within 3). Each page costs"
                + " one BatchGetUsers round trip whatever its authors.",
            authorRatio()));
    report.line("");
  }

  private void targets() {
    double throughput =
        report.median(BY_USER.name(), Result::rps) / report.median(GET_USER.name(), Result::rps);
    long start = Math.max(userStartMillis, postStartMillis);
    report.line("## Targets");
    report.line("");
    report.line("| target | measured | met |");
    report.line("|---|---|---|");
    target(
        "ListPostsByUserId throughput >= 0.5 x GetUser's",
        String.format("%.2f x", throughput),
        throughput >= 0.5);
    target(
        "ListPosts p50 with 1,000 authors <= 3 x with 1",
        String.format("%.2f x", authorRatio()),
        authorRatio() <= 3);
    target("answers the first call within 1.5 s of start", start + " ms", start <= 1500);
    target("10,000 users, 100,000 posts in `-Xmx256m`", "OOM: " + sawOutOfMemory, !sawOutOfMemory);
    report.line("");
  }

  private void target(String target, String measured, boolean met) {
    report.line("| " + target + " | " + measured + " | " + (met ? "yes" : "**no**") + " |");
  }

  private void tried() {
    report.line("## What was tried");
    report.line("");
    report.line(
        "- The Post server's first version ran every handler on a fixed pool of 16 threads and"
            + " blocked one of them per call on the User service. Every handler now calls the User"
            + " service through futures and answers from the callback on the Netty event loop;"
            + " `StreamPosts` sends from each author look-up's callback. Measured before the"
            + " change: the event loop gave 29,575 ListPostsByUserId calls/s, a 16-thread pool"
            + " 24,700 and a 64-thread pool 22,718.");
    report.line(
        "- `ListPosts` first made one `GetUser` per distinct author (sequentially, as the original"
            + " does); it now makes one `BatchGetUsers` per page, which is what keeps 1,000 authors"
            + " close to 1 author.");
    report.line(
        "- The UserClient's channel delivers answers on the event loop (`directExecutor()`):"
            + " the callbacks are short.");
    report.line(
        "- Virtual threads were not tried: they need JDK 21 and this project's floor is 17.");
    report.line("");
  }

  private double authorRatio() {
    return report.median("ListPosts, 1000 author(s)", Result::p50)
        / report.median("ListPosts, 1 author(s)", Result::p50);
  }
}
