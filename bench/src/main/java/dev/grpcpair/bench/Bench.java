package dev.grpcpair.bench;

import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pair's benchmark: starts both jars and a bare grpc-java server (the floor), warms them up,
 * drives them with {@link H2Load} for fixed numbers of calls, checks every call returned the
 * expected bytes, measures each server's CPU and memory ({@link ServerProcess}), and reports
 * ({@link Report}, {@link Chart}). Run through {@code ./run-pair.sh bench}, which builds the jars
 * and installs h2load first.
 *
 * <p>Arguments: the project's root; {@code quick} (a smoke check, about 6 minutes) or {@code full};
 * {@code --write-report} to write docs/performance.md and its chart (otherwise the report is only
 * printed); or {@code compare DIR}, this checkout's pair against the one built in DIR.
 */
public final class Bench {

  private static final Runs.Amounts QUICK = new Runs.Amounts(20_000, 1, 20_000);
  private static final Runs.Amounts FULL = new Runs.Amounts(300_000, 3, 1_000_000);
  // Differences of a few percent: more calls than quick, and rounds to take the median of. A long
  // warm-up: at 1% the sampled path and the exporter run once in a hundred calls, so the JIT
  // compiles them long after the rest (docs/observability.md, "What traces cost").
  private static final Runs.Amounts TRACING = new Runs.Amounts(100_000, 5, 500_000);

  private static final GetUserRequest USER_1 = GetUserRequest.newBuilder().setUserId("1").build();
  private static final LoadCase BARE = LoadCase.user("bare grpc-java GetUser", "GetUser", USER_1);
  private static final LoadCase GET_USER = LoadCase.user("User.GetUser (1 hop)", "GetUser", USER_1);
  private static final ListPostsByUserIdRequest POSTS_OF_1 =
      ListPostsByUserIdRequest.newBuilder().setUserId("1").build();
  private static final LoadCase BARE_BY_USER =
      LoadCase.post("bare grpc-java ListPostsByUserId (2 hops)", "ListPostsByUserId", POSTS_OF_1);
  private static final LoadCase BY_USER =
      LoadCase.post("Post.ListPostsByUserId (2 hops)", "ListPostsByUserId", POSTS_OF_1);
  private static final LoadCase BARE_LIST_POSTS =
      LoadCase.post(
          "bare grpc-java ListPosts (seed, 2 hops)",
          "ListPosts",
          ListPostsRequest.getDefaultInstance());
  private static final LoadCase LIST_POSTS =
      LoadCase.post(
          "Post.ListPosts (seed, 8 posts)", "ListPosts", ListPostsRequest.getDefaultInstance());
  private static final LoadCase LIST_LARGE =
      LoadCase.post(
          "Post.ListPosts (100,000 posts, page of 1,000)",
          "ListPosts",
          ListPostsRequest.getDefaultInstance());
  private static final LoadCase GATEWAY_H2C =
      LoadCase.gateway("gateway GET /v2/users/1 (h2c)", LoadCase.Protocol.H2C, "/v2/users/1");
  private static final LoadCase GATEWAY_HTTP1 =
      LoadCase.gateway(
          "gateway GET /v2/users/1 (HTTP/1.1)", LoadCase.Protocol.HTTP1, "/v2/users/1");
  private static final LoadCase BARE_GATEWAY_H2C =
      LoadCase.gateway("bare gateway GET /v2/users/1 (h2c)", LoadCase.Protocol.H2C, "/v2/users/1");
  private static final LoadCase BARE_GATEWAY_HTTP1 =
      LoadCase.gateway(
          "bare gateway GET /v2/users/1 (HTTP/1.1)", LoadCase.Protocol.HTTP1, "/v2/users/1");
  private static final String AT_5000 = " @ 5000/s";
  private static final String ON_DEFAULTS = ", on the JVM's default collector and heap";
  private static final String USAGE =
      "usage: ./run-pair.sh bench [quick|full] [--write-report | compare DIR | tracing]\n"
          + "  quick: about 6 minutes (the default); full: over half an hour\n"
          + "  --write-report: write docs/performance.md and its chart\n"
          + "  compare DIR: this checkout's pair against the one built in DIR, interleaved\n"
          + "  tracing: the pair with traces off and 1% sampled (two pairs each), and 100%\n"
          + "  BENCH_JVM=\"...\": the servers' JVM flags instead of deploy/jvm.options\n"
          + "  BENCH_CALLS=N: N calls per run and warm-up (a check of the benchmark itself)";

