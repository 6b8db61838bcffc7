package dev.grpcpair.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An OpenTelemetry collector's trace service (OTLP over gRPC) for tests: the servers export their
 * spans to {@link #endpoint()}, and the test reads what arrived, as a collector would have it.
 */
public final class TraceReceiver implements AutoCloseable {

  /** A span as received, with the {@code service.name} of the process that sent it. */
  public record Received(String service, Span span) {
    public String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    public String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    public String parentId() {
      return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
    }

    public String name() {
      return span.getName();
    }

    /** The attribute's value as a string (a number's digits; an array's first element). */
    public Optional<String> attribute(String key) {
      return span.getAttributesList().stream()
          .filter(attribute -> attribute.getKey().equals(key))
          .map(attribute -> text(attribute.getValue()))
          .findFirst();
    }

    private static String text(io.opentelemetry.proto.common.v1.AnyValue value) {
      return switch (value.getValueCase()) {
        case STRING_VALUE -> value.getStringValue();
        case INT_VALUE -> Long.toString(value.getIntValue());
        case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
        case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
        case ARRAY_VALUE ->
            value.getArrayValue().getValuesCount() == 0
                ? ""
                : text(value.getArrayValue().getValues(0));
        default -> value.toString();
      };
    }

    @Override
    public String toString() {
      return service + " " + span.getKind() + " " + name();
    }
  }

  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private volatile boolean stalled;
  private final Server server;

  private TraceReceiver() {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> response) {
                    if (stalled) {
                      return; // taken, never answered: the exporter waits out its timeout
                    }
                    receive(request);
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                  }
                })
            .build();
  }

  /** A receiver listening on a free port of localhost. */
  public static TraceReceiver start() {
    TraceReceiver receiver = new TraceReceiver();
    try {
      receiver.server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return receiver;
  }

  /**
   * From now on, takes each export and never answers it, as a collector that is overloaded or hung
   * with its port open: the exporter's connection stays up and its calls wait.
   */
  public void stall() {
    stalled = true;
  }

  /** What {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set to for the servers to export here. */
  public String endpoint() {
    return "http://localhost:" + server.getPort();
  }

  /** Every span received so far. */
  public List<Received> spans() {
    return List.copyOf(spans);
  }

  /**
   * The spans {@code service} sent of {@code kind} named {@code name}, in the order they started.
   */
  public List<Received> spans(String service, Span.SpanKind kind, String name) {
    return spans.stream()
        .filter(span -> span.service().equals(service))
        .filter(span -> span.span().getKind() == kind && span.name().equals(name))
        .sorted(Comparator.comparingLong(span -> span.span().getStartTimeUnixNano()))
        .toList();
  }

  /** The one such span; fails the test unless there is exactly one. */
  public Received only(String service, Span.SpanKind kind, String name) {
    List<Received> matching = spans(service, kind, name);
    assertThat(matching).as("%s %s %s in %s", service, kind, name, spans).hasSize(1);
    return matching.get(0);
  }

  /** The spans of the trace {@code traceId}, in the order they started. */
  public List<Received> trace(String traceId) {
    return spans.stream()
        .filter(span -> span.traceId().equals(traceId))
        .sorted(Comparator.comparingLong(span -> span.span().getStartTimeUnixNano()))
        .toList();
  }

  /**
   * The trace as a tree, a span per line under its parent: service, kind, name, status code and how
   * long it took, counted from the trace's first span. What docs/observability.md shows.
   */
  public String tree(String traceId) {
    List<Received> trace = trace(traceId);
    if (trace.isEmpty()) {
      return "(no spans)";
    }
    long origin = trace.get(0).span().getStartTimeUnixNano();
    Map<String, List<Received>> children =
        trace.stream().collect(Collectors.groupingBy(Received::parentId));
    StringBuilder out = new StringBuilder("trace " + traceId + "\n");
    trace.stream()
        .filter(span -> trace.stream().noneMatch(other -> other.spanId().equals(span.parentId())))
        .forEach(root -> print(root, children, origin, "", out));
    return out.toString();
  }

  private static void print(
      Received span,
      Map<String, List<Received>> children,
      long origin,
      String indent,
      StringBuilder out) {
    Span s = span.span();
    String status =
        span.attribute("rpc.grpc.status_code")
            .or(() -> span.attribute("http.response.status_code"))
            .orElse("-");
    out.append(
        String.format(
            "%-44s %-8s %-11s status %-3s start %6.2f ms, took %6.2f ms%n",
            indent + span.name(),
            s.getKind().name().replace("SPAN_KIND_", ""),
            span.service(),
            status,
            (s.getStartTimeUnixNano() - origin) / 1e6,
            (s.getEndTimeUnixNano() - s.getStartTimeUnixNano()) / 1e6));
    for (Received child : children.getOrDefault(span.spanId(), List.of())) {
      print(child, children, origin, indent + "  ", out);
    }
  }

  private void receive(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      String service = serviceName(resourceSpans.getResource());
      for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          spans.add(new Received(service, span));
        }
      }
    }
  }

  private static String serviceName(Resource resource) {
    return resource.getAttributesList().stream()
        .filter(attribute -> attribute.getKey().equals("service.name"))
        .map(attribute -> attribute.getValue().getStringValue())
        .findFirst()
        .orElse("?");
  }

  /** Stops receiving: what the servers export after this fails to arrive. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** For the tests that want to see everything: one line per span. */
  @Override
  public String toString() {
    return spans.stream().map(Received::toString).collect(Collectors.joining("\n"));
  }
}
