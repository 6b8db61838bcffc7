package dev.grpcpair.common.observability;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
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
 * A client span for each call made on a channel, the child of the span of the call being handled
 * ({@link CallSpans#current()}), with its {@code traceparent} sent along; and, when the call is
 * sampled, a span per attempt under it ({@link AttemptSpans}), each attempt sending its own.
 */
final class ClientSpans implements ClientInterceptor {

  private static final AttributeKey<String> SERVER = AttributeKey.stringKey("server.address");

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AttemptSpans attempts;
  private final boolean parentBased;

  /** {@code parentBased}: whether the sampler drops the children of a parent not sampled. */
  ClientSpans(Tracer tracer, TextMapPropagator propagator, boolean parentBased) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.parentBased = parentBased;
    this.attempts = new AttemptSpans(tracer, propagator);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    Span parent = CallSpans.current();
    Span span =
        CallSpans.dropsChildrenOf(parent, parentBased)
            ? parent
            : tracer
                .spanBuilder(method.getFullMethodName())
                .setParent(Context.root().with(parent))
                .setSpanKind(SpanKind.CLIENT)
                .startSpan();
    Context call = Context.root().with(span);
    CallOptions options = callOptions;
    if (span.isRecording()) {
      span.setAllAttributes(CallSpans.of(method));
      span.setAttribute(SERVER, host(next.authority()));
      options = callOptions.withStreamTracerFactory(attempts.of(call, method));
    }
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        // What each attempt sends unless it is sampled and names itself.
        propagator.inject(call, headers, CallSpans.HEADERS_OUT);
        if (!span.isRecording()) {
          super.start(responseListener, headers); // nothing to end
          return;
        }
        super.start(
            new SimpleForwardingClientCallListener<>(responseListener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                CallSpans.end(span, status, false);
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }

  /** The authority's host: {@code localhost} of {@code localhost:9000}. */
  private static String host(String authority) {
    if (authority == null) {
      return "";
    }
    int colon = authority.lastIndexOf(':');
    return colon > 0 && authority.indexOf(']') < colon ? authority.substring(0, colon) : authority;
  }
}