  private final Path root;
  private final Path work;
  private final boolean full;
  private final Runs.Amounts amounts;
  private final Report report = new Report();
  private final Runs runs;
  private final Targets targets = new Targets();

  private Bench(Path root, boolean full, Runs.Amounts amounts) throws IOException {
    this.root = root;
    this.full = full;
    this.amounts = amounts;
    this.work = Files.createTempDirectory("grpc-pair-bench");
    this.runs = new Runs(new H2Load(work), report, amounts);
  }

  /**
   * The mode's amounts, or with {@code BENCH_CALLS} that many calls in each run and warm-up: a
   * check in about a minute that the benchmark itself works after a change to it, whose figures
   * mean nothing.
   */
  private static Runs.Amounts amounts(boolean full, Map<String, String> env) {
    Runs.Amounts mode = full ? FULL : QUICK;
    String calls = env.get("BENCH_CALLS");
    if (calls == null) {
      return mode;
    }
    if (!calls.matches("[1-9][0-9]{0,8}")) {
      System.err.println("bench: BENCH_CALLS must be a number of calls, not " + calls);
      System.exit(2);
    }
    int each = Integer.parseInt(calls);
    return new Runs.Amounts(each, mode.repeats(), each);
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    List<String> options =
        new ArrayList<>(List.of(args).subList(Math.min(1, args.length), args.length));
    // --help after other options checks them first: DocsIT so checks the documented lines.
    boolean help = options.removeAll(List.of("-h", "--help"));
    String unknown = unknownOption(options);
    if (unknown != null) {
      // A mistyped option must not start half an hour of load on the default ports.
      System.err.println("bench: unknown option " + unknown + "\n" + USAGE);
      System.exit(2);
    }
    if (help) {
      System.out.println(USAGE);
      return;
    }
    boolean full = options.contains("full");
    Bench bench = new Bench(root, full, amounts(full, System.getenv()));
    int compare = options.indexOf("compare");
    if (compare >= 0) {
      bench.compare(Path.of(options.get(compare + 1)).toAbsolutePath().normalize());
      return;
    }
    if (options.contains("tracing")) {
      bench.tracing();
      return;
    }
    bench.run();
    if (options.contains("--write-report")) {
      bench.write(root.resolve("docs"));
    }
  }

  /** The first option that is none of the above (compare must name a folder); null if none. */
  private static String unknownOption(List<String> options) {
    for (int i = 0; i < options.size(); i++) {
      String option = options.get(i);
      if (option.equals("compare") && i + 1 < options.size()) {
        i++;
      } else if (!List.of("quick", "full", "--write-report", "tracing").contains(option)) {
        return option;
      }
    }
    return null;
  }

  private void run() throws Exception {
    header();
    againstTheFloor();
    concurrencyLevels();
    if (full) {
      largeData();
      authors();
    }
    targets.writeTo(report);
    report.line("## What was tried");
    report.line("");
    report.line(Report.resource("tried.md").strip());
    report.line("");
    System.out.println(report);
  }

  private void write(Path docs) throws IOException {
    Files.createDirectories(docs);
    Chart.write(
        docs.resolve("performance.png"),
        report.results(),
        List.of(BARE.name(), GET_USER.name(), BY_USER.name(), LIST_POSTS.name()));
    report.line("![calls/s and CPU per call](performance.png)");
    Files.writeString(docs.resolve("performance.md"), report.toString());
  }

