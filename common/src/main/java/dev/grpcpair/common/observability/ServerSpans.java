package dev.grpcpair.common.observability;

import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A server span for each call served, named {@code package.Service/Method} as OpenTelemetry's
 * conventions name it, the child of the caller's span when the call carries a W3C {@code
 * traceparent}. It goes first, so that every other interceptor and the handler run inside it; it
 * ends with the status the call ends with, or when the call is cancelled.
 */
final class ServerSpans implements ServerInterceptor {

  private static final AttributeKey<String> PEER = AttributeKey.stringKey("network.peer.address");

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  ServerSpans(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Context caller = propagator.extract(Context.root(), headers, CallSpans.HEADERS_IN);
    Span span =
        tracer
            .spanBuilder(call.getMethodDescriptor().getFullMethodName())
            .setParent(caller)
            .setSpanKind(SpanKind.SERVER)
            .startSpan();
    if (span.isRecording()) {
      span.setAllAttributes(CallSpans.of(call.getMethodDescriptor()));
      SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      if (peer instanceof InetSocketAddress address && address.getAddress() != null) {
        span.setAttribute(PEER, address.getAddress().getHostAddress());
      }
    }
    AtomicBoolean ended = new AtomicBoolean();
    ServerCall<ReqT, RespT> ending =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (ended.compareAndSet(false, true)) {
              CallSpans.end(span, status, true);
            }
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<ReqT> listener =
        Contexts.interceptCall(CallSpans.with(span), ending, headers, next);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        if (ended.compareAndSet(false, true)) {
          CallSpans.end(span, Status.CANCELLED, true);
        }
        super.onCancel();
      }
    };
  }
}
