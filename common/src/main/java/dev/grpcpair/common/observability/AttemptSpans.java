package dev.grpcpair.common.observability;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * A span for each attempt of an outgoing call, under the call's client span: a call that grpc
 * retries (the service config's retry policy, or a transparent retry after a refused stream) shows
 * one child per try, each with how it ended, as gRFC A72 draws it. Each attempt's {@code
 * traceparent} names the attempt, so the server's span hangs under the try that reached it.
 *
 * <p>OpenTelemetry's grpc instrumentation makes the call's span but sees only the call, not the
 * tries under it; grpc shows those to stream tracers alone.
 */
final class AttemptSpans implements ClientInterceptor {

  private static final AttributeKey<Long> PREVIOUS_ATTEMPTS =
      AttributeKey.longKey("grpc.previous_rpc_attempts");
  private static final AttributeKey<Boolean> TRANSPARENT_RETRY =
      AttributeKey.booleanKey("grpc.transparent_retry");
  private static final AttributeKey<Long> STATUS_CODE =
      AttributeKey.longKey("rpc.grpc.status_code");
  private static final TextMapSetter<Metadata> HEADERS =
      (headers, key, value) -> {
        Metadata.Key<String> header = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
        headers.removeAll(header);
        headers.put(header, value);
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  AttemptSpans(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    // The tracing interceptor, which runs first, has made the call's span current.
    Context call = Context.current();
    if (!Span.fromContext(call).getSpanContext().isValid()) {
      return next.newCall(method, callOptions);
    }
    String name = "Attempt." + method.getFullMethodName();
    return next.newCall(
        method,
        callOptions.withStreamTracerFactory(
            new ClientStreamTracer.Factory() {
              @Override
              public ClientStreamTracer newClientStreamTracer(
                  ClientStreamTracer.StreamInfo info, Metadata headers) {
                return attempt(call, name, info, headers);
              }
            }));
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
    propagator.inject(call.with(span), headers, HEADERS);
    return new ClientStreamTracer() {
      @Override
      public void streamClosed(Status status) {
        span.setAttribute(STATUS_CODE, (long) status.getCode().value());
        if (!status.isOk()) {
          span.setStatus(StatusCode.ERROR, status.getCode().name());
        }
        span.end();
      }
    };
  }
}
