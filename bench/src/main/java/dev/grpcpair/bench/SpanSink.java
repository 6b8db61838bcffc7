package dev.grpcpair.bench;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OTLP trace collector that counts the spans it gets and keeps none: what the servers export to
 * while their tracing cost is measured, so that exporting is part of it.
 */
final class SpanSink implements AutoCloseable {

  private final AtomicLong spans = new AtomicLong();
  private final Server server;

  SpanSink() throws IOException {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> response) {
                    long count = 0;
                    for (ResourceSpans resource : request.getResourceSpansList()) {
                      for (ScopeSpans scope : resource.getScopeSpansList()) {
                        count += scope.getSpansCount();
                      }
                    }
                    spans.addAndGet(count);
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                  }
                })
            .build()
            .start();
  }

  /** The flag that has a server export here. */
  String endpointFlag() {
    return "--otel-exporter-otlp-endpoint=http://127.0.0.1:" + server.getPort();
  }

  long spans() {
    return spans.get();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