  private void header() throws IOException, InterruptedException {
    report.line("# Performance");
    report.line("");
    report.line(
        String.format(
            "Produced by `./run-pair.sh bench %s --write-report` on %s: %d cores, %s %s.",
            full ? "full" : "quick",
            LocalDate.now(),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.version")));
    report.line(
        String.format(
            "Servers started with `java %s` and their class-data archives, everything as"
                + " shipped, the access log included (the benchmark reads its lines and drops"
                + " them), and a GC log (`-Xlog:gc`: heap B/call is what the servers' collections"
                + " freed and their heap in use grew by, all servers together); load from %s on"
                + " the same machine (1 thread). Each fast case: %,d"
                + " warm-up calls, then %d measured runs of %,d calls, interleaved with the other"
                + " cases; tables give the median and, in brackets, the range. Every call is"
                + " checked by its response bytes.",
            String.join(" ", ServerProcess.jvmFlags(root)).replace(root + "/", ""),
            H2Load.version(),
            amounts.warmUpCalls(),
            amounts.repeats(),
            amounts.calls()));
    report.line("");
  }

  /**
   * Connections x streams per connection of {@link #concurrencyLevels}: one call at a time to many.
   */
  private static final int[][] LEVELS = {{1, 1}, {16, 8}, {16, 32}, {64, 32}};

  /** The level at which p99 is held against the bare servers'. */
  private static final int[] P99_LEVEL = LEVELS[2];

  /**
   * The shipped pair against the bare one at each of {@link #LEVELS}, interleaved in one run: a
   * cost that grows with the calls in flight shows as a ratio that grows along the table. A third
   * of the fast cases' calls per run, since one call at a time is slow.
   */
  private void concurrencyLevels() throws Exception {
    int calls = Math.max(Math.min(QUICK.calls(), amounts.calls()), amounts.calls() / 3);
    List<LevelRow> rows =
        List.of(
            new LevelRow("GetUser", BARE, GET_USER),
            new LevelRow("ListPostsByUserId (both servers)", BARE_BY_USER, BY_USER),
            new LevelRow("ListPosts (seed, both servers)", BARE_LIST_POSTS, LIST_POSTS));
    long[] shippedRss;
    long[] defaultsRss;
    List<String> profiles;
    try (Pair bare = Pair.bare(root, work);
        Pair pair = Pair.start(root, work, List.of());
        Pair defaults =
            Pair.withJvmFlags(root, work, ServerProcess.defaultCollectorFlags(root, work))) {
      List<Pair> servers = List.of(bare, pair, defaults);
      for (LevelRow row : rows) {
        for (int i = 0; i < servers.size(); i++) {
          runs.measure(row.cases().get(i), servers.get(i), 16, 8, amounts.warmUpCalls(), 0);
        }
      }
      for (int run = 0; run < runs.repeats(); run++) {
        for (int[] level : LEVELS) {
          for (LevelRow row : rows) {
            for (int i = 0; i < servers.size(); i++) {
              LoadCase call = row.cases().get(i);
              report.record(
                  atLevel(call, level),
                  runs.measure(call, servers.get(i), level[0], level[1], calls, 0));
            }
          }
        }
      }
      shippedRss = new long[] {pair.user.peakRssMiB(), pair.post.peakRssMiB()};
      defaultsRss = new long[] {defaults.user.peakRssMiB(), defaults.post.peakRssMiB()};
      profiles = profile(rows, List.of(bare, pair), calls);
    }
    report.line("## At each concurrency (connections x streams)");
    report.line("");
    report.line(
        String.format(
            "The same cases with fewer and more calls in flight, %d runs of %,d calls each,"
                + " interleaved, on the bare servers, the shipped ones, and the shipped ones on the"
                + " JVM's default collector and heap (`deploy/jvm.options` without its heap sizes"
                + " and collector); the ratios are of medians, to the bare case at the same level"
                + " and to the same servers on the JVM's defaults.",
            runs.repeats(), calls));
    report.line("");
    List<String> names = new ArrayList<>();
    for (int[] level : LEVELS) {
      for (LevelRow row : rows) {
        for (LoadCase call : row.cases()) {
          names.add(atLevel(call, level));
        }
      }
    }
    report.table(names);
    StringBuilder header = new StringBuilder("| level |");
    StringBuilder rule = new StringBuilder("|---|");
    for (LevelRow row : rows) {
      header.append(
          String.format(
              " %s CPU/call over bare | its calls/s over bare | its p99 over bare | its calls/s"
                  + " over the JVM's defaults |",
              row.name()));
      rule.append("---|---|---|---|");
    }
    report.line(header.toString());
    report.line(rule.toString());
    Worst worst = new Worst();
    for (int[] level : LEVELS) {
      StringBuilder line = new StringBuilder("| " + level[0] + " x " + level[1] + " |");
      for (LevelRow row : rows) {
        String floor = atLevel(row.bare(), level);
        String shipped = atLevel(row.shipped(), level);
        String onDefaults = atLevel(row.onDefaults(), level);
        double cpu =
            report.median(shipped, Result::cpuMicros) / report.median(floor, Result::cpuMicros);
        double rps = report.median(shipped, Result::rps) / report.median(floor, Result::rps);
        double p99 = report.median(shipped, Result::p99) / report.median(floor, Result::p99);
        double rpsDefaults =
            report.median(shipped, Result::rps) / report.median(onDefaults, Result::rps);
        worst.add(cpu, rps, rpsDefaults);
        if (level == P99_LEVEL) {
          worst.p99 = Math.max(worst.p99, p99);
        }
        line.append(
            String.format(" %.2f x | %.2f x | %.2f x | %.2f x |", cpu, rps, p99, rpsDefaults));
      }
      report.line(line.toString());
    }
    report.line("");
    report.line(
        String.format(
            "Peak RSS after these runs: User %d MiB, Post %d MiB as shipped; User %d MiB, Post %d"
                + " MiB on the JVM's defaults.",
            shippedRss[0], shippedRss[1], defaultsRss[0], defaultsRss[1]));
    report.line("");
    targets.atEachLevel(worst.cpu, worst.rps, worst.rpsOnDefaults);
    targets.p99(P99_LEVEL, worst.p99);
    report.line("## Where the CPU goes at 64 x 32");
    report.line("");
    profiles.forEach(report::line);
    report.line("");
  }

  /** Frames of each case's profile in the report's table. */
  private static final int TOP_FRAMES = 12;

  /**
   * One more run of each row's bare and shipped case at the highest level, with async-profiler on
   * the server that h2load calls, after the measured runs (so that it costs them nothing): the
   * frames that spend the most of its CPU themselves, the bare server's beside the shipped one's.
   */
  private List<String> profile(List<LevelRow> rows, List<Pair> servers, int calls)
      throws Exception {
    Profiler profiler = Profiler.in(work);
    if (profiler == null) {
      return List.of("(async-profiler runs on Linux x86-64 only: no profiles on this machine.)");
    }
    int[] level = LEVELS[LEVELS.length - 1];
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            "One more run of %,d calls of each case at %d x %d after the measured ones, the server"
                + " that h2load calls sampled by async-profiler 4.1 (`cpu`: perf events, every"
                + " millisecond of each thread's CPU, where the kernel allows them, else per-thread"
                + " CPU timers): its samples by the kind of code that spent them (the JVM's collector"
                + " and compiler by their threads, the collector's including the VM thread's other"
                + " safepoint work, the rest by the frame the sample was taken in),"
                + " and the %d frames that spend the most of its CPU themselves.",
            calls, level[0], level[1], TOP_FRAMES));
    for (LevelRow row : rows) {
      List<List<String>> tops = new ArrayList<>();
      List<String> kinds = new ArrayList<>();
      for (int i = 0; i < servers.size(); i++) {
        Pair pair = servers.get(i);
        LoadCase call = row.cases().get(i);
        ServerProcess server = pair.serverOf(call);
        profiler.start(server);
        runs.measure(call, pair, level[0], level[1], calls, 0);
        Path stacks = work.resolve("profile-" + i + "-" + call.server() + ".collapsed");
        Profiler.Profile profile = profiler.stop(server, stacks);
        tops.add(profile.top(TOP_FRAMES));
        kinds.add(profile.byKind());
      }
      lines.add("");
      for (int i = 0; i < servers.size(); i++) {
        lines.add("- " + row.cases().get(i).name() + ": " + kinds.get(i));
      }
      lines.add("");
      lines.add("| " + row.bare().name() + " | " + row.shipped().name() + " |");
      lines.add("|---|---|");
      for (int frame = 0; frame < TOP_FRAMES; frame++) {
        lines.add("| " + cell(tops.get(0), frame) + " | " + cell(tops.get(1), frame) + " |");
      }
    }
    return lines;
  }

