package dev.grpcpair.common.observability;

import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * A span for each attempt of an outgoing call, under the call's client span: a call that grpc tries
 * again (the service config's hedging or retry policy, or a transparent retry after a refused
 * stream) shows one child per try, each with how it ended, as gRFC A72 draws it. Each attempt's
 * {@code traceparent} names the attempt, so the server's span hangs under the try that reached it.
 * Only for sampled calls: an attempt of a call nobody will see costs a span for nothing.
 */
final class AttemptSpans {

  private static final AttributeKey<Long> PREVIOUS_ATTEMPTS =
      AttributeKey.longKey("grpc.previous_rpc_attempts");
  private static final AttributeKey<Boolean> TRANSPARENT_RETRY =
      AttributeKey.booleanKey("grpc.transparent_retry");

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  AttemptSpans(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /** The tracer of the attempts of {@code method}'s call whose span is in {@code call}. */
  ClientStreamTracer.Factory of(Context call, MethodDescriptor<?, ?> method) {
    String name = "Attempt." + method.getFullMethodName();
    return new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        return attempt(call, name, info, headers);
      }
    };
  }

  private ClientStreamTracer attempt(
      Context call, String name, ClientStreamTracer.StreamInfo info, Metadata headers) {
    Span span =
        tracer
            .spanBuilder(name)
            .setParent(call)
            .setSpanKind(SpanKind.INTERNAL)
            .setAttribute(PREVIOUS_ATTEMPTS, (long) info.getPreviousAttempts())
            .setAttribute(TRANSPARENT_RETRY, info.isTransparentRetry())
            .startSpan();
    propagator.inject(call.with(span), headers, CallSpans.HEADERS_OUT);
    return new ClientStreamTracer() {
      @Override
      public void streamClosed(Status status) {
        CallSpans.end(span, status, false);
      }
    };
  }
}
