package dev.grpcpair.gateway;

import dev.grpcpair.common.server.ConnectionShare;
import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.time.Duration;

/** What every connection's handler answers from: the routes, the fixed documents, the health. */
final class GatewayServices {

  /** Readiness: 503 while no User replica is reachable. */
  static final String HEALTH_PATH = "/healthz";

  /** Liveness: 200 while the process answers HTTP at all, whatever the services behind it. */
  static final String LIVE_PATH = "/livez";

  static final String OPENAPI_PATH = "/openapi.json";

  private final Routes routes;
  private final StaticFiles files;
  private final HttpMetrics metrics;
  private final HttpSpans spans;
  private final Duration defaultDeadline;
  private final int maxInFlight;
  private final UnreadAnswers unread;
  private volatile boolean healthy = true;
  private volatile boolean draining;
  private int inFlight; // guarded by this
  private int callingConnections; // with a request making a call; guarded by this

  /** A connection's requests making calls; guarded by the services. */
  private static final AttributeKey<int[]> CALLS = AttributeKey.valueOf("requests-calling");

  GatewayServices(
      Routes routes,
      HttpMetrics metrics,
      HttpSpans spans,
      Duration defaultDeadline,
      int maxInFlight,
      UnreadAnswers unread) {
    this.routes = routes;
    this.maxInFlight = maxInFlight;
    this.unread = unread;
    this.files = StaticFiles.load(OpenApi.document(routes.all()));
    this.metrics = metrics;
    this.spans = spans;
    this.defaultDeadline = defaultDeadline;
  }

  Routes routes() {
    return routes;
  }

  /** The page, the OpenAPI document and the liveness answer. */
  StaticFiles files() {
    return files;
  }

  /** What each connection holds of the answers its client has not read. */
  UnreadAnswers unread() {
    return unread;
  }

  HttpMetrics metrics() {
    return metrics;
  }

  HttpSpans spans() {
    return spans;
  }

  /** The deadline of a call whose request has no {@code Grpc-Timeout}. */
  Duration defaultDeadline() {
    return defaultDeadline;
  }

  /** Whether a User replica is reachable: what {@code /healthz} answers. */
  boolean healthy() {
    return healthy;
  }

  void healthy(boolean healthy) {
    this.healthy = healthy;
  }

  /**
   * A request is being answered; false when {@code --max-requests-in-flight} others are, and it is
   * to be refused (which counts until its answer too).
   */
  synchronized boolean started() {
    return ++inFlight <= maxInFlight;
  }

  /**
   * The request being answered on {@code connection} makes a call: null if it may, or why not
   * (counted all the same, until {@link #finished} is given the connection): past its share of
   * {@code --max-requests-in-flight} ({@link ConnectionShare}, among the connections making calls:
   * health and static files, which make none, take no share).
   */
  synchronized String callStarted(Channel connection) {
    Attribute<int[]> attribute = connection.attr(CALLS);
    int[] calls = attribute.get();
    if (calls == null) {
      calls = new int[1];
      attribute.set(calls);
    }
    if (++calls[0] == 1) {
      callingConnections++;
    }
    return ConnectionShare.contended(maxInFlight, inFlight)
            && ConnectionShare.exceeded(maxInFlight, callingConnections, calls[0])
        ? ConnectionShare.refusal(
            "the gateway has " + inFlight + " requests",
            "--max-requests-in-flight",
            maxInFlight,
            callingConnections,
            calls[0])
        : null;
  }

  /** The most requests answered at once ({@code --max-requests-in-flight}). */
  int maxInFlight() {
    return maxInFlight;
  }

  /**
   * A request has been answered; {@code calling}, the connection its call was counted on ({@link
   * #callStarted}), or null if it made none.
   */
  synchronized void finished(Channel calling) {
    if (calling != null && --calling.attr(CALLS).get()[0] == 0) {
      callingConnections--;
    }
    if (--inFlight == 0) {
      notifyAll();
    }
  }

  /** Whether the gateway is stopping: answers then close their HTTP/1.1 connections. */
  boolean draining() {
    return draining;
  }

  /**
   * Waits until no request is in flight, or until {@code grace} has passed.
   *
   * @return whether every request was answered
   */
  synchronized boolean drain(Duration grace) throws InterruptedException {
    draining = true;
    long end = System.nanoTime() + grace.toNanos();
    while (inFlight > 0) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