  private static String cell(List<String> frames, int index) {
    return index < frames.size() ? frames.get(index) : "";
  }

  /**
   * A row of the table of ratios by level, {@code name} in its header: the floor, the shipped
   * servers, and the same servers on the JVM's defaults, in the order of the pairs that serve them.
   */
  private record LevelRow(String name, LoadCase bare, LoadCase shipped) {
    LoadCase onDefaults() {
      return shipped.named(shipped.name() + ON_DEFAULTS);
    }

    List<LoadCase> cases() {
      return List.of(bare, shipped, onDefaults());
    }
  }

  /** The worst ratios over the concurrency levels: the highest CPU, the lowest calls/s. */
  private static final class Worst {
    double cpu;
    double rps = Double.MAX_VALUE;
    double rpsOnDefaults = Double.MAX_VALUE;
    double p99;

    void add(double levelCpu, double levelRps, double levelRpsOnDefaults) {
      cpu = Math.max(cpu, levelCpu);
      rps = Math.min(rps, levelRps);
      rpsOnDefaults = Math.min(rpsOnDefaults, levelRpsOnDefaults);
    }
  }

  private static String atLevel(LoadCase call, int[] level) {
    return call.name() + ", " + level[0] + " x " + level[1];
  }

  /** The shipped pair and the bare server in one run: CPU per call, throughput, latency. */
  private void againstTheFloor() throws Exception {
    try (Pair bare = Pair.bare(root, work);
        Pair pair = Pair.withGateway(root, work)) {
      targets.startMillis(Math.max(pair.user.startMillis(), pair.post.startMillis()));
      List<LoadCase> cases =
          List.of(
              BARE,
              GET_USER,
              BARE_BY_USER,
              BY_USER,
              BARE_LIST_POSTS,
              LIST_POSTS,
              BARE_GATEWAY_H2C,
              GATEWAY_H2C,
              BARE_GATEWAY_HTTP1,
              GATEWAY_HTTP1);
      for (LoadCase call : cases) {
        Pair servers = isBare(call) ? bare : pair;
        runs.measure(call, servers, 16, 8, amounts.warmUpCalls(), 0);
      }
      for (int run = 0; run < runs.repeats(); run++) {
        for (LoadCase call : cases) {
          Pair servers = isBare(call) ? bare : pair;
          report.record(call.name(), runs.measure(call, servers, 16, 8, runs.calls(), 0));
        }
      }
      report.line("## Against bare grpc-java (16 connections x 8 streams)");
      report.line("");
      report.line(
          String.format(
              "Start-up, `java -jar` to the first answered health check: User %d ms, Post %d ms,"
                  + " gateway %d ms. The gateway's cases ask it for `/v2/users/1` (GetUser of the"
                  + " User server) over h2c (16 x 8) and over HTTP/1.1 keep-alive (16 connections,"
                  + " one request at a time each); its CPU is in the Post-or-gateway column. The"
                  + " bare gateway (`BareGateway`) is their floor: Netty's HTTP codecs, one"
                  + " grpc-java channel without interceptors or retries, and `JsonFormat`, in front"
                  + " of the bare User server. The bare ListPosts answers as the Post server does:"
                  + " every sample post in one page, their authors from one BatchGetUsers to the"
                  + " bare User server, the same bytes.",
              pair.user.startMillis(), pair.post.startMillis(), pair.gateway.startMillis()));
      report.line("");
      report.table(cases.stream().map(LoadCase::name).toList());
      double floor = report.median(BARE.name(), Result::cpuMicros);
      targets.cpu(
          report.median(GET_USER.name(), Result::cpuMicros) / floor,
          report.median(BY_USER.name(), Result::cpuMicros) / floor,
          report.median(LIST_POSTS.name(), Result::cpuMicros) / floor,
          report.median(BARE_BY_USER.name(), Result::cpuMicros) / floor,
          report.median(LIST_POSTS.name(), Result::cpuMicros)
              / report.median(BARE_LIST_POSTS.name(), Result::cpuMicros));
      double getUser = report.median(GET_USER.name(), Result::userCpuMicros);
      targets.gatewayCpu(
          report.median(GATEWAY_H2C.name(), Result::frontCpuMicros) / getUser,
          report.median(GATEWAY_HTTP1.name(), Result::frontCpuMicros) / getUser,
          report.median(BARE_GATEWAY_H2C.name(), Result::frontCpuMicros) / getUser,
          report.median(BARE_GATEWAY_HTTP1.name(), Result::frontCpuMicros) / getUser);
      fixedRate(pair);
    }
  }

