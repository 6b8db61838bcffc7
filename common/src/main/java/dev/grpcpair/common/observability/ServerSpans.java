package dev.grpcpair.common.observability;

import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;

/**
 * A server span for each call served, named {@code package.Service/Method} as OpenTelemetry's
 * conventions name it, the child of the caller's span when the call carries a W3C {@code
 * traceparent}; it ends with the status the call's stream ends with.
 *
 * <p>A stream tracer, as grpc-java's own tracing is: it starts with the call's headers, before any
 * interceptor, and puts the span in the context every interceptor and the handler run in, so a call
 * costs no interceptor of its own, and an unsampled one (most of them) little more than its ids.
 */
final class ServerSpans extends ServerStreamTracer.Factory {

  private static final AttributeKey<String> PEER = AttributeKey.stringKey("network.peer.address");
  private static final ServerStreamTracer UNTRACED = new ServerStreamTracer() {};

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean parentBased;
  private final Set<String> untracedMethods;

  private ServerSpans(
      Tracer tracer,
      TextMapPropagator propagator,
      boolean parentBased,
      Set<String> untracedMethods) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.parentBased = parentBased;
    this.untracedMethods = untracedMethods;
  }

  /** {@code parentBased}: whether the sampler drops the children of a parent not sampled. */
  ServerSpans(Tracer tracer, TextMapPropagator propagator, boolean parentBased) {
    this(tracer, propagator, parentBased, Set.of());
  }

  /** The same spans, but none for the calls of {@code methods} (by their full names). */
  ServerSpans except(Set<String> methods) {
    return new ServerSpans(tracer, propagator, parentBased, Set.copyOf(methods));
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    if (untracedMethods.contains(fullMethodName)) {
      return UNTRACED;
    }
    io.opentelemetry.context.Context caller =
        propagator.extract(io.opentelemetry.context.Context.root(), headers, CallSpans.HEADERS_IN);
    Span parent = Span.fromContext(caller);
    if (CallSpans.dropsChildrenOf(parent, parentBased)) {
      return new Traced(parent);
    }
    return new Traced(
        tracer
            .spanBuilder(fullMethodName)
            .setParent(caller)
            .setSpanKind(SpanKind.SERVER)
            .startSpan());
  }

  private static final class Traced extends ServerStreamTracer {
    private final Span span;

    Traced(Span span) {
      this.span = span;
    }

    @Override
    public Context filterContext(Context context) {
      return context.withValue(CallSpans.SPAN, span);
    }

    @Override
    public void serverCallStarted(ServerCallInfo<?, ?> call) {
      if (span.isRecording()) {
        span.setAllAttributes(CallSpans.of(call.getMethodDescriptor()));
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (peer instanceof InetSocketAddress address && address.getAddress() != null) {
          span.setAttribute(PEER, address.getAddress().getHostAddress());
        }
      }
    }

    @Override
    public void streamClosed(Status status) {
      CallSpans.end(span, status, true);
    }
  }
}
