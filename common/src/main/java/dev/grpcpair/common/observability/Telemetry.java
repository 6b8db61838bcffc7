package dev.grpcpair.common.observability;

import com.google.common.base.Throwables;
import dev.grpcpair.common.config.InvalidConfigException;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The process' OpenTelemetry, one SDK for both halves: grpc-java's own metrics (per-method call
 * counts, statuses, latency histograms, on servers and clients alike), served for Prometheus to
 * scrape at {@code http://HOST:PORT/metrics}; and a span for every call served and made, exported
 * over OTLP. One per process: the server and its clients share it. {@link #NONE} when both are off.
 *
 * <p>The HTTP server is Prometheus' own rather than OpenTelemetry's {@code PrometheusHttpServer},
 * which does not tell the port it bound: with this one, port 0 works, and tests need not guess a
 * free port.
 */
public final class Telemetry implements AutoCloseable {

  /** Metrics and traces off: configures nothing, serves nothing. */
  public static final Telemetry NONE = new Telemetry(null, null, null, null);

  private final OpenTelemetrySdk sdk;
  private final GrpcOpenTelemetry metrics;
  private final Tracing tracing;
  private final HTTPServer http;

  private Telemetry(
      OpenTelemetrySdk sdk, GrpcOpenTelemetry metrics, Tracing tracing, HTTPServer http) {
    this.sdk = sdk;
    this.metrics = metrics;
    this.tracing = tracing;
    this.http = http;
  }

  /**
   * Serves metrics on {@code metricsPort} (0: any free one; null: no metrics) and exports traces as
   * {@code traces} says; {@link #NONE} when neither is asked for.
   */
  public static Telemetry open(Integer metricsPort, TraceExport traces) {
    if (metricsPort == null && !traces.on()) {
      return NONE;
    }
    PrometheusMetricReader reader = metricsPort == null ? null : PrometheusMetricReader.create();
    HTTPServer http = reader == null ? null : serve(metricsPort, reader);
    OpenTelemetryLog.install();
    OpenTelemetrySdk sdk;
    try {
      sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              // The standard OTEL_* variables still reach the SDK (OTEL_EXPORTER_OTLP_HEADERS,
              // OTEL_BSP_MAX_QUEUE_SIZE, ...); the settings the flags carry override them.
              .addPropertiesSupplier(TraceExport::defaults)
              .addPropertiesCustomizer(config -> traces.properties())
              .addResourceCustomizer((resource, config) -> traces.withReplica(resource))
              .addMeterProviderCustomizer(
                  (meters, config) -> reader == null ? meters : meters.registerMetricReader(reader))
              .disableShutdownHook()
              .build()
              .getOpenTelemetrySdk();
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
      }
      throw new InvalidConfigException("cannot set up OpenTelemetry: " + e.getMessage(), e);
    }
    return new Telemetry(
        sdk,
        reader == null ? null : GrpcOpenTelemetry.newBuilder().sdk(sdk).build(),
        traces.on() ? new Tracing(sdk, traces) : null,
        http);
  }

  /**
   * How long, in seconds, a client may take to send its request before its connection is closed.
   * Without a limit the server waits for a request without end, on one of the exporter's ten
   * threads: a dozen clients that sent half a request held them all, and a scrape went unanswered
   * for as long as they stayed. Prometheus sends its request at once.
   */
  static final String MAX_REQUEST_SECONDS = "5";

  /**
   * Connections open at once; past it a connection is closed as it is accepted. Prometheus keeps
   * one. Without a limit a flood of connections took descriptors that the serving port's connection
   * cap leaves to the process' own files and ports (docs/limits.md, "Connections").
   */
  static final String MAX_CONNECTIONS = "20";

  private static HTTPServer serve(int port, PrometheusMetricReader reader) {
    // What clients can make the port hold. The JDK's HTTP server reads these from system
    // properties, once per process; one set on the command line stays.
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
    System.getProperties().putIfAbsent("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(reader);
    try {
      return HTTPServer.builder().port(port).registry(registry).buildAndStart();
    } catch (IOException e) {
      // The reason with it, as for the serving port: "Address already in use".
      throw new UncheckedIOException(
          "cannot serve metrics on port " + port + ": " + Throwables.getRootCause(e).getMessage(),
          e);
    }
  }

  /** The port metrics are served on; 0 when off. */
  public int port() {
    return http == null ? 0 : http.getPort();
  }

  /** grpc's metrics for the calls {@code builder}'s server answers. */
  public void configure(ServerBuilder<?> builder) {
    if (metrics != null) {
      metrics.configureServerBuilder(builder);
    }
  }

  /** The spans of the calls a server answers; {@link ServerSpans#NONE} when traces are off. */
  public ServerSpans serverSpans() {
    return tracing == null ? ServerSpans.NONE : tracing.serverSpans;
  }

  /**
   * grpc's metrics and a client span (and a span per attempt) for each call made on {@code
   * builder}'s channel, children of the span current when the call starts.
   */
  public void configure(ManagedChannelBuilder<?> builder) {
    if (metrics != null) {
      metrics.configureChannelBuilder(builder);
    }
    if (tracing != null) {
      // Added last, so it runs first: what the other interceptors do is part of the call's span.
      builder.intercept(tracing.clientSpans);
    }
  }

  /** A meter for a process' own instruments; a no-op one when metrics are off. */
  public Meter meter(String scope) {
    return metrics == null ? OpenTelemetry.noop().getMeter(scope) : sdk.getMeter(scope);
  }

  /** Whether calls are traced (an OTLP endpoint is set). */
  public boolean tracing() {
    return tracing != null;
  }

  /** A tracer for a process' own spans (the gateway's HTTP requests); no-op when traces are off. */
  public Tracer tracer(String scope) {
    return tracing == null ? TracerProvider.noop().get(scope) : sdk.getTracer(scope);
  }

  /** How traces travel in headers (W3C {@code traceparent}); none when traces are off. */
  public ContextPropagators propagators() {
    return tracing == null ? ContextPropagators.noop() : sdk.getPropagators();
  }

  /** Stops serving metrics, and exports the spans still queued. */
  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    if (sdk != null) {
      sdk.close();
    }
  }

  /**
   * For the start-up line: where metrics are served and traces sent ({@code ", metrics on port
   * 9464, traces to http://collector:4317 (parentbased_traceidratio 0.01)"}); empty when off.
   */
  public String describe() {
    return (metrics == null ? "" : ", metrics on port " + port())
        + (tracing == null
            ? ""
            : ", traces to "
                + tracing.export.endpoint()
                + " ("
                + tracing.export.sampler()
                + " "
                + tracing.export.samplerArg()
                + ")");
  }

  /** The spans of calls served and made. */
  private static final class Tracing {
    final TraceExport export;
    final ServerSpans serverSpans;
    final ClientSpans clientSpans;

    Tracing(OpenTelemetrySdk sdk, TraceExport export) {
      this.export = export;
      Tracer tracer = sdk.getTracer("dev.grpcpair.rpc");
      TextMapPropagator propagator = sdk.getPropagators().getTextMapPropagator();
      // The SDK's parent-based samplers, OTEL_TRACES_SAMPLER=parentbased_*, follow the parent.
      boolean parentBased = export.sampler().startsWith("parentbased_");
      this.serverSpans = new ServerSpans(tracer, propagator, parentBased);
      this.clientSpans = new ClientSpans(tracer, propagator, parentBased);
    }
  }
}