  /**
   * {@code compare DIR}: the pair of this checkout against the pair built in DIR (another checkout,
   * say the last release), in one run, their cases interleaved with the bare floor's: what a change
   * costs per call, as a ratio to the same floor, and in peak RSS.
   */
  private void compare(Path baseline) throws Exception {
    Path baselineWork = Files.createDirectories(work.resolve("baseline"));
    try (Pair bare = Pair.bare(root, work);
        Pair before = Pair.start(baseline, baselineWork, List.of());
        Pair after = Pair.start(root, work, List.of())) {
      List<LoadCase> cases = List.of(GET_USER, BY_USER, LIST_POSTS);
      for (LoadCase call : List.of(BARE, BARE_BY_USER)) {
        runs.measure(call, bare, 16, 8, amounts.warmUpCalls(), 0);
      }
      for (LoadCase call : cases) {
        runs.measure(call, before, 16, 8, amounts.warmUpCalls(), 0);
        runs.measure(call, after, 16, 8, amounts.warmUpCalls(), 0);
      }
      for (int run = 0; run < runs.repeats(); run++) {
        for (LoadCase call : List.of(BARE, BARE_BY_USER)) {
          report.record(call.name(), runs.measure(call, bare, 16, 8, runs.calls(), 0));
        }
        for (LoadCase call : cases) {
          report.record(
              "before: " + call.name(), runs.measure(call, before, 16, 8, runs.calls(), 0));
          report.record("after: " + call.name(), runs.measure(call, after, 16, 8, runs.calls(), 0));
        }
      }
      List<String> names = new ArrayList<>(List.of(BARE.name(), BARE_BY_USER.name()));
      cases.forEach(
          call -> names.addAll(List.of("before: " + call.name(), "after: " + call.name())));
      report.line("## " + baseline + " (before) against this checkout (after), 16 x 8");
      report.line("");
      report.table(names);
      double floor = report.median(BARE.name(), Result::cpuMicros);
      double twoHops = report.median(BARE_BY_USER.name(), Result::cpuMicros);
      for (LoadCase call : cases) {
        double base = call == BY_USER ? twoHops : floor;
        report.line(
            String.format(
                "- %s, CPU per call (both servers) over bare grpc-java's%s: before %.2f x, after"
                    + " %.2f x",
                call.name(),
                call == BY_USER ? " two hops" : " GetUser",
                report.median("before: " + call.name(), Result::cpuMicros) / base,
                report.median("after: " + call.name(), Result::cpuMicros) / base));
      }
      report.line(
          String.format(
              "- peak RSS: before User %d MiB, Post %d MiB; after User %d MiB, Post %d MiB",
              before.user.peakRssMiB(),
              before.post.peakRssMiB(),
              after.user.peakRssMiB(),
              after.post.peakRssMiB()));
    }
    System.out.println(report);
  }

