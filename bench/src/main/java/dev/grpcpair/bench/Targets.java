package dev.grpcpair.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The performance targets the report checks, each with what this run measured. */
final class Targets {

  private final List<String> rows = new ArrayList<>();

  /**
   * CPU per call of each case over the bare GetUser's; {@code bareByUser}: the two-hop floor;
   * {@code listPostsOverBare}: ListPosts over the bare servers' ListPosts.
   */
  void cpu(
      double getUser,
      double byUser,
      double listPosts,
      double bareByUser,
      double listPostsOverBare) {
    row(
        "User.GetUser CPU per call <= 1.25 x bare grpc-java's",
        ratio(getUser, 1.25),
        getUser <= 1.25);
    row(
        "ListPostsByUserId CPU, both servers, <= 3 x bare GetUser (bare grpc-java's two hops: "
            + ratio(bareByUser)
            + ")",
        ratio(byUser, 3),
        byUser <= 3);
    row(
        "ListPosts (seed) CPU, both servers, <= 3.5 x bare GetUser",
        ratio(listPosts, 3.5),
        listPosts <= 3.5);
    row(
        "ListPosts (seed) CPU, both servers, <= 1.25 x bare grpc-java's ListPosts (one"
            + " BatchGetUsers)",
        ratio(listPostsOverBare, 1.25),
        listPostsOverBare <= 1.25);
  }

  /**
   * The gateway's CPU per GET /v2/users/1 over the User server's per GetUser, same run, and the
   * bare gateway's (the floor) over the same.
   */
  void gatewayCpu(double h2c, double http1, double bareH2c, double bareHttp1) {
    row(
        "gateway CPU per GET /v2/users/1 <= 1 x the User server's per GetUser, h2c; HTTP/1.1"
            + " (the bare gateway's: "
            + ratio(bareH2c)
            + "; "
            + ratio(bareHttp1)
            + ")",
        ratio(h2c, 1) + "; " + ratio(http1, 1),
        h2c <= 1 && http1 <= 1);
  }

  /**
   * The worst, over every concurrency level, of GetUser's, the two hops' and ListPosts' CPU per
   * call over bare, their calls/s over bare, and their calls/s over the same servers on the JVM's
   * defaults.
   */
  void atEachLevel(double cpu, double rps, double rpsOnDefaults) {
    row(
        "GetUser, ListPostsByUserId and ListPosts (seed) CPU per call <= 1.25 x bare at every"
            + " level (the worst)",
        ratio(cpu, 1.25),
        cpu <= 1.25);
    row("their calls/s >= 0.85 x bare at every level (the worst)", ratio(rps, 0.85), rps >= 0.85);
    row(
        "their calls/s >= 0.95 x the same servers' on the JVM's default collector and heap, at"
            + " every level (the worst)",
        ratio(rpsOnDefaults, 0.95),
        rpsOnDefaults >= 0.95);
  }

  /** The worst of GetUser's, the two hops' and ListPosts' p99 over bare at {@code level}. */
  void p99(int[] level, double p99) {
    row(
        "GetUser, ListPostsByUserId and ListPosts (seed) p99 <= 1.5 x bare at "
            + level[0]
            + " x "
            + level[1]
            + " (the worst)",
        ratio(p99, 1.5),
        p99 <= 1.5);
  }

  void gatewayLatency(double p99) {
    row(
        "gateway p99 at 5,000 requests/s <= 2 ms (the worse of h2c and HTTP/1.1)",
        ms(p99, 2),
        p99 <= 2);
  }

  void gatewayRss(long mib) {
    row("gateway peak RSS <= 128 MiB", mib + " MiB", mib <= 128);
  }

  void startMillis(long millis) {
    row("first answered call <= 0.6 s after start", millis + " ms", millis <= 600);
  }

  void latency(double getUserP99, double byUserP99) {
    row("GetUser p99 at 5,000 calls/s <= 1 ms", ms(getUserP99, 1), getUserP99 <= 1);
    row("ListPostsByUserId p99 at 5,000 calls/s <= 2 ms", ms(byUserP99, 2), byUserP99 <= 2);
  }

  void seedRss(long mib) {
    row("peak RSS per server, seed data, <= 128 MiB", mib + " MiB", mib <= 128);
  }

  void largeRss(long mib, boolean outOfMemory) {
    row(
        "peak RSS per server, 10,000 users and 100,000 posts, <= 256 MiB, no OutOfMemoryError",
        mib + " MiB" + (outOfMemory ? ", OutOfMemoryError" : ""),
        mib <= 256 && !outOfMemory);
  }

  void authors(double ratio) {
    row("ListPosts p50 with 1,000 authors <= 3 x with 1", ratio(ratio, 3), ratio <= 3);
  }

  void writeTo(Report report) {
    report.line("## Targets");
    report.line("");
    report.line("| target | measured | met |");
    report.line("|---|---|---|");
    rows.forEach(report::line);
    report.line("");
  }

  private void row(String target, String measured, boolean met) {
    rows.add("| " + target + " | " + measured + " | " + (met ? "yes" : "**no**") + " |");
  }

  private static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2f x", value);
  }

  private static String ratio(double value, double limit) {
    return near(value, limit) + " x";
  }

  private static String ms(double value, double limit) {
    return near(value, limit) + " ms";
  }

  /**
   * {@code value} to two decimals, or to three where two would read as {@code limit} itself: 1.503
   * against a limit of 1.5 is not met, and must not read "1.50 x, no".
   */
  private static String near(double value, double limit) {
    String two = String.format(Locale.ROOT, "%.2f", value);
    return Double.parseDouble(two) == limit && value != limit
        ? String.format(Locale.ROOT, "%.3f", value)
        : two;
  }
}
