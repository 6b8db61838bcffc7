package dev.grpcpair.common.observability;

import com.google.common.base.Throwables;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * grpc-java's own OpenTelemetry metrics (per-method call counts, statuses, latency histograms, on
 * servers and clients alike), served for Prometheus to scrape at {@code http://HOST:PORT/metrics}.
 * One per process: the server and its clients share it. {@link #NONE} when metrics are off.
 *
 * <p>The HTTP server is Prometheus' own rather than OpenTelemetry's {@code PrometheusHttpServer},
 * which does not tell the port it bound: with this one, port 0 works, and tests need not guess a
 * free port.
 */
public final class Metrics implements AutoCloseable {

  /** Metrics off: configures nothing, serves nothing. */
  public static final Metrics NONE = new Metrics(null, null, null);

  private final OpenTelemetrySdk sdk;
  private final GrpcOpenTelemetry grpc;
  private final HTTPServer http;

  private Metrics(OpenTelemetrySdk sdk, GrpcOpenTelemetry grpc, HTTPServer http) {
    this.sdk = sdk;
    this.grpc = grpc;
    this.http = http;
  }

  /** Serves metrics over HTTP on {@code port} (0: any free one), on every interface. */
  public static Metrics serve(int port) {
    PrometheusMetricReader reader = PrometheusMetricReader.create();
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(reader);
    HTTPServer http;
    try {
      http = HTTPServer.builder().port(port).registry(registry).buildAndStart();
    } catch (IOException e) {
      // The reason with it, as for the serving port: "Address already in use".
      throw new UncheckedIOException(
          "cannot serve metrics on port " + port + ": " + Throwables.getRootCause(e).getMessage(),
          e);
    }
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
            .build();
    return new Metrics(sdk, GrpcOpenTelemetry.newBuilder().sdk(sdk).build(), http);
  }

  /** The port metrics are served on; 0 when off. */
  public int port() {
    return http == null ? 0 : http.getPort();
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

  /** A meter for a process' own instruments; a no-op one when metrics are off. */
  public Meter meter(String scope) {
    return sdk == null ? OpenTelemetry.noop().getMeter(scope) : sdk.getMeter(scope);
  }

  /** Stops serving metrics. */
  @Override
  public void close() {
    if (http != null) {
      http.close();
      sdk.close();
    }
  }

  @Override
  public String toString() {
    return grpc == null ? "metrics off" : "metrics on port " + port();
  }
}