  /**
   * What tracing costs: the same pair with traces off, with 1% of new traces sampled and with all
   * of them, exporting to a collector in this process, interleaved at 16 x 8 and 16 x 32. Traces
   * off and 1% run on two pairs each: two JVMs of the same jar and flags differ by several percent
   * for as long as they run, as much as 1% of traces costs, so the second pair with traces off
   * measures that difference, and 1% is given over both.
   */
  private void tracing() throws Exception {
    String sampled = "--otel-traces-sampler-arg=0.01";
    try (SpanSink sink = new SpanSink();
        Pair off = Pair.start(root, work, List.of());
        Pair off2 = Pair.start(root, directory("off2"), List.of());
        Pair onePercent = Pair.start(root, directory("1"), List.of(sink.endpointFlag(), sampled));
        Pair onePercent2 =
            Pair.start(root, directory("1b"), List.of(sink.endpointFlag(), sampled));
        Pair all = Pair.start(root, directory("all"), List.of(sink.endpointFlag()))) {
      Map<String, Pair> pairs = new LinkedHashMap<>();
      pairs.put("off", off);
      pairs.put("off (a second pair)", off2);
      pairs.put("1%", onePercent);
      pairs.put("1% (a second pair)", onePercent2);
      pairs.put("100%", all);
      List<LoadCase> cases = List.of(GET_USER, BY_USER);
      List<int[]> levels = List.of(new int[] {16, 8}, new int[] {16, 32});
      Runs tracingRuns = new Runs(new H2Load(work), report, TRACING);
      for (Pair pair : pairs.values()) {
        for (LoadCase call : cases) {
          tracingRuns.measure(call, pair, 16, 8, TRACING.warmUpCalls(), 0);
        }
      }
      List<String> names = new ArrayList<>();
      for (int run = 0; run < TRACING.repeats(); run++) {
        for (int[] level : levels) {
          for (LoadCase call : cases) {
            for (Map.Entry<String, Pair> pair : pairs.entrySet()) {
              String name = tracingCase(call, level) + pair.getKey();
              report.record(
                  name,
                  tracingRuns.measure(
                      call, pair.getValue(), level[0], level[1], TRACING.calls(), 0));
              if (run == 0) {
                names.add(name);
              }
            }
          }
        }
      }
      report.line("## Tracing off, 1% and 100% sampled (exported to a collector)");
      report.line("");
      report.table(names);
      for (int[] level : levels) {
        for (LoadCase call : cases) {
          String prefix = tracingCase(call, level);
          double offCpu = bothPairs(prefix + "off", prefix + "off (a second pair)");
          report.line(
              String.format(
                  "- %s: CPU per call (both servers) over off (both pairs): 1%% %.2f x (its"
                      + " pairs %.2f x and %.2f x), 100%% %.2f x; the second pair with traces"
                      + " off over the first: %.2f x",
                  prefix.strip(),
                  bothPairs(prefix + "1%", prefix + "1% (a second pair)") / offCpu,
                  report.median(prefix + "1%", Result::cpuMicros) / offCpu,
                  report.median(prefix + "1% (a second pair)", Result::cpuMicros) / offCpu,
                  report.median(prefix + "100%", Result::cpuMicros) / offCpu,
                  report.median(prefix + "off (a second pair)", Result::cpuMicros)
                      / report.median(prefix + "off", Result::cpuMicros)));
        }
      }
      for (Map.Entry<String, Pair> pair : pairs.entrySet()) {
        report.line(
            String.format(
                "- peak RSS, traces %s: User %d MiB, Post %d MiB",
                pair.getKey(),
                pair.getValue().user.peakRssMiB(),
                pair.getValue().post.peakRssMiB()));
      }
      report.line(String.format("- spans the collector received: %,d", sink.spans()));
    }
    System.out.println(report);
  }

