package dev.grpcpair.common;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;

/**
 * grpc-java's own OpenTelemetry metrics (per-method call counts, statuses, latency histograms, on
 * servers and clients alike), served for Prometheus to scrape at {@code http://HOST:PORT/metrics}.
 * One per process: the server and its clients share it. {@link #NONE} when metrics are off.
 */
public final class Metrics implements AutoCloseable {

  /** Metrics off: configures nothing, serves nothing. */
  public static final Metrics NONE = new Metrics(null, null, 0);

  private final OpenTelemetrySdk sdk;
  private final GrpcOpenTelemetry grpc;
  private final int port;

  private Metrics(OpenTelemetrySdk sdk, GrpcOpenTelemetry grpc, int port) {
    this.sdk = sdk;
    this.grpc = grpc;
    this.port = port;
  }

  /** Serves metrics over HTTP on {@code port}, on every interface; {@code null} port: {@link #NONE}. */
  public static Metrics onPort(Integer port) {
    if (port == null) {
      return NONE;
    }
    PrometheusHttpServer prometheus;
    try {
      prometheus = PrometheusHttpServer.builder().setHost("0.0.0.0").setPort(port).build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
    }
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(prometheus).build())
            .build();
    return new Metrics(sdk, GrpcOpenTelemetry.newBuilder().sdk(sdk).build(), port);
  }

  public boolean enabled() {
    return grpc != null;
  }

  /** The port metrics are served on; 0 when off. */
  public int port() {
    return port;
  }

  public void configure(ServerBuilder<?> builder) {
    if (grpc != null) {
      grpc.configureServerBuilder(builder);
    }
  }

  public void configure(ManagedChannelBuilder<?> builder) {
    if (grpc != null) {
      grpc.configureChannelBuilder(builder);
    }
  }

  /** Stops serving metrics. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.close();
    }
  }

  @Override
  public String toString() {
    return grpc == null ? "metrics off" : "metrics on http://0.0.0.0:" + port + "/metrics";
  }
}
