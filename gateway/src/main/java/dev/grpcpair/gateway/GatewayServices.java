package dev.grpcpair.gateway;

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
  private volatile boolean healthy = true;
  private volatile boolean draining;
  private int inFlight; // guarded by this
  private int busyConnections; // with a request in flight; guarded by this

  /** A connection's requests in flight; guarded by the services. */
  private static final AttributeKey<int[]> CONNECTION_IN_FLIGHT =
      AttributeKey.valueOf("requests-in-flight");

  GatewayServices(
      Routes routes,
      HttpMetrics metrics,
      HttpSpans spans,
      Duration defaultDeadline,
      int maxInFlight) {
    this.routes = routes;
    this.maxInFlight = maxInFlight;
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
   * A request of {@code connection} is being answered; null if it may be, or why it is to be
   * refused (it counts until its answer too): {@code --max-requests-in-flight} others are, or, past
   * three quarters of that while other connections ask too, {@code connection} holds more than its
   * share, the bound divided among the connections with requests in flight and one more (as the
   * servers' {@code --max-calls-in-flight}: connections that fill the bound between them leave
   * room).
   */
  synchronized String started(Channel connection) {
    Attribute<int[]> attribute = connection.attr(CONNECTION_IN_FLIGHT);
    int[] held = attribute.get();
    if (held == null) {
      held = new int[1];
      attribute.set(held);
    }
    if (++held[0] == 1) {
      busyConnections++;
    }
    if (++inFlight > maxInFlight) {
      return "the gateway is answering " + maxInFlight + " requests (--max-requests-in-flight)";
    }
    int share = maxInFlight / (busyConnections + 1);
    if (inFlight > maxInFlight / 4 * 3 && busyConnections >= 2 && held[0] > share) {
      return "the gateway is answering "
          + inFlight
          + " requests (--max-requests-in-flight="
          + maxInFlight
          + "), this connection "
          + held[0]
          + ", more than its share ("
          + share
          + ") while "
          + busyConnections
          + " connections ask";
    }
    return null;
  }

  /** The most requests answered at once ({@code --max-requests-in-flight}). */
  int maxInFlight() {
    return maxInFlight;
  }

  /** A request of {@code connection} has been answered. */
  synchronized void finished(Channel connection) {
    if (--connection.attr(CONNECTION_IN_FLIGHT).get()[0] == 0) {
      busyConnections--;
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