  /** The mean of two pairs' median CPU per call in one configuration. */
  private double bothPairs(String first, String second) {
    return (report.median(first, Result::cpuMicros) + report.median(second, Result::cpuMicros)) / 2;
  }

  /** A folder of this run's for one more pair's files. */
  private Path directory(String name) throws IOException {
    return Files.createDirectories(work.resolve(name));
  }

  /** A tracing case's name but for how much is traced: "User.GetUser (1 hop), 16x8, traces ". */
  private static String tracingCase(LoadCase call, int[] level) {
    return String.format("%s, %dx%d, traces ", call.name(), level[0], level[1]);
  }

  private static boolean isBare(LoadCase call) {
    return call == BARE
        || call == BARE_BY_USER
        || call == BARE_LIST_POSTS
        || call == BARE_GATEWAY_H2C
        || call == BARE_GATEWAY_HTTP1;
  }

  /** Latency at a fixed 5,000 calls/s (4 connections x 1,250/s). */
  private void fixedRate(Pair pair) throws Exception {
    report.line("## Fixed rate: 5,000 calls/s (4 connections x 1,250/s)");
    report.line("");
    int calls = runs.calls() / 6;
    List<LoadCase> cases = List.of(GET_USER, BY_USER, GATEWAY_H2C, GATEWAY_HTTP1);
    for (LoadCase call : cases) {
      report.record(call.name() + AT_5000, runs.measure(call, pair, 4, 1, calls, 1250));
    }
    report.table(cases.stream().map(call -> call.name() + AT_5000).toList());
    targets.latency(
        report.median(GET_USER.name() + AT_5000, Result::p99),
        report.median(BY_USER.name() + AT_5000, Result::p99));
    targets.gatewayLatency(
        Math.max(
            report.median(GATEWAY_H2C.name() + AT_5000, Result::p99),
            report.median(GATEWAY_HTTP1.name() + AT_5000, Result::p99)));
    long userRss = pair.user.peakRssMiB();
    long postRss = pair.post.peakRssMiB();
    long gatewayRss = pair.gateway.peakRssMiB();
    targets.seedRss(Math.max(userRss, postRss));
    targets.gatewayRss(gatewayRss);
    report.line(
        String.format(
            "Peak RSS after these cases: User %d MiB, Post %d MiB, gateway %d MiB.",
            userRss, postRss, gatewayRss));
    report.line("");
  }

