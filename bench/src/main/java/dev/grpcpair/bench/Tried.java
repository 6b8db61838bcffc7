package dev.grpcpair.bench;

/** What was tried for performance, and what each change gave: kept with the benchmark's report. */
final class Tried {

  private Tried() {}

  static void writeTo(Report report) {
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
        "- Request ids made with `ThreadLocalRandom` instead of `UUID.randomUUID()` (which draws"
            + " on `SecureRandom`): User.GetUser CPU per call went from 1.82 to 1.52 times the"
            + " bare server's, ListPostsByUserId from 7.11 to 5.43 times (two full runs, each"
            + " against the floor measured in the same run).");
    report.line(
        "- Not yet measured on their own: the hardening of issue 10 (requests parsed inside the"
            + " call, a stream tracer for the access log, the stream registry for stopping).");
    report.line(
        "- Virtual threads were not tried: they need JDK 21 and this project's floor is 17.");
    report.line("");
  }
}
