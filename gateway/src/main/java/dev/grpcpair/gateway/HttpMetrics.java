package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import java.util.List;

/**
 * The gateway's HTTP requests by route, method and status, as OpenTelemetry's semantic conventions
 * for HTTP servers name them ({@code http.server.request.duration}; Prometheus scrapes {@code
 * http_server_request_duration_seconds}). The route is the rule's template, never the path a client
 * sent: the number of series stays that of the routes.
 */
final class HttpMetrics {

  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");

  /**
   * 100 µs to 100 s in 1-2-5 steps: the gateway answers in about a millisecond, which the
   * conventions' default buckets (from 5 ms) would not tell apart.
   */
  private static final List<Double> BUCKETS =
      List.of(
          0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0,
          5.0, 10.0, 20.0, 50.0, 100.0);

  private final DoubleHistogram duration;

  HttpMetrics(Telemetry telemetry) {
    this.duration =
        telemetry
            .meter("dev.grpcpair.gateway")
            .histogramBuilder("http.server.request.duration")
            .setUnit("s")
            .setDescription("Duration of the gateway's HTTP requests, by route")
            .setExplicitBucketBoundariesAdvice(BUCKETS)
            .build();
  }

  /** Records a request that started at {@code startNanos} ({@link System#nanoTime()}). */
  void record(String route, String method, int status, long startNanos) {
    duration.record(
        (System.nanoTime() - startNanos) / 1e9,
        Attributes.of(ROUTE, route, METHOD, known(method), STATUS, (long) status));
  }

  /** Methods outside HTTP's own are one series, as the conventions ask ({@code _OTHER}). */
  private static String known(String method) {
    return switch (method) {
      case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE" -> method;
      default -> "_OTHER";
    };
  }
}
