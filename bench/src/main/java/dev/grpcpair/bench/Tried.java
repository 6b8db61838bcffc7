package dev.grpcpair.bench;

import java.util.List;

/** What was tried for performance, and what each change gave: kept with the benchmark's report. */
final class Tried {

  private Tried() {}

  /** Each change tried and what it gave, one list item each. */
  private static final List<String> ENTRIES =
      List.of(
          "- The Post server's first version ran every handler on a fixed pool of 16 threads and"
              + " blocked one of them per call on the User service. Every handler now calls the User"
              + " service through futures and answers from the callback on the Netty event loop;"
              + " `StreamPosts` sends from each author look-up's callback. Measured before the"
              + " change: the event loop gave 29,575 ListPostsByUserId calls/s, a 16-thread pool"
              + " 24,700 and a 64-thread pool 22,718.",
          "- `ListPosts` first made one `GetUser` per distinct author (sequentially, as the original"
              + " does); it now makes one `BatchGetUsers` per page, which is what keeps 1,000 authors"
              + " close to 1 author.",
          "- The UserClient's channel delivers answers on the event loop (`directExecutor()`):"
              + " the callbacks are short.",
          "- Request ids made with `ThreadLocalRandom` instead of `UUID.randomUUID()` (which draws"
              + " on `SecureRandom`): User.GetUser CPU per call went from 1.82 to 1.52 times the"
              + " bare server's, ListPostsByUserId from 7.11 to 5.43 times (two full runs, each"
              + " against the floor measured in the same run).",
          "- Profiled with async-profiler 4.1 (itimer, attached after a warm-up run). Requests are"
              + " parsed inside the call (issue 10) through `useInputStreamMessages`, which copied"
              + " every response into a buffered stream: two 8 KiB buffers a call. Pass-through"
              + " streams keep the parse inside the call without the copy. The request-id check was"
              + " a regex (2% of the User server's CPU): now a loop. Netty's leak detector recorded"
              + " a stack trace for 1 buffer in 128 (3% of both servers' CPU): off in the launch"
              + " configuration.",
          "- The access log, on as shipped, cost about 8 µs of a GetUser call's 20 (measured with"
              + " it on and off): slf4j-simple flushes standard error after every line, a system"
              + " call on the event loop per call. Log lines now go out in batches every 100 ms"
              + " (`LogOutput`), and the line is built without `String.format`. The profile then"
              + " showed slf4j-simple's timestamp (a `SimpleDateFormat` under a lock) at 5% of the"
              + " User server's CPU, and `PrintStream.print` running its charset encoder once per"
              + " piece of a line: `LogOutput` now stamps each line itself, formatting the date once"
              + " a second, and encodes the line once. The access log's share of the User server's"
              + " CPU went from 12.7% to 6.4% (async-profiler, 1,000,000 GetUser calls after a"
              + " warm-up). What remains of it is building the line and the garbage it leaves:"
              + " young collections are now the largest single cost of a call (18% of the User"
              + " server's CPU), and a larger young generation would cost memory above the RSS"
              + " target.",
          "- The two-hop target (3 x a bare GetUser) is below what grpc-java itself needs: two"
              + " bare servers doing the same two hops, measured in the same run, need the ratio"
              + " shown beside the target. A two-hop call is a server leg, a client leg and a"
              + " second server leg, and the client leg costs more than a server leg.",
          "- Launch configuration (`deploy/jvm.options`): against `-Xmx256m -XX:+UseG1GC`, the"
              + " serial collector with a 16-128 MiB heap and an 8 MiB young generation took peak RSS"
              + " from 278/250 MiB to 113/135 MiB on the seed data and from 322/352 MiB to 180/206"
              + " MiB on 100,000 posts, at the same throughput within the noise (1,048 vs 1,101"
              + " ListPosts pages/s, 4 x 2 streams). What remains above 128 MiB in the Post server"
              + " is mostly the JIT: its arenas peak at about 20 MiB while it compiles during the"
              + " warm-up (NMT). C1 alone (`-XX:TieredStopAtLevel=1`) kept it under 100 MiB but at a"
              + " third of the throughput; `-XX:-TieredCompilation`, one Netty arena, a malloc arena"
              + " limit and JDK 25 did not move it beyond the noise.",
          "- Native heap trimming (`-XX:TrimNativeHeapInterval`): every 200 ms instead of every"
              + " second took the Post server's peak RSS under 600,000 ListPostsByUserId and"
              + " ListPosts calls from 129-130 MiB (four runs) to 124-126 MiB (three runs), at the"
              + " same throughput; every 100 ms gave no more. Under load its RSS swings by 20-25 MiB"
              + " within seconds while NMT's committed total stays near 83 MiB: memory malloc has"
              + " freed and not yet returned. A larger initial heap (`-Xms40m`) cut the full"
              + " collections from 34 to 7 in such a run but raised the peak to 141 MiB; mapping the"
              + " class-data archives at their own address (`ArchiveRelocationMode=0`) did not"
              + " move it.",
          "- Start-up: an AppCDS archive per jar (written when a first run stops) took the first"
              + " answered call from about 0.9 s to about 0.4-0.55 s. About 145 ms of what is left"
              + " is picocli: its classes are compiled for Java 5, so CDS cannot archive them.",
          "- Issue 17's bounds (a cancellable context, a budget and a one-request check per call)"
              + " cost 5-10% more CPU per call. Profiled (async-profiler 4.1, cpu and alloc, 16 x 32):"
              + " the interceptors were added with the server builder's `intercept()`, which builds"
              + " the chain again for every call; bound to each service once, GetUser allocates 7.4"
              + " KB a call instead of 7.95. Most of the rest was the collector: with 512 calls in"
              + " flight, what they hold at a young collection overflowed the 768 KiB survivor"
              + " spaces of an 8 MiB young generation, and the old generation filled and was"
              + " collected in full 16-19 times per 500,000 calls: 2.8 µs of GC per GetUser. A 16"
              + " MiB young generation: 1 full collection, 0.9 µs. Measured with `compare` against"
              + " the build before issue 17: GetUser 1.54 x / 1.54 x the bare floor,"
              + " ListPostsByUserId 1.42 x / 1.36 x, ListPosts 6.64 x / 6.43 x; peak RSS User 111 /"
              + " 115 MiB, Post 126 / 129 MiB (the build before it measured 126-129 MiB across runs).",
          "- The collector under many calls in flight: at 16 x 32 and 64 x 32 the Post server's"
              + " young collections took 7.9 ms each against the bare Post server's 2.6 (jstat:"
              + " survivor spaces full at every young collection, the old generation 1.2 MiB fuller"
              + " after each, and collected in full every eighth or so). Four and then five Post"
              + " servers on different flags behind one User server, h2load runs interleaved, 3-4"
              + " rounds of 100,000 ListPostsByUserId calls per level, the Post server's CPU per"
              + " call over the shipped configuration's at 16 x 8 / 16 x 32 / 64 x 32, and its peak"
              + " RSS: a 32 MiB young generation (`-Xmn32m -Xms40m`) 0.94 / 0.76 / 0.93 x, 165 MiB"
              + " against 146; a fixed 128 MiB heap with 48 MiB young 0.93 / 0.77 / 0.78 x, 217 MiB;"
              + " the parallel collector in 128 MiB 0.88 / 0.71 / 0.77 x, 220 MiB; G1 in 128 MiB"
              + " 0.97 / 0.75 / 0.97 x, 236 MiB; G1 in 256 MiB 0.93 / 0.78 / 0.55 x (21,300 calls/s"
              + " at 64 x 32 against 11,300), 345 MiB; the JVM's defaults (G1, 6 GiB here) 0.93 /"
              + " 0.78 / 0.62 x, 900 MiB. Throughput at 64 x 32 needs more heap than 128 MiB, and"
              + " the 16 x 32 gain costs 20-30 MiB of peak RSS: `./run-pair.sh bench quick` with"
              + " `BENCH_JVM=\"@deploy/jvm.options -Xmn32m -Xms40m\"` had GetUser at 0.94 x (16 x 32)"
              + " and 0.89 x (64 x 32) the calls/s of the same servers on the JVM's defaults,"
              + " against 0.80 x and 0.65 x as shipped, and peak RSS on the seed data 143 MiB against"
              + " 132 (User 132 and Post 172 MiB after the concurrency levels, against 118 and 145)."
              + " The launch configuration keeps its 16 MiB young generation for now: the memory"
              + " targets (128 MiB per server and for the gateway, which shares the configuration)"
              + " are what it is held to until a full run decides between them.",
          "- Larger survivor spaces in the same 16 MiB young generation, so that what the calls in"
              + " flight hold at a young collection stays young instead of overflowing into the old"
              + " generation (same RSS, unlike a larger young generation). Four Post servers behind"
              + " one User server, 1,100,000 ListPostsByUserId calls each (200,000 to warm up, then"
              + " 3 interleaved rounds of 100,000 at 16 x 8, 16 x 32 and 64 x 32), median Post CPU"
              + " per call at the three levels, young and full collections (jstat), peak RSS: as"
              + " shipped (`-XX:SurvivorRatio=8`) 39 / 56 / 82 µs, 1,515 young and 198 full"
              + " collections taking 13.5 and 7.1 s, 144 MiB; `-XX:SurvivorRatio=4` 40 / 55 / 84"
              + " µs, 1,811 and 109 (13.2 and 5.0 s), 139 MiB; `-XX:SurvivorRatio=2` 49 / 54 / 82"
              + " µs, 2,444 and 103 (14.1 and 4.7 s), 141 MiB; `-Xmn32m -Xms40m` 43 / 39 / 99 µs,"
              + " 760 and 94 (11.0 and 5.1 s), 162 MiB. Halving the full collections did not show"
              + " in the CPU per call beyond the noise (rounds of the same server ranged by a third),"
              + " so the ratio stays. What it shows: the collector takes about 19 µs of the Post"
              + " server's CPU per call at these levels, a third of it, because 512-2,048 calls in"
              + " flight hold more than a 16 or 32 MiB young generation's survivor spaces.",
          "- Virtual threads were not tried: they need JDK 21 and this project's floor is 17.");

  static void writeTo(Report report) {
    report.line("## What was tried");
    report.line("");
    ENTRIES.forEach(report::line);
    report.line("");
  }
}