  /** 10,000 users and 100,000 posts: pages of 1,000. */
  private void largeData() throws Exception {
    try (Pair pair = Pair.start(root, work, List.of("--generate-dataset=10000:100000"))) {
      runs.warmThenRecord(LIST_LARGE, pair, 4, 2, true);
      report.line("## Large data: 10,000 users and 100,000 posts");
      report.line("");
      report.table(List.of(LIST_LARGE.name()));
      boolean oom = pair.user.sawOutOfMemory() || pair.post.sawOutOfMemory();
      long rss = Math.max(pair.user.peakRssMiB(), pair.post.peakRssMiB());
      targets.largeRss(rss, oom);
      report.line(
          String.format(
              "Peak RSS: User %d MiB, Post %d MiB; OutOfMemoryError in the logs: %s.",
              pair.user.peakRssMiB(), pair.post.peakRssMiB(), oom ? "**yes**" : "none"));
      report.line("");
    }
  }

  /** The same page of 1,000 posts, with 1 author and with 1,000: one caller, latency. */
  private void authors() throws Exception {
    report.line("## ListPosts: 1 author vs 1,000 authors (pages of 1,000 posts, 1 caller)");
    report.line("");
    for (int users : new int[] {1, 1000}) {
      try (Pair pair = Pair.start(root, work, List.of("--generate-dataset=" + users + ":1000"))) {
        LoadCase call =
            LoadCase.post(
                "ListPosts, " + users + " author(s)",
                "ListPosts",
                ListPostsRequest.getDefaultInstance());
        runs.warmThenRecord(call, pair, 1, 1, true);
      }
    }
    report.table(List.of("ListPosts, 1 author(s)", "ListPosts, 1000 author(s)"));
    targets.authors(
        report.median("ListPosts, 1000 author(s)", Result::p50)
            / report.median("ListPosts, 1 author(s)", Result::p50));
  }
}
